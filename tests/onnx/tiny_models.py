"""Small hand-made ONNX models (the ``onnx`` helper) for ``specdsl run``'s input checks: any
metadata, any output, images of a few pixels, written in milliseconds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from tests.onnx import images

GOOD_META = {
    "specdsl_version": "0.1.0",
    "model_name": "tiny",
    "spec_hash": "0" * 16,
    "labels": json.dumps(["cat", "dog"]),
    "input_size": "4x4",
    "input_channels": "3",
    "input_layout": "NHWC uint8",
    "input_scaling": "1/255",
    "output_activation": "softmax",
}


def _save(path: Path, nodes, inits, meta: dict[str, str], shape, out_name, out_type, out_shape):
    inp = helper.make_tensor_value_info("images", TensorProto.UINT8, shape)
    out = helper.make_tensor_value_info(out_name, out_type, out_shape)
    graph = helper.make_graph(nodes, "tiny", [inp], [out], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    helper.set_model_props(model, meta)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def classifier(path: Path, meta: dict[str, str] | None = None, classes=2, shape=None) -> Path:
    """images uint8 [N, 4, 4, 3] -> mean per channel -> a fixed linear map -> softmax."""
    meta = dict(GOOD_META if meta is None else meta)
    shape = shape or ["N", 4, 4, 3]
    w = np.linspace(-0.02, 0.02, shape[3] * classes, dtype=np.float32).reshape(shape[3], classes)
    nodes = [
        helper.make_node("Cast", ["images"], ["x"], to=TensorProto.FLOAT),
        helper.make_node("ReduceMean", ["x"], ["mean"], axes=[1, 2], keepdims=0),
        helper.make_node("MatMul", ["mean", "w"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=-1),
    ]
    inits = [numpy_helper.from_array(w, "w")]
    return _save(
        path, nodes, inits, meta, shape, "probabilities", TensorProto.FLOAT, ["N", classes]
    )


def log_of_brightness(path: Path, meta: dict[str, str] | None = None) -> Path:
    """Outputs (log(mean - 100), mean / 255): NaN for images darker than 100, -inf at 100."""
    meta = dict(GOOD_META if meta is None else meta)
    consts = {"hundred": 100.0, "scale": 255.0}
    nodes = [
        helper.make_node("Cast", ["images"], ["x"], to=TensorProto.FLOAT),
        helper.make_node("ReduceMean", ["x"], ["mean"], axes=[1, 2, 3], keepdims=0),
        helper.make_node("Unsqueeze", ["mean", "axis"], ["m"]),
        helper.make_node("Sub", ["m", "hundred"], ["shifted"]),
        helper.make_node("Log", ["shifted"], ["log"]),
        helper.make_node("Div", ["m", "scale"], ["bright"]),
        helper.make_node("Concat", ["log", "bright"], ["scores"], axis=1),
    ]
    inits = [numpy_helper.from_array(np.float32(v), k) for k, v in consts.items()]
    inits.append(numpy_helper.from_array(np.array([1], np.int64), "axis"))
    return _save(path, nodes, inits, meta, ["N", 4, 4, 3], "scores", TensorProto.FLOAT, ["N", 2])


def wide_output(path: Path, units: int) -> Path:
    """A model that claims (and gives) ``units`` outputs per image."""
    meta = {k: v for k, v in GOOD_META.items() if k != "labels"}
    nodes = [
        helper.make_node("Cast", ["images"], ["x"], to=TensorProto.FLOAT),
        helper.make_node("ReduceMean", ["x"], ["mean"], axes=[1, 2, 3], keepdims=1),
        helper.make_node("Reshape", ["mean", "column"], ["m"]),
        helper.make_node("Expand", ["m", "shape"], ["wide"]),
    ]
    inits = [
        numpy_helper.from_array(np.array([1, units], np.int64), "shape"),
        numpy_helper.from_array(np.array([-1, 1], np.int64), "column"),
    ]
    shape = ["N", 4, 4, 3]
    return _save(path, nodes, inits, meta, shape, "wide", TensorProto.FLOAT, ["N", units])


def string_output(path: Path) -> Path:
    nodes = [
        helper.make_node("Cast", ["images"], ["x"], to=TensorProto.FLOAT),
        helper.make_node("ReduceMean", ["x"], ["mean"], axes=[1, 2], keepdims=0),
        helper.make_node("Cast", ["mean"], ["text"], to=TensorProto.STRING),
    ]
    shape = ["N", 4, 4, 3]
    return _save(path, nodes, [], dict(GOOD_META), shape, "text", TensorProto.STRING, ["N", 3])


def with_raw_metadata(src: Path, dst: Path, marker: str, raw: bytes) -> Path:
    """A copy of ``src`` whose serialized bytes have ``marker`` replaced by ``raw`` (which the
    onnx package would refuse to write: bytes that are not UTF-8)."""
    data = src.read_bytes()
    assert data.count(marker.encode()) == 1 and len(raw) == len(marker)
    dst.write_bytes(data.replace(marker.encode(), raw))
    return dst


def gray_png(path: Path, value: int, size=(4, 4)) -> Path:
    """A plain 8-bit RGB PNG of one color."""
    rows = np.full((size[0], size[1] * 3), value, np.uint8)
    return images.write(path, images.png_bytes(rows, size[1], 2, 8))
