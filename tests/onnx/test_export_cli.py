"""``specdsl export SPEC --weights CHECKPOINT``: from specdsl's neutral checkpoint, a Keras
.weights.h5 / .keras file and a PyTorch state dict; the ONNX model then computes what the
framework's model computes. Bad checkpoints fail with one line."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from specdsl.api import load
from specdsl.weights import checkpoint
from tests.conftest import ROOT, SPECS
from tests.onnx.frameworks import framework_input, onnx_outputs

SPEC = SPECS / "mnist_convnet.spec"


def specdsl(*args) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "specdsl", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120)


@pytest.fixture(scope="module")
def digits(shared_data) -> np.ndarray:
    from specdsl.run.metadata import ModelInfo
    from specdsl.run.predict import prepare

    folder = shared_data / "tshirt_vs_shirt" / "test" / "tshirt"
    info = ModelInfo(28, 28, 1, (), None)
    return np.stack([prepare(str(folder / f"tshirt.{i}.png"), info, True) for i in range(6)])


def test_from_neutral_checkpoint(tmp_path, digits):
    a = load(SPEC)
    tensors = checkpoint.random_weights(a, seed=5)
    ckpt = checkpoint.save(tmp_path / "best.safetensors", tensors, a)
    res = specdsl("export", SPEC, "--weights", ckpt, "-o", tmp_path / "m.onnx")
    assert res.returncode == 0, res.stderr
    assert "opset 17" in res.stdout
    from specdsl.backends.onnx import build_model

    direct = tmp_path / "direct.onnx"
    direct.write_bytes(build_model(a, tensors).SerializeToString(deterministic=True))
    assert (tmp_path / "m.onnx").read_bytes() == direct.read_bytes()


def test_from_keras_files(tmp_path, digits):
    pytest.importorskip("keras", reason="Keras is not installed")
    from specdsl.backends.keras.runtime import build_keras_model

    a = load(SPEC)
    model = build_keras_model(a)  # Keras's own random initialization
    want = np.asarray(model(framework_input(a, digits), training=False))
    model.save_weights(tmp_path / "m.weights.h5")
    model.save(tmp_path / "m.keras")
    for source in ("m.weights.h5", "m.keras"):
        out = tmp_path / f"{source}.onnx"
        res = specdsl("export", SPEC, "--weights", tmp_path / source, "-o", out)
        assert res.returncode == 0, res.stderr
        np.testing.assert_allclose(onnx_outputs(out, digits), want, rtol=0, atol=1e-5)


def test_from_pytorch_state_dict(tmp_path, digits):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    from specdsl.backends.pytorch.runtime import build_torch_model

    a = load(SPEC)
    model = build_torch_model(a)
    x = torch.from_numpy(framework_input(a, digits).transpose(0, 3, 1, 2).copy())
    with torch.no_grad():
        want = model(x).numpy()
    torch.save(model.state_dict(), tmp_path / "m.pt")
    res = specdsl("export", SPEC, "--weights", tmp_path / "m.pt", "-o", tmp_path / "m.onnx")
    assert res.returncode == 0, res.stderr
    np.testing.assert_allclose(onnx_outputs(tmp_path / "m.onnx", digits), want, atol=1e-5)


def test_bad_checkpoints_fail_with_one_line(tmp_path):
    other = load(SPECS / "dogs_cats_scratch.spec")
    wrong = checkpoint.save(tmp_path / "other.safetensors", checkpoint.random_weights(other), other)
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a pickle")
    cases = {
        wrong: "a checkpoint of model 'dogs_cats_scratch', not of 'mnist_convnet'",
        tmp_path / "absent.safetensors": "no such file",
        tmp_path / "weights.npz": "unknown weights format",
        junk: "not a PyTorch state dict",
    }
    (tmp_path / "weights.npz").write_bytes(b"")
    for path, why in cases.items():
        res = specdsl("export", SPEC, "--weights", path, "-o", tmp_path / "x.onnx")
        assert res.returncode == 1, res.stderr
        assert why in res.stderr and res.stderr.count("\n") == 1, res.stderr
        assert not (tmp_path / "x.onnx").exists()


def test_build_backend_onnx_cli(tmp_path):
    res = specdsl("build", SPEC, "--backend", "onnx", "-o", tmp_path)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == str(tmp_path / "mnist_convnet.onnx")
