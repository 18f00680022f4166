"""Shape, parameter and MAC rules: one small function per layer kind, keyed by IR class.

Every rule follows Keras: ``valid`` padding floors, ``same`` padding is ceil(in / stride),
pooling strides default to the pool size, Dense acts on the last axis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from specdsl import ir
from specdsl.ir.registry import KindTable

Shape = tuple[int, ...]


class ShapeError(Exception):
    """A layer cannot take the shape it meets; the message names that shape."""

    def __init__(self, message: str, hint: str | None = None, culprit: int | None = None):
        super().__init__(message)
        self.hint = hint
        self.culprit = culprit  # a merge: the input that does not fit the first


@dataclass(frozen=True)
class Weight:
    """One weight tensor of a layer in the canonical (Keras) layout."""

    name: str  # kernel, bias, gamma, beta, moving_mean, moving_variance
    shape: Shape
    trainable: bool = True  # the kind table's (False for batch-norm moving statistics)


@dataclass(frozen=True)
class Geometry:
    """A sliding window resolved once: kernel, strides and explicit pads.

    ``pads`` are (top, bottom, left, right) exactly as TensorFlow computes ``same`` (the odd
    pixel goes after); every target, the cost report and the importers read them here.
    """

    kernel: tuple[int, int]
    strides: tuple[int, int]
    pads: tuple[int, int, int, int]
    padding: str  # valid, same, or explicit (zero padding)

    @property
    def symmetric(self) -> bool:
        t, b, left, r = self.pads
        return t == b and left == r

    @property
    def any_pad(self) -> bool:
        return any(self.pads)

    def onnx_pads(self) -> list[int]:
        """ONNX's order: [top, left, bottom, right]."""
        t, b, left, r = self.pads
        return [t, left, b, r]

    def output(self, h: int, w: int) -> tuple[int, int]:
        t, b, left, r = self.pads
        (kh, kw), (sh, sw) = self.kernel, self.strides
        return (h + t + b - kh) // sh + 1, (w + left + r - kw) // sw + 1


@dataclass(frozen=True)
class Rule:
    output: Shape
    weights: tuple[Weight, ...] = ()
    macs: int = 0
    geometry: Geometry | None = None


RULES = KindTable("the shape rules", ShapeError)
rule = RULES.register


def fmt_shape(shape: Shape) -> str:
    if len(shape) == 1:
        return f"a flat vector of {shape[0]} values"
    return "x".join(str(s) for s in shape) if shape else "a scalar"


def infer(layer, shape: Shape) -> Rule:
    """The layer's rule at this input shape; each weight's flags come from the kind table."""
    r = RULES.lookup(layer)(layer, shape)
    kind = ir.kind_of(layer)
    weights = tuple(Weight(w.name, w.shape, kind.slot(w.name).trainable) for w in r.weights)
    return Rule(r.output, weights, r.macs, r.geometry)


def _image(layer, shape: Shape, what: str) -> tuple[int, int, int]:
    if len(shape) != 3:
        raise ShapeError(
            f"{what} needs an image input (height x width x channels), got {fmt_shape(shape)}",
            hint="put it before 'flatten'",
        )
    return shape  # type: ignore[return-value]


def same_padding(size: int, k: int, s: int) -> tuple[int, int]:
    """TensorFlow's ``same`` padding along one axis: (before, after); an odd pixel goes after.

    Integer arithmetic only, so that any size the language accepts stays exact."""
    total = max((-(-size // s) - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def window_pads(size: tuple[int, int], kernel, strides, padding) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) for ``valid``, ``same`` (TensorFlow's) or explicit pads."""
    if padding == "same":
        t, b = same_padding(size[0], kernel[0], strides[0])
        left, r = same_padding(size[1], kernel[1], strides[1])
        return t, b, left, r
    if padding == "valid":
        return 0, 0, 0, 0
    return tuple(padding)


def geometry(layer, shape: Shape, what: str) -> Geometry:
    """Resolve a windowed layer's ``window`` at its input shape (TensorFlow's rules)."""
    h, w, c = _image(layer, shape, what)
    kernel, strides, padding = layer.window
    pads = window_pads((h, w), kernel, strides, padding)
    if not isinstance(padding, str):
        padding = "explicit"
    g = Geometry(tuple(kernel), tuple(strides), pads, padding)
    t, b, left, r = pads
    if kernel[0] > h + t + b or kernel[1] > w + left + r:
        name = "kernel" if what == "conv" else f"{what} window"
        raise ShapeError(
            f"{name} {kernel[0]}x{kernel[1]} is larger than its input {h}x{w}x{c}",
            hint="use 'same' padding, a smaller window, or remove a pooling layer before it",
        )
    return g


@rule(ir.Conv2D)
def _conv(layer: ir.Conv2D, shape: Shape) -> Rule:
    g = geometry(layer, shape, "conv")
    oh, ow = g.output(*shape[:2])
    c = shape[2]
    weights = [Weight("kernel", (layer.kernel[0], layer.kernel[1], c, layer.filters))]
    if layer.use_bias:
        weights.append(Weight("bias", (layer.filters,)))
    macs = oh * ow * layer.filters * layer.kernel[0] * layer.kernel[1] * c
    return Rule((oh, ow, layer.filters), tuple(weights), macs, g)


@rule(ir.DepthwiseConv2D)
def _dwconv(layer: ir.DepthwiseConv2D, shape: Shape) -> Rule:
    g = geometry(layer, shape, "dwconv")
    oh, ow = g.output(*shape[:2])
    c, m = shape[2], layer.depth_multiplier
    weights = [Weight("kernel", (*layer.kernel, c, m))]
    if layer.use_bias:
        weights.append(Weight("bias", (c * m,)))
    macs = oh * ow * c * m * layer.kernel[0] * layer.kernel[1]
    return Rule((oh, ow, c * m), tuple(weights), macs, g)


@rule(ir.SeparableConv2D)
def _sepconv(layer: ir.SeparableConv2D, shape: Shape) -> Rule:
    g = geometry(layer, shape, "sepconv")
    oh, ow = g.output(*shape[:2])
    c, m, f = shape[2], layer.depth_multiplier, layer.filters
    weights = [
        Weight("depthwise_kernel", (*layer.kernel, c, m)),
        Weight("pointwise_kernel", (1, 1, c * m, f)),
    ]
    if layer.use_bias:
        weights.append(Weight("bias", (f,)))
    macs = oh * ow * c * m * (layer.kernel[0] * layer.kernel[1] + f)
    return Rule((oh, ow, f), tuple(weights), macs, g)


@rule(ir.ZeroPadding2D)
def _zeropad(layer: ir.ZeroPadding2D, shape: Shape) -> Rule:
    g = geometry(layer, shape, "zeropad")
    if layer.correct is not None:  # keras.applications.imagenet_utils.correct_pad
        k, (h, w) = layer.correct // 2, shape[:2]
        g = Geometry(g.kernel, g.strides, (k - 1 + h % 2, k, k - 1 + w % 2, k), "explicit")
    return Rule((*g.output(*shape[:2]), shape[2]), geometry=g)


@rule(ir.MaxPool2D, ir.AvgPool2D)
def _pool(layer: ir.MaxPool2D, shape: Shape) -> Rule:
    g = geometry(layer, shape, "pool")
    return Rule((*g.output(*shape[:2]), shape[2]), geometry=g)


@rule(ir.GlobalAvgPool2D, ir.GlobalMaxPool2D)
def _global_pool(layer, shape: Shape) -> Rule:
    _, _, c = _image(layer, shape, "global pooling")
    return Rule((c,))


@rule(ir.Flatten)
def _flatten(layer, shape: Shape) -> Rule:
    return Rule((math.prod(shape),))


@rule(ir.Dense)
def _dense(layer: ir.Dense, shape: Shape) -> Rule:
    n = shape[-1]
    weights = [Weight("kernel", (n, layer.units))]
    if layer.use_bias:
        weights.append(Weight("bias", (layer.units,)))
    macs = math.prod(shape[:-1]) * n * layer.units
    return Rule(shape[:-1] + (layer.units,), tuple(weights), macs)


@rule(ir.BatchNorm)
def _batchnorm(layer, shape: Shape) -> Rule:
    c = shape[-1]
    return Rule(
        shape,
        (
            Weight("gamma", (c,)),
            Weight("beta", (c,)),
            Weight("moving_mean", (c,)),
            Weight("moving_variance", (c,)),
        ),
    )


@rule(ir.Preprocess)
def _preprocess(layer: ir.Preprocess, shape: Shape) -> Rule:
    _, _, c = _image(layer, shape, f"preprocess {layer.mode}")
    if c != 3:
        raise ShapeError(
            f"preprocess {layer.mode} needs 3 RGB channels, got {fmt_shape(shape)}",
            hint="pretrained bases expect 'input HxWx3'",
        )
    return Rule(shape)


@rule(ir.RandomFlip, ir.RandomRotation, ir.RandomZoom, ir.RandomContrast, ir.RandomTranslation)
def _augment(layer, shape: Shape) -> Rule:
    _image(layer, shape, "augmentation")
    return Rule(shape)


@rule(ir.Dropout, ir.Activation, ir.Rescale, ir.InputLayer)
def _identity(layer, shape: Shape) -> Rule:
    return Rule(shape)


@rule(ir.Add, ir.Multiply)
def _elementwise_merge(layer, shapes: tuple[Shape, ...]) -> Rule:
    for i, shape in enumerate(shapes[1:], start=1):
        if shape != shapes[0]:
            what = "add" if isinstance(layer, ir.Add) else "multiply"
            raise ShapeError(
                f"{what} needs inputs of one shape",
                hint="make them the same shape (a 1x1 conv with strides on the shortcut)",
                culprit=i,
            )
    return Rule(shapes[0])


@rule(ir.Concatenate)
def _concat(layer, shapes: tuple[Shape, ...]) -> Rule:
    for i, shape in enumerate(shapes[1:], start=1):
        if len(shape) != len(shapes[0]) or shape[:-1] != shapes[0][:-1]:
            raise ShapeError(
                "concat joins the channels, so all but the last axis must agree",
                hint="pool or pad the larger one to the other's size",
                culprit=i,
            )
    return Rule((*shapes[0][:-1], sum(s[-1] for s in shapes)))
