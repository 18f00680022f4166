"""Benchmark of int8 export and ``--decode fast``, on demand:
``.venv/bin/python tests/benchmarks/bench_int8.py [--skip-training] [--photos N]``.

In one run, on this machine, every ratio against its baseline measured beside it:

1. batch-32 throughput (images/s, ONNX Runtime, CPU) of the int8 model against the fp32 one,
   on the dogs-vs-cats convnet and on VGG16 at 180x180 (goal: at least 2x); seeded random
   weights (speed does not depend on them), calibrated on real tshirt_vs_shirt images;
2. test accuracy of fp32 and int8 after a short real training (PyTorch, in a subprocess):
   the MNIST convnet on MNIST's 10,000 test digits, and a small convnet on tshirt_vs_shirt's
   2,000 test images (goal: at most 1 point lost);
3. ``--decode fast`` against exact decoding on 1,000 large JPEGs (the real photos in
   ../shared/data/images, scaled up to 1,200..2,400 px and cropped, flipped, re-encoded):
   images per second through ``classify`` (decode + resize + inference, dogs-vs-cats model),
   and how often the top-1 class differs from the exact path (goal: at least 1.5x).
"""

from __future__ import annotations

import argparse
import json
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

SPECS = ROOT / "specs"
SHIRTS = """model shirts
input 28x28x1
classes shirt tshirt
conv 32 k3 relu
pool 2
conv 64 k3 relu
pool 2
flatten
dense 64 relu
dense 2 softmax
loss sparse_categorical_crossentropy
optimizer rmsprop
metrics accuracy
epochs 3
batch 64
"""


def specdsl(*args) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "specdsl", *map(str, args)]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if res.returncode:
        sys.exit(f"failed: {' '.join(map(str, args))}\n{res.stderr}")
    return res


def export_pair(spec: Path, ckpt: Path, calib: Path, out: Path, count: int) -> tuple[Path, Path]:
    from specdsl.backends.onnx.quantize import quantize_int8

    fp32, int8 = out / f"{spec.stem}_fp32.onnx", out / f"{spec.stem}_int8.onnx"
    specdsl("export", spec, "--weights", ckpt, "-o", fp32)
    t = time.perf_counter()
    r = quantize_int8(fp32, int8, calib, count, min_agreement=0.0)
    print(
        f"  {spec.stem}: quantized in {time.perf_counter() - t:.1f} s, calibrated on "
        f"{r.calibration_images} images; top-1 agreement {r.agreement:.1%} on "
        f"{r.checked_images} held-out, largest probability difference {r.max_abs_diff:.4f}"
    )
    return fp32, int8


def throughput(path: Path, x: np.ndarray, seconds: float = 6.0) -> float:
    """Median images/s of batch-32 runs over about ``seconds``."""
    from specdsl.run.session import open_session

    session, _ = open_session(path, "cpu")
    name = session.get_inputs()[0].name
    session.run(None, {name: x})
    times, start = [], time.perf_counter()
    while time.perf_counter() - start < seconds or len(times) < 3:
        t = time.perf_counter()
        session.run(None, {name: x})
        times.append(time.perf_counter() - t)
    return len(x) / statistics.median(times)


def random_checkpoint(spec: Path, out: Path) -> Path:
    from specdsl.api import load
    from specdsl.weights.checkpoint import random_weights, save

    a = load(spec)
    return save(out / f"{spec.stem}.safetensors", random_weights(a, seed=0), a)


def bench_speed(data: Path, tmp: Path) -> None:
    print("1. batch-32 throughput, int8 against fp32 (goal >= 2x)")
    x = np.random.default_rng(0).integers(0, 256, (32, 180, 180, 3), dtype=np.uint8)
    calib = data / "tshirt_vs_shirt" / "train"
    for spec in (SPECS / "dogs_cats_scratch.spec", SPECS / "vgg16_features.spec"):
        fp32, int8 = export_pair(spec, random_checkpoint(spec, tmp), calib, tmp, 32)
        a, b = throughput(fp32, x), throughput(int8, x)
        print(f"  {spec.stem}: fp32 {a:.1f} img/s, int8 {b:.1f} img/s: {b / a:.2f}x")


def accuracy(model: Path, folder: Path) -> float:
    from specdsl.run.cli import open_model
    from specdsl.run.evaluate import find_data, metrics, model_labels, predict

    session, _, info = open_model(str(model), "cpu")
    labels = model_labels(session, info)
    return metrics(predict(session, info, labels, find_data(folder, labels, None), 64)).accuracy


def bench_accuracy(data: Path, tmp: Path) -> None:
    print("2. test accuracy after a short real training, fp32 and int8 (goal: <= 1 point lost)")
    shirts = tmp / "shirts.spec"
    shirts.write_text(SHIRTS)
    cases = [
        (SPECS / "mnist_convnet.spec", data / "mnist", ["--epochs", "2", "--limit", "20000"],
         data / "mnist", data / "mnist"),
        (shirts, data / "tshirt_vs_shirt", ["--epochs", "3"],
         data / "tshirt_vs_shirt" / "train", data / "tshirt_vs_shirt" / "test"),
    ]  # fmt: skip
    for spec, train_data, extra, calib, test in cases:
        run = tmp / f"run_{spec.stem}"
        t = time.perf_counter()
        specdsl("train", spec, "--backend", "pytorch", "--data", train_data, "--run-dir", run,
                "--seed", "0", *extra)  # fmt: skip
        trained = time.perf_counter() - t
        fp32, int8 = export_pair(spec, run / "model.safetensors", calib, tmp, 200)
        a, b = accuracy(fp32, test), accuracy(int8, test)
        print(
            f"  {spec.stem} ({trained:.0f} s of training {' '.join(extra)}): test accuracy "
            f"fp32 {a:.4f}, int8 {b:.4f}: {100 * (a - b):+.2f} points lost"
        )


def make_photos(data: Path, out: Path, n: int) -> list[str]:
    from PIL import Image

    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    sources = [Image.open(p).convert("RGB") for p in sorted((data / "images").glob("*.jpg"))]
    paths = []
    for i in range(n):
        im = sources[i % len(sources)]
        side = int(rng.integers(1200, 2400))
        big = im.resize((side, int(side * im.height / im.width)), Image.BICUBIC)
        w, h = big.size
        dx, dy = int(rng.integers(0, w // 8)), int(rng.integers(0, h // 8))
        big = big.crop((dx, dy, w - int(rng.integers(0, w // 8)), h - int(rng.integers(0, h // 8))))
        if rng.random() < 0.5:
            big = big.transpose(Image.FLIP_LEFT_RIGHT)
        path = out / f"photo{i:04d}.jpg"
        big.save(path, quality=int(rng.integers(80, 96)))
        paths.append(str(path))
    return paths


def bench_decode(data: Path, tmp: Path, n: int) -> None:
    from specdsl.run.cli import open_model
    from specdsl.run.predict import classify
    from specdsl.run.sources import Source

    print(f"3. --decode fast against exact on {n} large JPEGs (goal >= 1.5x images/s)")
    spec = SPECS / "dogs_cats_scratch.spec"
    model = tmp / "cats.onnx"
    specdsl("export", spec, "--weights", random_checkpoint(spec, tmp), "-o", model)
    paths = make_photos(data, tmp / "photos", n)
    from specdsl.backends.onnx.quantize import quantize_int8
    from specdsl.run.predict import prepare

    int8 = quantize_int8(model, tmp / "cats_int8.onnx", data / "tshirt_vs_shirt" / "train", 32)
    session, _, info = open_model(str(model), "cpu")
    for decode in ("exact", "fast"):  # decoding and resizing alone, one thread
        t = time.perf_counter()
        for p in paths[:300]:
            prepare(p, info, True, decode)
        print(f"  decode + resize only, {decode}: {300 / (time.perf_counter() - t):.1f} img/s")
    sources = [Source(p) for p in paths]
    for path in (model, int8.path):
        session, _, info = open_model(str(path), "cpu")
        tops, rates = {}, {}
        for decode in ("exact", "fast", "exact", "fast"):
            t = time.perf_counter()
            results = list(classify(session, info, sources, 32, 1, decode=decode))
            rates.setdefault(decode, []).append(n / (time.perf_counter() - t))
            tops[decode] = [r.top[0][0] if r.top else r.error for r in results]
        exact, fast = max(rates["exact"]), max(rates["fast"])
        differ = sum(a != b for a, b in zip(tops["exact"], tops["fast"], strict=True))
        print(
            f"  {path.name}, decode in parallel with inference: exact {exact:.1f} img/s, "
            f"fast {fast:.1f}: {fast / exact:.2f}x (best of 2); top-1 differs on {differ} of "
            f"{n} ({differ / n:.1%}; random-weight model)"
        )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--skip-training", action="store_true")
    p.add_argument("--photos", type=int, default=1000)
    p.add_argument("--only", choices=("speed", "accuracy", "decode"))
    args = p.parse_args()
    data = shared_data_dir()
    if data is None:
        sys.exit("../shared/data not found (set SPECDSL_SHARED_DATA)")
    import onnxruntime

    print(f"onnxruntime {onnxruntime.__version__}; {json.dumps(sys.platform)}")
    with tempfile.TemporaryDirectory(prefix="bench-int8-") as tmp:
        tmp = Path(tmp)
        if args.only in (None, "speed"):
            bench_speed(data, tmp)
        if args.only in (None, "accuracy") and not args.skip_training:
            bench_accuracy(data, tmp)
        if args.only in (None, "decode"):
            bench_decode(data, tmp, args.photos)


if __name__ == "__main__":
    main()
