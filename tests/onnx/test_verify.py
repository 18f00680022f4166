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


def test_layers_inside_a_pretrained_base(shared_data):
    """The real Lite0 classifier: its base's layers (a nested model in Keras, a submodule in
    PyTorch) are compared one by one, not only the base's output."""
    pytest.importorskip("keras", reason="Keras is not installed")
    from specdsl.api import load

    spec = SPECS / "efficientnet_lite0_imagenet.spec"
    pth = shared_data / "weights" / "efficientnet-lite0-57934424.pth"
    res = specdsl("verify", spec, "--weights", pth, "--images", shared_data / "images",
                  "--count", 2, "--json")  # fmt: skip
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    base = next(i for i in load(spec).layers if i.children)
    inner = {c.name for c in base.children if c.kind != "input"}
    fp = doc["targets"]["onnxruntime"]["layers"]
    assert inner <= {r["layer"] for r in fp}  # every layer of the base
    assert all(r["ok"] for r in fp)
    if "pytorch" in doc["targets"]:
        pt = {r["layer"] for r in doc["targets"]["pytorch"]["layers"]}
        assert {"stem_conv", "block1a_dwconv", "block7a_project_bn", "head_conv"} <= pt
        assert all(r["ok"] for r in doc["targets"]["pytorch"]["layers"])
