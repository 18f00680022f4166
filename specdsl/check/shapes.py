"""Shape, parameter and MAC rules: one small function per layer kind, keyed by IR class.

Every rule follows Keras: ``valid`` padding floors, ``same`` padding is ceil(in / stride),
pooling strides default to the pool size, Dense acts on the last axis.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from specdsl import ir

Shape = tuple[int, ...]


class ShapeError(Exception):
    """A layer cannot take the shape it meets; the message names that shape."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class Weight:
    """One weight tensor of a layer in the canonical (Keras) layout."""

    name: str  # kernel, bias, gamma, beta, moving_mean, moving_variance
    shape: Shape
    trainable: bool = True  # False for batch-norm moving statistics


@dataclass(frozen=True)
class Rule:
    output: Shape
    weights: tuple[Weight, ...] = ()
    macs: int = 0


RULES: dict[type, Callable[[object, Shape], Rule]] = {}


def rule(*classes: type):
    def register(fn):
        for cls in classes:
            RULES[cls] = fn
        return fn

    return register


def fmt_shape(shape: Shape) -> str:
    if len(shape) == 1:
        return f"a flat vector of {shape[0]} values"
    return "x".join(str(s) for s in shape) if shape else "a scalar"


def infer(layer, shape: Shape) -> Rule:
    try:
        fn = RULES[type(layer)]
    except KeyError:  # pragma: no cover - every kind has a rule (tested)
        raise ShapeError(f"no shape rule for {type(layer).__name__}") from None
    return fn(layer, shape)


def _image(layer, shape: Shape, what: str) -> tuple[int, int, int]:
    if len(shape) != 3:
        raise ShapeError(
            f"{what} needs an image input (height x width x channels), got {fmt_shape(shape)}",
            hint="put it before 'flatten'",
        )
    return shape  # type: ignore[return-value]


def same_padding(size: int, k: int, s: int) -> tuple[int, int]:
    """TensorFlow's ``same`` padding along one axis: (before, after); an odd pixel goes after."""
    total = max((math.ceil(size / s) - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def _window(size: int, k: int, s: int, padding: str) -> int:
    if padding == "same":
        return math.ceil(size / s)
    return (size - k) // s + 1


def _check_fits(k: tuple[int, int], h: int, w: int, c: int, padding: str, what: str) -> None:
    if padding == "valid" and (k[0] > h or k[1] > w):
        raise ShapeError(
            f"{what} {k[0]}x{k[1]} is larger than its input {h}x{w}x{c}",
            hint="use 'same' padding, a smaller window, or remove a pooling layer before it",
        )


@rule(ir.Conv2D)
def _conv(layer: ir.Conv2D, shape: Shape) -> Rule:
    h, w, c = _image(layer, shape, "conv")
    _check_fits(layer.kernel, h, w, c, layer.padding, "kernel")
    oh = _window(h, layer.kernel[0], layer.strides[0], layer.padding)
    ow = _window(w, layer.kernel[1], layer.strides[1], layer.padding)
    weights = [Weight("kernel", (layer.kernel[0], layer.kernel[1], c, layer.filters))]
    if layer.use_bias:
        weights.append(Weight("bias", (layer.filters,)))
    macs = oh * ow * layer.filters * layer.kernel[0] * layer.kernel[1] * c
    return Rule((oh, ow, layer.filters), tuple(weights), macs)


@rule(ir.MaxPool2D, ir.AvgPool2D)
def _pool(layer: ir.MaxPool2D, shape: Shape) -> Rule:
    h, w, c = _image(layer, shape, "pool")
    strides = layer.strides or layer.pool
    _check_fits(layer.pool, h, w, c, layer.padding, "pool window")
    oh = _window(h, layer.pool[0], strides[0], layer.padding)
    ow = _window(w, layer.pool[1], strides[1], layer.padding)
    return Rule((oh, ow, c))


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
            Weight("moving_mean", (c,), trainable=False),
            Weight("moving_variance", (c,), trainable=False),
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
