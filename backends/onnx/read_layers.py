"""Read back the layers of an ONNX graph written by specdsl's ONNX backend.

That backend names every node ``<layer>/<Op>`` and every initializer ``<layer>/<weight>``, so
the nodes group into layers by name. Each group is recognised by its first operation (one
reader per op type, registered with ``@reads("Conv")``); the operations after it are the
layer's activation. Layout transposes (``<layer>/ToNCHW``, ``<layer>/ToNHWC``) carry no meaning
and are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from specdsl import ir
from specdsl.check.shapes import window_pads
from specdsl.ir.registry import KindTable
from specdsl.review.importers.common import ImportFailed, rescale_fields, snap


@dataclass
class Group:
    layer: str
    nodes: list  # onnx NodeProto, layout transposes removed
    first_index: int  # position of the group's first node in the graph

    @property
    def ops(self) -> list[str]:
        return [n.op_type for n in self.nodes]


@dataclass
class Reader:
    """What a reader sees: the group, the initializers, the input shape of the layer."""

    group: Group
    weights: dict[str, np.ndarray]
    shape: tuple[int, ...]
    source: str

    def fail(self, why: str, node_index: int = 0) -> ImportFailed:
        node = self.group.nodes[node_index] if self.group.nodes else None
        what = f"node {self.group.first_index + node_index} '{node.name}' ({node.op_type})"
        return ImportFailed(f"{self.source}: {what} of layer '{self.group.layer}': {why}")

    def attr(self, node, name: str, default=None):
        from onnx import helper

        for a in node.attribute:
            if a.name == name:
                return helper.get_attribute_value(a)
        return default

    def weight(self, node, i: int) -> np.ndarray | None:
        return self.weights.get(node.input[i]) if len(node.input) > i else None


READERS = KindTable("the ONNX importer")  # keyed by ONNX op type
reads = READERS.register


# ---- activations ----------------------------------------------------------------------------

ACTIVATION_OPS = {
    (): None,
    ("Relu",): "relu",
    ("Sigmoid",): "sigmoid",
    ("Tanh",): "tanh",
    ("Softplus",): "softplus",
    ("Softsign",): "softsign",
    ("Exp",): "exponential",
    ("Softmax",): "softmax",
    ("LogSoftmax",): "log_softmax",
    ("Elu",): "elu",
    ("Selu",): "selu",
    ("LeakyRelu",): "leaky_relu",
    ("HardSigmoid",): "hard_sigmoid",
    ("Sigmoid", "Mul"): "swish",
    ("Div", "Erf", "Add", "Mul", "Mul"): "gelu",
    ("Softplus", "Tanh", "Mul"): "mish",
    ("Clip",): "relu6",
}


def activation(r: Reader, start: int) -> str | None:
    ops = tuple(r.group.ops[start:])
    if ops not in ACTIVATION_OPS:
        raise r.fail(f"the operations {' '.join(ops)} are no Keras activation", start)
    return ACTIVATION_OPS[ops]


# ---- padding --------------------------------------------------------------------------------


def same_pads(size, kernel, strides) -> list[int]:
    """TensorFlow's ``same`` padding as ONNX ``pads`` [top, left, bottom, right]."""
    t, b, left, r = window_pads(tuple(size), kernel, strides, "same")
    return [t, left, b, r]


def padding(r: Reader, node, kernel, strides) -> str:
    pads = list(r.attr(node, "pads", [0, 0, 0, 0]))
    if not any(pads):
        return "valid"
    if pads == same_pads(r.shape[:2], kernel, strides):
        return "same"
    raise r.fail(f"pads {pads} are neither 'valid' nor TensorFlow's 'same'")


def _pair(v) -> tuple[int, int]:
    return (int(v[0]), int(v[1]))


# ---- readers --------------------------------------------------------------------------------


@reads("Conv")
def conv(r: Reader):
    """A convolution; grouped with one group per input channel: a depthwise one."""
    node = r.group.nodes[0]
    kernel = r.weight(node, 1)
    if kernel is None or kernel.ndim != 4:
        raise r.fail("the convolution kernel is not an initializer of 4 dimensions")
    if list(r.attr(node, "dilations", [1, 1])) != [1, 1]:
        raise r.fail("dilated convolutions have no spec equivalent")
    k = _pair(r.attr(node, "kernel_shape", kernel.shape[2:]))
    s = _pair(r.attr(node, "strides", [1, 1]))
    common = {
        "name": r.group.layer,
        "kernel": k,
        "strides": s,
        "padding": padding(r, node, k, s),
        "use_bias": len(node.input) > 2,
    }
    group, channels = r.attr(node, "group", 1), r.shape[-1]
    if group == 1:
        return ir.Conv2D(filters=int(kernel.shape[0]), activation=activation(r, 1), **common)
    depthwise = group == channels and kernel.shape[1] == 1 and kernel.shape[0] % channels == 0
    if depthwise and r.group.ops[1:2] == ["Conv"]:  # then a 1x1 convolution: separable
        pointwise = r.group.nodes[1]
        pk = r.weight(pointwise, 1)
        if pk is None or pk.shape[2:] != (1, 1) or len(node.input) > 2:
            raise r.fail("a depthwise convolution followed by one that is not 1x1", 1)
        common.update(activation=activation(r, 2), use_bias=len(pointwise.input) > 2)
        return ir.SeparableConv2D(
            filters=int(pk.shape[0]), depth_multiplier=kernel.shape[0] // channels, **common
        )
    if depthwise:
        return ir.DepthwiseConv2D(
            depth_multiplier=kernel.shape[0] // channels, activation=activation(r, 1), **common
        )
    raise r.fail("grouped convolutions other than depthwise have no spec equivalent")


@reads("MaxPool", "AveragePool")
def pool(r: Reader):
    node = r.group.nodes[0]
    if len(r.group.nodes) > 1:
        raise r.fail("a pooling layer has no activation", 1)
    k = _pair(r.attr(node, "kernel_shape"))
    s = _pair(r.attr(node, "strides", k))
    cls = ir.MaxPool2D if node.op_type == "MaxPool" else ir.AvgPool2D
    return cls(
        name=r.group.layer,
        pool=k,
        strides=None if s == k else s,
        padding=padding(r, node, k, s),
    )


@reads("Pad")
def zeropad(r: Reader):
    node = r.group.nodes[0]
    pads = r.weight(node, 1)
    mode = r.attr(node, "mode", b"constant")
    if pads is None or pads.shape != (8,) or mode not in (b"constant", "constant"):
        raise r.fail("only a constant zero padding of height and width is supported")
    if len(node.input) > 2 or any(pads[[0, 1, 4, 5]]) or len(r.group.nodes) > 1:
        raise r.fail("padding of the batch or channels, or with a value, has no spec equivalent")
    _, _, t, left, _, _, b, right = (int(v) for v in pads)
    return ir.ZeroPadding2D(name=r.group.layer, pads=(t, b, left, right))


@reads("ReduceMean", "ReduceMax")
def global_pool(r: Reader):
    node = r.group.nodes[0]
    if r.attr(node, "keepdims", 1) != 0 or len(r.group.nodes) > 1:
        raise r.fail("only a global pooling to one value per channel is supported")
    cls = ir.GlobalAvgPool2D if node.op_type == "ReduceMean" else ir.GlobalMaxPool2D
    return cls(name=r.group.layer)


@reads("Flatten")
def flatten(r: Reader):
    if len(r.group.nodes) > 1:
        raise r.fail("flatten has no activation", 1)
    return ir.Flatten(name=r.group.layer)


@reads("Gemm", "MatMul")
def dense(r: Reader):
    node = r.group.nodes[0]
    kernel = r.weight(node, 1)
    if kernel is None or kernel.ndim != 2 or r.attr(node, "transB", 0):
        raise r.fail("the dense kernel is not an (in, out) initializer")
    rest = 1
    bias = len(node.input) > 2
    if node.op_type == "MatMul" and r.group.ops[1:2] == ["Add"]:
        bias, rest = True, 2
    return ir.Dense(
        name=r.group.layer,
        units=int(kernel.shape[1]),
        activation=activation(r, rest),
        use_bias=bias,
    )


@reads("BatchNormalization")
def batchnorm(r: Reader):
    node = r.group.nodes[0]
    return ir.BatchNorm(name=r.group.layer, epsilon=snap(r.attr(node, "epsilon", 1e-5)))


def _scalar(r: Reader, node, i: int) -> float:
    value = r.weight(node, i)
    if value is None or value.size != 1:
        raise r.fail("expected a constant number")
    return float(value.reshape(()))


@reads("Mul")
def rescale_or_activation(r: Reader):
    node = r.group.nodes[0]
    if node.input[1] not in r.weights and set(r.group.ops) == {"Mul"}:
        return ir.Multiply(name=r.group.layer)  # of tensors: a merge
    if not node.input[1].endswith("/scale"):
        raise r.fail("a multiplication that is not a rescaling")
    offset = 0.0
    if r.group.ops[1:] == ["Add"]:
        offset = _scalar(r, r.group.nodes[1], 1)
    elif len(r.group.nodes) > 1:
        raise r.fail("unexpected operations after a rescaling", 1)
    return ir.Rescale(name=r.group.layer, **rescale_fields(_scalar(r, node, 1), offset))


@reads("Sum", "Concat")
def merge(r: Reader):
    node = r.group.nodes[0]
    if len(r.group.nodes) > 1:
        raise r.fail("a merge has no activation", 1)
    if node.op_type == "Concat":
        if r.attr(node, "axis") not in (1, -1, 3):
            raise r.fail("a concatenation of other axes than the channels")
        return ir.Concatenate(name=r.group.layer)
    return ir.Add(name=r.group.layer)


PREPROCESS = {("Gather", "Sub"): "caffe", ("Div", "Sub"): "tf", ("Div", "Sub", "Div"): "torch"}


@reads("Gather", "Div")
def preprocess(r: Reader):
    mode = PREPROCESS.get(tuple(r.group.ops))
    first = r.group.nodes[0]
    if mode is None or (first.op_type == "Div" and not first.input[1].endswith("/scale")):
        return activation_layer(r)
    return ir.Preprocess(name=r.group.layer, mode=mode)


def activation_layer(r: Reader):
    act = activation(r, 0)
    return ir.Activation(name=r.group.layer, activation=act or "linear")


def read_group(r: Reader):
    op = r.group.ops[0]
    fn = READERS.get(op)
    if fn is None:
        if tuple(r.group.ops) in ACTIVATION_OPS:
            return activation_layer(r)
        raise r.fail(
            "specdsl cannot import this operation (it reads the ONNX files specdsl writes: "
            + ", ".join(sorted(READERS.table))
            + " and activations)"
        )
    return fn(r)
