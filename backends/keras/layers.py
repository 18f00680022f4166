"""One emitter per IR layer class: the Keras constructor call for that layer.

Each emitter takes the IR layer and its ``LayerInfo`` (shapes) and returns
``(callable_expression, arguments)``; the model writer turns that into a
line like the lecture's ``x = layers.Conv2D(filters=32, kernel_size=3, activation="relu",
name="conv2d")(x)``. Every layer gets ``name=`` equal to its IR name, so Keras weight files
and specdsl checkpoints map by name. ``Base`` and ``InputLayer`` are handled by the model
writer (they are a nested model and its input), but are registered here so that
``EMIT.check_all`` accepts every kind this backend supports.
"""

from __future__ import annotations

from specdsl import ir
from specdsl.backends.keras.codefmt import py_num, py_str, py_tuple
from specdsl.backends.registry import KindTable
from specdsl.check.analysis import LayerInfo
from specdsl.ir.vocab import PREPROCESSING

EMIT = KindTable("keras")

Emitted = tuple[str, list[str]]


def _pair(values: tuple[int, int]) -> str:
    a, b = values
    return py_num(a) if a == b else f"({py_num(a)}, {py_num(b)})"


def _name(layer) -> str:
    return f"name={py_str(layer.name)}"


def _cls(layer) -> str:
    """``layers.Conv2D``: the Keras class of the layer's kind (:mod:`specdsl.ir.kinds`)."""
    return f"layers.{ir.kind_of(layer).keras_class}"


def _conv_args(layer) -> list[str]:
    """The arguments after the kernel size that differ from Keras's defaults."""
    args = []
    if layer.strides != (1, 1):
        args.append(f"strides={_pair(layer.strides)}")
    if layer.padding != "valid":
        args.append(f"padding={py_str(layer.padding)}")
    if getattr(layer, "depth_multiplier", 1) != 1:
        args.append(f"depth_multiplier={layer.depth_multiplier}")
    if layer.activation is not None:
        args.append(f"activation={py_str(layer.activation)}")
    if not layer.use_bias:
        args.append("use_bias=False")
    return args


@EMIT.register(ir.Conv2D)
def conv2d(layer: ir.Conv2D, info: LayerInfo) -> Emitted:
    if info.parent:  # inside a base: positional, as in keras.applications' own source
        args = [str(layer.filters), _pair(layer.kernel)]
    else:  # as in the lecture's listings
        args = [f"filters={layer.filters}", f"kernel_size={_pair(layer.kernel)}"]
    return _cls(layer), [*args, *_conv_args(layer), _name(layer)]


@EMIT.register(ir.DepthwiseConv2D, ir.SeparableConv2D)
def depthwise_conv2d(layer: ir.Depthwise2D, info: LayerInfo) -> Emitted:
    """DepthwiseConv2D, and SeparableConv2D (the same arguments after ``filters``)."""
    args = [f"kernel_size={_pair(layer.kernel)}"]
    if isinstance(layer, ir.SeparableConv2D):
        args.insert(0, f"filters={layer.filters}")
    return _cls(layer), [*args, *_conv_args(layer), _name(layer)]


@EMIT.register(ir.ZeroPadding2D)
def zero_padding2d(layer: ir.ZeroPadding2D, info: LayerInfo) -> Emitted:
    t, b, left, r = info.geometry.pads  # resolved by the analysis (zeropad k3)
    if t == b and left == r:
        padding = _pair((t, left))
    else:
        padding = f"(({t}, {b}), ({left}, {r}))"
    return _cls(layer), [f"padding={padding}", _name(layer)]


def _pool_args(layer: ir.Pool2D) -> list[str]:
    args = [f"pool_size={_pair(layer.pool)}"]
    if layer.strides is not None and layer.strides != layer.pool:
        args.append(f"strides={_pair(layer.strides)}")
    if layer.padding != "valid":
        args.append(f"padding={py_str(layer.padding)}")
    return [*args, _name(layer)]


@EMIT.register(ir.MaxPool2D)
def max_pooling2d(layer: ir.MaxPool2D, info: LayerInfo) -> Emitted:
    return _cls(layer), _pool_args(layer)


@EMIT.register(ir.AvgPool2D)
def average_pooling2d(layer: ir.AvgPool2D, info: LayerInfo) -> Emitted:
    return _cls(layer), _pool_args(layer)


@EMIT.register(ir.GlobalAvgPool2D)
def global_average_pooling2d(layer: ir.GlobalAvgPool2D, info: LayerInfo) -> Emitted:
    return _cls(layer), [_name(layer)]


@EMIT.register(ir.GlobalMaxPool2D)
def global_max_pooling2d(layer: ir.GlobalMaxPool2D, info: LayerInfo) -> Emitted:
    return _cls(layer), [_name(layer)]


@EMIT.register(ir.Flatten)
def flatten(layer: ir.Flatten, info: LayerInfo) -> Emitted:
    return _cls(layer), [_name(layer)]


@EMIT.register(ir.Dense)
def dense(layer: ir.Dense, info: LayerInfo) -> Emitted:
    args = [str(layer.units)]
    if layer.activation is not None:
        args.append(f"activation={py_str(layer.activation)}")
    if not layer.use_bias:
        args.append("use_bias=False")
    return _cls(layer), [*args, _name(layer)]


@EMIT.register(ir.Dropout)
def dropout(layer: ir.Dropout, info: LayerInfo) -> Emitted:
    return _cls(layer), [py_num(layer.rate), _name(layer)]


@EMIT.register(ir.BatchNorm)
def batch_normalization(layer: ir.BatchNorm, info: LayerInfo) -> Emitted:
    args = []
    if layer.momentum != 0.99:
        args.append(f"momentum={py_num(layer.momentum)}")
    if layer.epsilon != 0.001:
        args.append(f"epsilon={py_num(layer.epsilon)}")
    return _cls(layer), [*args, _name(layer)]


@EMIT.register(ir.Activation)
def activation(layer: ir.Activation, info: LayerInfo) -> Emitted:
    return _cls(layer), [py_str(layer.activation), _name(layer)]


def _scale_text(layer: ir.Rescale) -> str:
    """``1 / 255`` when the spec wrote a fraction that gives exactly this scale."""
    text = (layer.text or "").replace(" ", "")
    if text.count("/") == 1:
        num, den = text.split("/")
        try:
            a, b = (int(t) if t.isdigit() else float(t) for t in (num, den))
        except ValueError:
            a, b = None, None
        if a is not None and b and a / b == layer.scale:
            return f"{py_num(a)} / {py_num(b)}"
    return py_num(layer.scale)


@EMIT.register(ir.Rescale)
def rescaling(layer: ir.Rescale, info: LayerInfo) -> Emitted:
    args = [_scale_text(layer)]
    if layer.offset:
        args.append(f"offset={py_num(layer.offset)}")
    return _cls(layer), [*args, _name(layer)]


@EMIT.register(ir.Preprocess)
def preprocess(layer: ir.Preprocess, info: LayerInfo) -> Emitted:
    return "layers.Lambda", [PREPROCESSING[layer.mode].keras_function, _name(layer)]


@EMIT.register(ir.RandomFlip)
def random_flip(layer: ir.RandomFlip, info: LayerInfo) -> Emitted:
    return _cls(layer), [py_str(layer.mode), _name(layer)]


@EMIT.register(ir.RandomRotation)
def random_rotation(layer: ir.RandomRotation, info: LayerInfo) -> Emitted:
    return _cls(layer), [py_num(layer.factor), _name(layer)]


@EMIT.register(ir.RandomZoom)
def random_zoom(layer: ir.RandomZoom, info: LayerInfo) -> Emitted:
    return _cls(layer), [py_num(layer.factor), _name(layer)]


@EMIT.register(ir.RandomContrast)
def random_contrast(layer: ir.RandomContrast, info: LayerInfo) -> Emitted:
    return _cls(layer), [py_num(layer.factor), _name(layer)]


@EMIT.register(ir.RandomTranslation)
def random_translation(layer: ir.RandomTranslation, info: LayerInfo) -> Emitted:
    f = py_num(layer.factor)
    return _cls(layer), [f, f, _name(layer)]


@EMIT.register(ir.InputLayer)
def input_layer(layer: ir.InputLayer, info: LayerInfo) -> Emitted:
    """The input of a base's builder function, whose shape is the builder's argument."""
    return "keras.Input", ["shape=input_shape", _name(layer)]


@EMIT.register(ir.Base)
def base(layer: ir.Base, info: LayerInfo) -> Emitted:
    """The call of the base's builder (``build_vgg16``) at the shape the base receives."""
    return f"build_{layer.arch}", [f"input_shape={py_tuple(info.input_shape)}", _name(layer)]


@EMIT.register(ir.Add, ir.Concatenate, ir.Multiply)
def merge(layer, info: LayerInfo) -> Emitted:
    """``layers.Add(name="add")([x, stem])``: the model writer passes the list of inputs."""
    return _cls(layer), [_name(layer)]
