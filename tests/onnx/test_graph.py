"""The exported graph: valid (onnx.checker full_check), regular, named after the IR, with
metadata; the weights in the expected layouts; dynamic batch; deterministic bytes."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from specdsl import ir
from specdsl.api import load
from specdsl.backends.onnx import OPSET
from tests.conftest import LECTURE_SPECS, ROOT
from tests.onnx.conftest import session

NAMES = [p.stem for p in LECTURE_SPECS]


@pytest.mark.parametrize("name", NAMES)
def test_checker_full_check_and_opset(lecture_onnx, name):
    model = onnx.load(str(lecture_onnx[name].path))
    onnx.checker.check_model(model, full_check=True)
    assert [(o.domain, o.version) for o in model.opset_import] == [("", OPSET)]
    assert OPSET == 17


@pytest.mark.parametrize("name", NAMES)
def test_nodes_and_initializers_are_named_after_ir_layers(lecture_onnx, name):
    exp = lecture_onnx[name]
    model = onnx.load(str(exp.path), load_external_data=False)
    flat = exp.analysis.flat()
    layer_names = [i.name for i in flat]
    # every node belongs to a layer (or to the input cast / the final layout change)
    groups = []
    for node in model.graph.node:
        layer, sep, _ = node.name.partition("/")
        assert sep and layer in {"input", "output", *layer_names}, node.name
        if not groups or groups[-1] != layer:
            groups.append(layer)
    assert len(groups) == len(set(groups)), "a layer's nodes are not contiguous"
    # layer groups follow the IR order; the layers that vanish at inference have no node
    silent = (ir.Dropout, ir.InputLayer, ir.RandomFlip, ir.RandomRotation, ir.RandomZoom)
    expected = ["input"] + [i.name for i in flat if not isinstance(i.layer, silent)]
    assert groups == expected
    ops = {}
    for node in model.graph.node:
        ops.setdefault(node.name.split("/")[0], []).append(node.op_type)
    for info in flat:
        if isinstance(info.layer, ir.Conv2D):
            assert ops[info.name].count("Conv") == 1
            assert ops[info.name][-1] == "Relu"
        if isinstance(info.layer, ir.Dense) and info.layer.activation:
            assert ops[info.name][-1] == info.layer.activation.capitalize()
    # every canonical weight is an initializer of the same name
    inits = {i.name for i in model.graph.initializer}
    keys = {key for key, _, _ in exp.analysis.weights()}
    assert keys <= inits
    assert all(n.split("/")[0] in {"input", *layer_names} for n in inits)


def test_weight_layouts(lecture_onnx):
    exp = lecture_onnx["mnist_convnet"]
    model = onnx.load(str(exp.path))
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    np.testing.assert_array_equal(
        inits["conv2d/kernel"], exp.tensors["conv2d/kernel"].transpose(3, 2, 0, 1)
    )
    # after flatten (done in NHWC order) the dense kernel keeps the canonical H,W,C rows
    np.testing.assert_array_equal(inits["dense/kernel"], exp.tensors["dense/kernel"])
    np.testing.assert_array_equal(inits["dense/bias"], exp.tensors["dense/bias"])


@pytest.mark.parametrize("name", ["mnist_convnet", "vgg16_finetune"])
def test_metadata_props(lecture_onnx, name):
    from specdsl import __version__

    exp = lecture_onnx[name]
    model = onnx.load(str(exp.path), load_external_data=False)
    meta = {p.key: p.value for p in model.metadata_props}
    h, w, c = exp.analysis.input_shape
    assert meta["specdsl_version"] == __version__
    assert meta["model_name"] == name
    assert meta["spec_hash"] == ir.spec_hash(exp.analysis.spec)
    assert json.loads(meta["labels"]) == list(exp.analysis.spec.classes)
    assert (meta["input_size"], meta["input_channels"]) == (f"{h}x{w}", str(c))
    assert meta["output_activation"] == ("softmax" if name == "mnist_convnet" else "sigmoid")
    assert meta["spec"].startswith(f"model {name}\n")
    graph_in = model.graph.input[0]
    assert graph_in.type.tensor_type.elem_type == onnx.TensorProto.UINT8
    dims = [d.dim_param or d.dim_value for d in graph_in.type.tensor_type.shape.dim]
    assert dims == ["batch", h, w, c]
    assert model.graph.output[0].name == "probabilities"


def test_dynamic_batch(lecture_onnx):
    sess = session(lecture_onnx["dogs_cats_aug"].path)
    x = np.random.default_rng(3).integers(0, 256, (5, 180, 180, 3), dtype=np.uint8)
    together = sess.run(None, {"images": x})[0]
    alone = np.concatenate([sess.run(None, {"images": x[i : i + 1]})[0] for i in range(5)])
    assert together.shape == (5, 1)
    np.testing.assert_allclose(together, alone, rtol=0, atol=1e-6)


def test_build_backend_onnx_is_deterministic(tmp_path):
    from specdsl.backends import registry

    a = load(ROOT / "specs" / "mnist_convnet.spec")
    backend = registry.get("onnx")
    first = backend.build(a, tmp_path / "a")
    second = backend.build(a, tmp_path / "b")
    assert [p.name for p in first] == ["mnist_convnet.onnx"]
    assert first[0].read_bytes() == second[0].read_bytes()


def test_export_needs_neither_tensorflow_nor_torch(tmp_path):
    code = (
        "import sys\n"
        "from specdsl.api import load\n"
        "from specdsl.backends import registry\n"
        f"registry.get('onnx').build(load({str(ROOT / 'specs' / 'vgg16_features_aug.spec')!r}), "
        f"__import__('pathlib').Path({str(tmp_path)!r}))\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'torch') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    assert (tmp_path / "vgg16_features_aug.onnx").stat().st_size > 50_000_000
