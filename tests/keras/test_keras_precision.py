"""Mixed precision in the Keras backend: Keras's dtype policy from the spec (or --precision),
the output layer in float32, and a short real run that trains, keeps float32 checkpoints and
exports to an ONNX model that runs."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from specdsl.api import load, loads
from specdsl.backends.keras.package import package_sources
from tests.conftest import ROOT
from tests.keras.helpers import error_lines, run_cli

pytest.importorskip("keras", reason="Keras is not installed (pip install specdsl[keras])")

SPEC = ROOT / "specs" / "mnist_convnet.spec"
MIXED = SPEC.read_text() + "\nprecision mixed_bfloat16\n"


def test_a_mixed_spec_gives_the_output_layer_float32_and_sets_the_policy():
    files = package_sources(loads(MIXED))
    last = [line for line in files["model.py"].splitlines() if "outputs = " in line][0]
    assert 'name="dense", dtype="float32")(x)' in last
    assert 'PRECISION = "mixed_bfloat16"' in files["train.py"]
    assert "keras.mixed_precision.set_global_policy(args.precision)" in files["train.py"]
    plain = package_sources(load(SPEC))
    assert 'dtype="float32"' not in plain["model.py"]  # float32 specs: model.py unchanged
    assert 'PRECISION = "float32"' in plain["train.py"]


def test_layers_compute_in_bfloat16_and_the_output_in_float32(tmp_path):
    """The emitted model.py under the policy train.py sets; float32_output() for an override."""
    for name, text in (("mixed", MIXED), ("plain", SPEC.read_text())):
        folder = tmp_path / name
        folder.mkdir()
        for file, source in package_sources(loads(text)).items():
            (folder / file).write_text(source)
    code = (
        "import sys, keras\n"
        "keras.mixed_precision.set_global_policy('mixed_bfloat16')\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "import model, train\n"
        "m = model.build_model()\n"
        "train.float32_output(m)\n"
        "print(m.layers[1].compute_dtype, m.layers[-1].compute_dtype, m.layers[1].variable_dtype)"
    )
    for name in ("mixed", "plain"):
        out = subprocess.run(
            [sys.executable, "-c", code, str(tmp_path / name)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr[-2000:]
        assert out.stdout.split() == ["bfloat16", "float32", "float32"], name


def test_unknown_precision_is_one_line(tmp_path):
    result = run_cli("train", str(SPEC), "-b", "keras", "--data", str(tmp_path), "--precision", "x")
    assert result.returncode != 0
    (line,) = error_lines(result.stderr)
    assert "--precision" in line and "Traceback" not in result.stderr


def test_mixed_bfloat16_run_trains_and_exports_float32(shared_data, tmp_path):
    """MNIST, 2,000 images, one epoch of the spec saying mixed_bfloat16: well above chance;
    float32 weights in last.npz and model.safetensors; the exported ONNX model classifies."""
    spec = tmp_path / "mnist_convnet.spec"
    spec.write_text(MIXED)
    run_dir = tmp_path / "run"
    result = run_cli(
        "train", str(spec), "-b", "keras", "--data", str(shared_data / "mnist"),
        "--limit", "2000", "--epochs", "1", "--run-dir", str(run_dir),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    record = json.loads((run_dir / "history.json").read_text())
    assert record["test"]["accuracy"] > 0.5  # chance is 0.1
    with np.load(run_dir / "last.npz") as saved:
        meta = json.loads(str(saved["meta"]))
        weights = [saved[f"weight_{i}"] for i in range(meta["counts"][0])]
    assert meta["settings"]["precision"] == "mixed_bfloat16"
    assert {w.dtype for w in weights} == {np.dtype("float32")}
    from safetensors.numpy import load_file

    tensors = load_file(run_dir / "model.safetensors")
    assert {str(v.dtype) for v in tensors.values()} == {"float32"}
    onnx_file = tmp_path / "m.onnx"
    export = run_cli(
        "export", str(spec), "--weights", str(run_dir / "model.safetensors"), "-o", str(onnx_file)
    )
    assert export.returncode == 0, export.stderr
    ort = pytest.importorskip("onnxruntime")
    from specdsl.data.mnist import load_mnist

    _, _, x_test, y_test = load_mnist(shared_data / "mnist")
    session = ort.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
    (probs,) = session.run(None, {"images": x_test[:500].reshape(-1, 28, 28, 1).astype(np.uint8)})
    assert probs.dtype == np.float32
    assert float((probs.argmax(-1) == y_test[:500]).mean()) > 0.5
