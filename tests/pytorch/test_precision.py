"""Mixed precision in the PyTorch backend: the setting reaches train.py, autocast's dtype per
device, and a short real run with ``--precision mixed_bfloat16`` that trains, keeps float32
checkpoints and exports to an ONNX model that runs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from specdsl.api import load, loads
from specdsl.backends.pytorch.package import package_sources
from specdsl.backends.source import pick
from tests.conftest import ROOT
from tests.pytorch.helpers import error_lines, run_cli

SPEC = ROOT / "specs" / "mnist_convnet.spec"


def test_the_spec_setting_reaches_train_py_and_float32_code_has_no_autocast_cost():
    text = SPEC.read_text() + "\nprecision mixed_float16\n"
    files = package_sources(loads(text))
    assert 'PRECISION = "mixed_float16"' in files["train.py"]
    plain = package_sources(load(SPEC))["train.py"]
    assert 'PRECISION = "float32"' in plain
    assert "with torch.autocast(device.type, dtype=amp, enabled=amp is not None):" in plain
    assert "out = out.float()  # the loss and the metrics in float32" in plain


def test_autocast_dtype_per_device():
    torch = pytest.importorskip("torch")
    namespace = {"torch": torch}
    exec("\n\n".join(pick("pytorch", "training", ["autocast_dtype"])), namespace)
    dtype = namespace["autocast_dtype"]
    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    assert dtype("float32", cpu) is None and dtype("float32", cuda) is None
    assert dtype("mixed_bfloat16", cpu) == torch.bfloat16
    assert dtype("mixed_bfloat16", cuda) == torch.bfloat16
    assert dtype("mixed_float16", cpu) == torch.bfloat16  # CPU float16 kernels are slow
    assert dtype("mixed_float16", cuda) == torch.float16  # with a GradScaler


def test_unknown_precision_is_one_line(tmp_path):
    result = run_cli(
        "train", str(SPEC), "-b", "pytorch", "--data", str(tmp_path), "--precision", "bf16"
    )
    assert result.returncode != 0
    (line,) = error_lines(result.stderr)
    assert "--precision" in line and "mixed_bfloat16" in line
    assert "Traceback" not in result.stderr


def test_mixed_bfloat16_run_trains_and_exports_float32(shared_data, tmp_path):
    """MNIST, 2,000 images, one epoch in bfloat16: well above chance; float32 checkpoints;
    the exported ONNX model classifies test digits."""
    run_dir = tmp_path / "run"
    result = run_cli(
        "train", str(SPEC), "-b", "pytorch", "--data", str(shared_data / "mnist"),
        "--limit", "2000", "--epochs", "1", "--precision", "mixed_bfloat16",
        "--run-dir", str(run_dir),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    record = json.loads((run_dir / "history.json").read_text())
    assert record["test"]["accuracy"] > 0.5  # chance is 0.1
    assert record["history"]["loss"][0] < 2.3  # below the untrained log(10)
    torch = pytest.importorskip("torch")
    state = torch.load(run_dir / "model.pt", weights_only=True)
    assert {v.dtype for v in state.values()} == {torch.float32}
    last = torch.load(run_dir / "last.pt", weights_only=True)
    assert last["settings"]["precision"] == "mixed_bfloat16"
    assert {v.dtype for v in last["model"].values()} == {torch.float32}
    from safetensors.numpy import load_file

    tensors = load_file(run_dir / "model.safetensors")
    assert {str(v.dtype) for v in tensors.values()} == {"float32"}
    onnx_file = tmp_path / "m.onnx"
    export = run_cli(
        "export", str(SPEC), "--weights", str(run_dir / "model.safetensors"), "-o", str(onnx_file)
    )
    assert export.returncode == 0, export.stderr
    ort = pytest.importorskip("onnxruntime")
    from specdsl.data.mnist import load_mnist

    _, _, x_test, y_test = load_mnist(shared_data / "mnist")
    session = ort.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
    images = x_test[:500].reshape(-1, 28, 28, 1).astype(np.uint8)
    (probs,) = session.run(None, {"images": images})
    assert probs.dtype == np.float32
    assert float((probs.argmax(-1) == y_test[:500]).mean()) > 0.5
