"""Batch-32 latency of EfficientNet-Lite0, on demand:
``.venv/bin/python tests/benchmarks/bench_lite0.py``.

The real ImageNet model (specs/efficientnet_lite0_imagenet.spec with the shared
efficientnet_pytorch weights): ONNX Runtime on the file ``specdsl export`` writes, against the
same model and weights in Keras (``model.predict``) and PyTorch eager (``torch.no_grad``,
float32, NCHW and channels_last), all on the same 32 real photos (the shared JPEGs repeated,
as ``specdsl run`` prepares them). Each framework runs in its own process, one after the
other (TensorFlow and PyTorch never share one), with all the machine's cores. Times are
medians of repeated batches after warm-up: wall time, and CPU time (user + system, every
thread).
"""

from __future__ import annotations

import json
import os
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

SPEC = ROOT / "specs" / "efficientnet_lite0_imagenet.spec"
WEIGHTS = "weights/efficientnet-lite0-57934424.pth"
BATCH, WARMUP, REPEATS = 32, 3, 10
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")


def photos(data: Path) -> np.ndarray:
    from specdsl.run.metadata import ModelInfo
    from specdsl.run.predict import prepare

    files = sorted((data / "images").glob("*.jpg"))
    one = np.stack([prepare(str(f), ModelInfo(224, 224, 3, (), None), uint8=True) for f in files])
    return np.resize(one, (BATCH, *one.shape[1:]))


def timed(step) -> dict[str, float]:
    for _ in range(WARMUP):
        step()
    wall, cpu = [], []
    for _ in range(REPEATS):
        w, c = time.perf_counter(), time.process_time()
        step()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return {"wall": statistics.median(wall), "cpu": statistics.median(cpu)}


def one(framework: str, onnx_path: str, pth: str, images_path: str) -> dict[str, float]:
    """The latency of one framework, in this process."""
    from specdsl.api import load
    from specdsl.weights.files import read_weights

    images = np.load(images_path)
    if framework == "onnxruntime":
        import onnxruntime as ort

        sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
        return timed(lambda: sess.run(None, {"images": images}))
    analysis = load(SPEC)
    tensors = read_weights(pth, analysis)
    x = images.astype(np.float32)  # the spec rescales by itself
    if framework == "keras":
        from specdsl.backends.keras.runtime import build_keras_model, set_weights

        model = build_keras_model(analysis)
        set_weights(model, analysis, tensors)
        return timed(lambda: model.predict(x, batch_size=BATCH, verbose=0))
    import torch

    from specdsl.backends.pytorch.runtime import build_torch_model, set_weights

    model = build_torch_model(analysis)
    set_weights(model, analysis, tensors)
    model.eval()
    xt = torch.from_numpy(x.transpose(0, 3, 1, 2).copy())
    if framework == "pytorch_channels_last":  # PyTorch's own advice for CPU convnets
        model = model.to(memory_format=torch.channels_last)
        xt = xt.contiguous(memory_format=torch.channels_last)

    def step():
        with torch.no_grad():
            model(xt)

    return timed(step)


def main() -> int:
    if len(sys.argv) == 6 and sys.argv[1] == "--one":
        print(json.dumps(one(*sys.argv[2:])))
        return 0
    data = shared_data_dir()
    if data is None or not (data / WEIGHTS).is_file():
        print(f"no shared data with {WEIGHTS}: set SPECDSL_SHARED_DATA")
        return 1
    pth = data / WEIGHTS
    with tempfile.TemporaryDirectory() as tmp:
        onnx_path, images_path = Path(tmp) / "lite0.onnx", Path(tmp) / "images.npy"
        cmd = [sys.executable, "-m", "specdsl", "export", str(SPEC), "--weights", str(pth)]
        subprocess.run([*cmd, "-o", str(onnx_path)], check=True, cwd=ROOT, capture_output=True)
        np.save(images_path, photos(data))
        results = {}
        for framework in ("onnxruntime", "keras", "pytorch", "pytorch_channels_last"):
            args = [framework, str(onnx_path), str(pth), str(images_path)]
            res = subprocess.run(
                [sys.executable, __file__, "--one", *args],
                capture_output=True,
                text=True,
                env=ENV,
                cwd=ROOT,
            )
            if res.returncode != 0:
                print(f"{framework}: failed\n{res.stderr[-2000:]}")
                continue
            results[framework] = json.loads(res.stdout.strip().splitlines()[-1])
    print(f"EfficientNet-Lite0, batch {BATCH} of 224x224x3, {os.cpu_count()} cores, medians:")
    base = results.get("onnxruntime")
    for name, r in results.items():
        ratio = f"  {r['wall'] / base['wall']:.2f}x ONNX Runtime's" if base else ""
        print(
            f"  {name:21s} {r['wall'] * 1000:8.1f} ms wall  {r['cpu'] * 1000:8.1f} ms CPU"
            f"  {BATCH / r['wall']:6.1f} images/s{ratio}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
