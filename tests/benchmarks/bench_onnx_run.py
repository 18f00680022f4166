"""Benchmark of ``specdsl run``, on demand: ``.venv/bin/python tests/benchmarks/bench_onnx_run.py``.

In one run, on this machine, with the dogs_cats_scratch model (180x180x3, 991,041 params):

1. whole-process time of ``specdsl run model.onnx chelsea.jpg`` against a short script that
   loads the same model as ``.keras`` and predicts (goal: at least 15x faster), and against
   a short raw ONNX Runtime script (reference);
2. ``specdsl run`` over a folder of 1,000 JPEGs (crops of the real photos, 150..500 px):
   images per second against raw ONNX Runtime on the same preprocessed arrays (goal >= 0.9);
3. batch-32 latency as a fraction of this CPU's fp32 peak (estimated from lscpu; the
   assumption is printed).

Times are medians of repeated runs, as wall time and as CPU time (user + system, every
thread): the machine may be shared, and CPU time is what contention disturbs least. Every
ratio is taken against its baseline measured within this same run.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.conftest import shared_data_dir  # noqa: E402

SPEC = ROOT / "specs" / "dogs_cats_scratch.spec"
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")

KERAS_SCRIPT = """
import sys
import keras, numpy as np, tensorflow as tf
model = keras.models.load_model(sys.argv[1])
img = tf.io.decode_image(tf.io.read_file(sys.argv[2]), channels=3, expand_animations=False)
x = tf.image.resize(img, (180, 180))[None]
p = float(model.predict(x, verbose=0)[0, 0])
print(sys.argv[2], "dog" if p >= 0.5 else "cat", max(p, 1 - p))
"""

ORT_SCRIPT = """
import sys
import numpy as np, onnxruntime as ort
from PIL import Image
sess = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
img = np.asarray(Image.open(sys.argv[2]).convert("RGB").resize((180, 180)))[None]
p = float(sess.run(None, {"images": img})[0][0, 0])
print(sys.argv[2], "dog" if p >= 0.5 else "cat", max(p, 1 - p))
"""


def timed(cmd: list[str], repeat: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system, all threads) of a command."""
    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=ENV, cwd=ROOT)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def in_process(fn) -> tuple[float, float]:
    """Wall and CPU time (this process, all threads) of one call."""
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def make_models(tmp: Path):
    from specdsl.api import load
    from specdsl.backends.keras.runtime import build_keras_model, set_weights
    from specdsl.backends.onnx import export
    from specdsl.weights.checkpoint import random_weights

    a = load(SPEC)
    tensors = random_weights(a, seed=0)
    onnx_path = export(a, tensors, tmp / "model.onnx")
    model = build_keras_model(a)
    set_weights(model, a, tensors)
    model.save(tmp / "model.keras")
    return a, onnx_path, tmp / "model.keras"


def make_folder(photos: list[Path], folder: Path, n: int = 1000) -> None:
    from PIL import Image

    folder.mkdir()
    rng = np.random.default_rng(0)
    sources = [Image.open(p).convert("RGB") for p in photos]
    for i in range(n):
        src = sources[i % len(sources)]
        w, h = src.size
        cw, ch = rng.integers(w // 2, w + 1), rng.integers(h // 2, h + 1)
        x, y = rng.integers(0, w - cw + 1), rng.integers(0, h - ch + 1)
        side = int(rng.integers(150, 501))
        crop = src.crop((x, y, x + cw, y + ch)).resize((side, int(side * ch / cw) or 1))
        crop.save(folder / f"img{i:04d}.jpg", quality=90)


def cpu_peak() -> tuple[float, str]:
    text = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    flags = set(re.search(r"Flags:\s*(.*)", text).group(1).split())
    cores = os.cpu_count() or 1
    mhz = re.search(r"CPU max MHz:\s*([\d.]+)", text)
    if mhz:
        ghz, source = float(mhz.group(1)) / 1000, "lscpu max MHz"
    else:
        bogo = float(re.search(r"BogoMIPS:\s*([\d.]+)", text).group(1))
        ghz, source = bogo / 2000, "BogoMIPS / 2 (the TSC rate; turbo not counted)"
    lanes = 16 if "avx512f" in flags else 8 if "avx2" in flags else 4
    fma = 2 if "fma" in flags else 1
    units = 2  # FMA units per core: assumed (server Xeons with AVX-512 have two)
    peak = cores * ghz * lanes * fma * units
    how = (
        f"{cores} cores x {ghz:.2f} GHz ({source}) x {lanes} fp32 lanes "
        f"({'AVX-512' if lanes == 16 else 'AVX2' if lanes == 8 else 'SSE'}) x {fma} (FMA) "
        f"x {units} FMA units per core (assumed)"
    )
    return peak, how


def one_photo(specdsl: str, tmp: Path, onnx_path: Path, keras_path: Path, photo: Path) -> None:
    run = timed([specdsl, "run", str(onnx_path), str(photo)], 7)
    raw = timed([sys.executable, str(tmp / "ort_predict.py"), str(onnx_path), str(photo)], 7)
    keras = timed([sys.executable, str(tmp / "keras_predict.py"), str(keras_path), str(photo)], 3)
    print(f"1. one photo ({photo.name}), whole process, median: wall / CPU seconds")
    print(f"   specdsl run          {run[0]:7.3f} / {run[1]:7.3f}")
    print(f"   raw ONNX Runtime     {raw[0]:7.3f} / {raw[1]:7.3f}")
    print(f"   Keras .keras script  {keras[0]:7.3f} / {keras[1]:7.3f}")
    print(
        f"   speed-up vs Keras    {keras[0] / run[0]:7.1f}x wall, {keras[1] / run[1]:.1f}x CPU"
        "   (goal >= 15x)"
    )


def folder_throughput(specdsl: str, tmp: Path, onnx_path: Path, photos: list[Path]):
    import onnxruntime as ort

    from specdsl.run.metadata import ModelInfo
    from specdsl.run.predict import classify, prepare
    from specdsl.run.session import open_session
    from specdsl.run.sources import expand

    folder = tmp / "photos"
    make_folder(photos, folder)
    files = sorted(folder.iterdir())
    info = ModelInfo(180, 180, 3, ("cat", "dog"), "sigmoid")
    arrays = np.stack([prepare(str(f), info, True) for f in files])
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    sess.run(None, {"images": arrays[:32]})
    ours, _ = open_session(onnx_path, "cpu")

    def raw_pass() -> None:
        for i in range(0, len(arrays), 32):
            sess.run(None, {"images": arrays[i : i + 32]})

    def loop() -> None:
        for _ in classify(ours, info, expand([str(folder)]), 32, 1):
            pass

    rounds = []
    for _ in range(3):  # interleaved, so that a busy moment hits every side
        command = [specdsl, "run", str(onnx_path), str(folder)]
        rounds.append((in_process(raw_pass), in_process(loop), timed(command, 1)))
    med = [[statistics.median(r[k][j] for r in rounds) for j in (0, 1)] for k in range(3)]
    (raw_w, raw_c), (loop_w, loop_c), (proc_w, proc_c) = med
    prep_w, prep_c = in_process(lambda: [prepare(str(f), info, True) for f in files[:200]])
    n = len(files)
    print(f"2. a folder of {n} JPEGs (150..500 px wide), batch 32, median of 3 (images/s)")
    print("                                               by wall time   by CPU time")
    print(f"   raw ONNX Runtime on preprocessed arrays  {n / raw_w:10.1f}   {n / raw_c:10.1f}")
    print(f"   specdsl run, whole process               {n / proc_w:10.1f}   {n / proc_c:10.1f}")
    print(f"   specdsl run's loop (no start-up)         {n / loop_w:10.1f}   {n / loop_c:10.1f}")
    print(f"   ratio, whole process  {raw_w / proc_w:5.2f} wall  {raw_c / proc_c:5.2f} CPU")
    print(f"   ratio, loop           {raw_w / loop_w:5.2f} wall  {raw_c / loop_c:5.2f} CPU")
    print("   (goal: ratio >= 0.9)")
    print(f"   decode + resize alone: {prep_c / 200 * 1000:.2f} ms CPU per image")
    return sess, arrays


def peak_fraction(sess, arrays: np.ndarray, macs: int) -> None:
    import onnxruntime as ort

    batch = arrays[:32]
    lat = []
    for _ in range(10):
        t0 = time.perf_counter()
        sess.run(None, {"images": batch})
        lat.append(time.perf_counter() - t0)
    latency = statistics.median(lat)
    flops = 2 * macs * 32
    peak, how = cpu_peak()
    achieved = flops / latency / 1e9
    print("3. batch-32 latency, CPU provider, median of 10")
    print(f"   {latency * 1000:.1f} ms for {flops / 1e9:.1f} GFLOP -> {achieved:.1f} GFLOP/s")
    print(f"   fp32 peak {peak:.1f} GFLOP/s = {how}")
    print(f"   fraction of peak  {achieved / peak:.2f}")
    print(f"   providers here: {', '.join(ort.get_available_providers())}")


def main() -> int:
    data = shared_data_dir()
    if data is None:
        print("no shared data folder: set SPECDSL_SHARED_DATA")
        return 1
    photos = sorted((data / "images").glob("*.jpg"))
    specdsl = shutil.which("specdsl", path=str(Path(sys.executable).parent)) or "specdsl"
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        analysis, onnx_path, keras_path = make_models(tmp)
        (tmp / "keras_predict.py").write_text(KERAS_SCRIPT)
        (tmp / "ort_predict.py").write_text(ORT_SCRIPT)
        one_photo(specdsl, tmp, onnx_path, keras_path, data / "images" / "chelsea.jpg")
        sess, arrays = folder_throughput(specdsl, tmp, onnx_path, photos)
        peak_fraction(sess, arrays, analysis.macs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
