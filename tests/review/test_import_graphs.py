"""Graph specs through both importers: Keras's own functional model with branches and merges,
and specdsl's ONNX graph, each read back to the same spec (diff exit 0)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from specdsl.api import load
from tests.core.test_graph_language import RESIDUAL
from tests.review.conftest import cli

# Keras's functional API by hand, as its guides write a residual block (no specdsl code).
KERAS_RESIDUAL = """
import keras
from keras import layers
inputs = keras.Input(shape=(16, 16, 3), name="input_layer")
stem = layers.Conv2D(8, 3, padding="same", activation="relu", name="stem")(inputs)
x = layers.Conv2D(8, 3, padding="same", activation="relu", name="a")(stem)
x = layers.Conv2D(8, 3, padding="same", name="b")(x)
x = layers.Add(name="skip")([x, stem])
x = layers.Activation("relu", name="activation")(x)
side = layers.Conv2D(8, 1, name="side")(stem)
x = layers.Concatenate(name="concatenate")([x, side])
x = layers.GlobalAveragePooling2D(name="global_average_pooling2d")(x)
outputs = layers.Dense(3, activation="softmax", name="dense")(x)
keras.Model(inputs, outputs, name="residual").save(OUT)
"""


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "residual.spec"
    path.write_text(RESIDUAL)
    return path


def test_keras_functional_graph_imports_as_the_spec(spec_file: Path, tmp_path: Path):
    pytest.importorskip("keras", reason="Keras is not installed")
    out = tmp_path / "residual.keras"
    code = f"OUT = {str(out)!r}\n" + KERAS_RESIDUAL
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    code, text, _ = cli("diff", spec_file, out)
    assert code == 0, text
    back = tmp_path / "back.spec"
    assert cli("import", out, "-o", back)[0] == 0
    assert "skip: add b, stem\n" in back.read_text() and "from stem" in back.read_text()
    assert cli("diff", spec_file, back)[0] == 0


def test_onnx_graph_imports_as_the_spec(spec_file: Path, tmp_path: Path):
    onnx = pytest.importorskip("onnx", reason="onnx is not installed")
    from specdsl.backends.onnx.model import build_model
    from specdsl.weights.checkpoint import random_weights

    a = load(spec_file)
    model = build_model(a, random_weights(a))
    # Without the stored spec, the graph alone must give the branches and merges back.
    keep = [p for p in model.metadata_props if p.key != "spec"]
    del model.metadata_props[:]
    model.metadata_props.extend(keep)
    path = tmp_path / "residual.onnx"
    onnx.save(model, str(path))
    code, text, _ = cli("diff", spec_file, path)
    assert code == 0, text
