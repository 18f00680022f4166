"""``specdsl export --quantize int8 --calibration DIR``: static int8 (QDQ, per-channel weights)
calibrated on real images. The MNIST convnet is trained for real first (a short PyTorch run);
the int8 model keeps its accuracy, its metadata and its interface, so ``run`` and ``eval`` use
it unchanged. Bad calibration data is refused with one line and nothing is written."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import ROOT, SPECS

MNIST_SPEC = SPECS / "mnist_convnet.spec"
CATS_SPEC = SPECS / "dogs_cats_scratch.spec"


def specdsl(*args, timeout: int = 300) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "specdsl", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=timeout)


def one_error_line(res: subprocess.CompletedProcess) -> str:
    """The single ``error:`` line a failing command prints, never a traceback."""
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert "Traceback" not in res.stderr, res.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    return lines[0]


def trained_mnist(shared_data: Path, base: Path) -> tuple[Path, Path]:
    """(checkpoint, fp32 .onnx) of the MNIST convnet after one short real epoch (PyTorch,
    3,000 images, a few seconds); made once per test session, shared by the test modules."""
    out = base / "trained_mnist"
    ckpt, onnx_path = out / "run" / "model.safetensors", out / "mnist_fp32.onnx"
    if onnx_path.is_file():
        return ckpt, onnx_path
    if importlib.util.find_spec("torch") is None:
        pytest.skip("PyTorch is not installed: no quick real training for the MNIST model")
    res = specdsl(
        "train", MNIST_SPEC, "--backend", "pytorch", "--data", shared_data / "mnist",
        "--epochs", "1", "--limit", "3000", "--seed", "0", "--run-dir", out / "run",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    res = specdsl("export", MNIST_SPEC, "--weights", ckpt, "-o", onnx_path)
    assert res.returncode == 0, res.stderr
    return ckpt, onnx_path


@pytest.fixture(scope="module")
def mnist(shared_data, tmp_path_factory):
    return trained_mnist(shared_data, tmp_path_factory.getbasetemp())


def metadata(path: Path) -> dict[str, str]:
    import onnx

    return {p.key: p.value for p in onnx.load(str(path)).metadata_props}


def probabilities(path: Path, x: np.ndarray) -> np.ndarray:
    from tests.onnx.conftest import session

    return session(path).run(None, {"images": x})[0]


def eval_json(model: Path, data: Path, limit: int) -> dict:
    res = specdsl("eval", model, data, "--limit", limit, "--json")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_mnist_int8_keeps_accuracy_and_metadata(mnist, shared_data, tmp_path):
    ckpt, fp32 = mnist
    out = tmp_path / "mnist_int8.onnx"
    res = specdsl(
        "export", MNIST_SPEC, "--weights", ckpt, "-o", out,
        "--quantize", "int8", "--calibration", shared_data / "mnist", "--calibration-count", 64,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "int8" in res.stdout and "calibrated on 64 images" in res.stdout
    import onnx

    model = onnx.load(str(out))
    ops = [n.op_type for n in model.graph.node]
    assert "QuantizeLinear" in ops and "DequantizeLinear" in ops
    kernel = {t.name: t for t in model.graph.initializer}["conv2d/kernel_quantized"]
    assert kernel.data_type == onnx.TensorProto.INT8
    scales = [t for t in model.graph.initializer if t.name == "conv2d/kernel_scale"]
    assert len(onnx.numpy_helper.to_array(scales[0])) == 32  # per output channel
    meta, before = metadata(out), metadata(fp32)
    for key in ("labels", "spec_hash", "input_size", "input_layout", "spec", "model_name"):
        assert meta[key] == before[key]
    assert meta["quantization"].startswith("int8 (QDQ")
    assert meta["calibration_images"] == "64"
    assert f"64 images from {shared_data / 'mnist'}" in meta["calibration"]
    # the same accuracy on real test digits, through eval, as the fp32 model
    a, b = (eval_json(m, shared_data / "mnist", 1000) for m in (fp32, out))
    assert a["accuracy"] > 0.6, a["accuracy"]  # a real (if short) training
    assert abs(a["accuracy"] - b["accuracy"]) <= 0.02
    assert b["quantization"].startswith("int8")
    # and run classifies an image file with it, as with the fp32 model
    png = shared_data / "tshirt_vs_shirt" / "test" / "shirt" / "shirt.1.png"
    res = specdsl("run", out, png, "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["results"][0]["label"] in [str(d) for d in range(10)]


def test_dogs_cats_int8_close_to_fp32_on_photos(shared_data, tmp_path):
    from specdsl.api import load
    from specdsl.run.metadata import ModelInfo
    from specdsl.run.predict import prepare
    from specdsl.weights.checkpoint import random_weights, save

    a = load(CATS_SPEC)
    ckpt = save(tmp_path / "w.safetensors", random_weights(a, seed=3), a)
    fp32, int8 = tmp_path / "fp32.onnx", tmp_path / "int8.onnx"
    assert specdsl("export", CATS_SPEC, "--weights", ckpt, "-o", fp32).returncode == 0
    res = specdsl(
        "export", CATS_SPEC, "--weights", ckpt, "-o", int8, "--quantize", "int8",
        "--calibration", shared_data / "tshirt_vs_shirt" / "train", "--calibration-count", 24,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    info = ModelInfo(180, 180, 3, ("cat", "dog"), "sigmoid")
    photos = sorted((shared_data / "images").glob("*.jpg"))
    x = np.stack([prepare(str(p), info, True) for p in photos])
    p32, p8 = probabilities(fp32, x), probabilities(int8, x)
    assert p8.shape == p32.shape == (len(photos), 1)
    np.testing.assert_allclose(p8, p32, atol=0.05)
    res = specdsl("run", int8, *photos)
    assert res.returncode == 0, res.stderr
    assert len(res.stdout.splitlines()) == len(photos)
    assert metadata(int8)["calibration"].startswith("24 images from")


def make_pngs(folder: Path, n: int, blank: bool = False) -> None:
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(n):
        pixels = np.zeros((28, 28), np.uint8) if blank else rng.integers(0, 256, (28, 28))
        Image.fromarray(pixels.astype(np.uint8)).save(folder / f"{i}.png")


@pytest.fixture(scope="module")
def random_mnist(tmp_path_factory):
    """The MNIST convnet with seeded random weights: (checkpoint, fp32 .onnx)."""
    from specdsl.api import load
    from specdsl.weights.checkpoint import random_weights, save
    from tests.onnx.conftest import export_spec

    out = tmp_path_factory.mktemp("random_mnist")
    a = load(MNIST_SPEC)
    ckpt = save(out / "w.safetensors", random_weights(a, seed=1), a)
    return ckpt, export_spec(a, out).path


@pytest.mark.parametrize(
    "case, expected",
    [
        ("missing", "no such folder"),
        ("empty", "no images"),
        ("few", "only 3 images"),
        ("blank", "all alike"),
        ("broken", "only 0 of its images could be decoded"),
    ],
)
def test_bad_calibration_folder_is_refused(case, expected, tmp_path, random_mnist):
    from specdsl.backends.onnx.quantize import QuantizeError, quantize_int8

    folder = tmp_path / "calib"
    if case == "empty":
        folder.mkdir()
        (folder / "notes.txt").write_text("no images here")
    elif case == "few":
        make_pngs(folder, 3)
    elif case == "blank":
        make_pngs(folder / "a", 12, blank=True)
    elif case == "broken":
        folder.mkdir()
        for i in range(12):
            (folder / f"{i}.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    out = tmp_path / "int8.onnx"
    with pytest.raises(QuantizeError) as e:
        quantize_int8(random_mnist[1], out, folder, 10)
    assert expected in str(e.value) and "\n" not in str(e.value)
    assert str(folder) in str(e.value)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == ([] if case == "missing" else ["calib"])  # no model, no temporary file


def test_bad_calibration_on_the_command_line(tmp_path, random_mnist):
    out = tmp_path / "int8.onnx"
    make_pngs(tmp_path / "few", 4)
    res = specdsl(
        "export", MNIST_SPEC, "--weights", random_mnist[0], "-o", out,
        "--quantize", "int8", "--calibration", tmp_path / "few",
    )  # fmt: skip
    assert res.returncode == 1
    assert "only 4 images" in one_error_line(res)
    assert not out.exists()


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--quantize", "int4", "--calibration", "."], "only int8"),
        (["--quantize", "int8"], "needs --calibration"),
    ],
)
def test_usage_errors(args, expected, tmp_path):
    res = specdsl("export", MNIST_SPEC, "--weights", tmp_path / "w.safetensors", *args)
    assert res.returncode == 2
    assert expected in one_error_line(res)
