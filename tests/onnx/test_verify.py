"""``specdsl verify``: each layer's output in ONNX Runtime (fp32, int8) and PyTorch against
Keras's, with the same weights and real images; beyond the tolerance, exit 1 with one line."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SPECS
from tests.onnx.test_quantize import one_error_line, specdsl

SPEC = SPECS / "mnist_convnet.spec"


def test_layers_against_keras(shared_data, tmp_path):
    pytest.importorskip("keras", reason="Keras is not installed")
    from specdsl.api import load
    from specdsl.backends.onnx import export
    from specdsl.backends.onnx.quantize import quantize_int8
    from specdsl.weights.checkpoint import random_weights, save

    a = load(SPEC)
    tensors = random_weights(a, seed=2)
    ckpt = save(tmp_path / "w.safetensors", tensors, a)
    fp32 = export(a, tensors, tmp_path / "fp32.onnx")  # the same weights
    int8 = quantize_int8(fp32, tmp_path / "int8.onnx", shared_data / "mnist", 16, 0.0).path
    images = shared_data / "tshirt_vs_shirt" / "test"
    res = specdsl("verify", SPEC, "--weights", ckpt, "--images", images, "--count", 4,
                  "--int8", int8, "--int8-tolerance", 1e-6, "--json")  # fmt: skip
    assert res.returncode == 1  # int8 cannot be within 1e-6
    assert "layer outputs beyond tolerance: int8 conv2d" in one_error_line(res)
    doc = json.loads(res.stdout)
    assert doc["reference"] == "keras" and doc["images"].startswith("4 images from")
    fp = doc["targets"]["onnxruntime"]["layers"]
    assert [r["layer"] for r in fp] == [
        "conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1", "conv2d_2", "flatten", "dense"
    ]  # fmt: skip
    assert all(r["ok"] and r["max_rel"] < 1e-4 for r in fp)
    if "pytorch" in doc["targets"]:  # when torch is installed, its layers (own subprocess)
        pt = doc["targets"]["pytorch"]["layers"]
        assert [r["layer"] for r in pt] == [r["layer"] for r in fp]
        assert all(r["ok"] for r in pt)
    q = doc["targets"]["int8"]["layers"]
    assert all(0 < r["max_rel"] < 0.1 for r in q)  # quantized, and still close
