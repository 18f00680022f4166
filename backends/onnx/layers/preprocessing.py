"""Rescaling and the pretrained bases' preprocessing, on the NHWC float image.

``caffe`` (VGG16): RGB -> BGR (``<layer>/Gather``), then subtract the ImageNet means in BGR
order (``<layer>/Sub``). ``tf``: x / 127.5 - 1. ``torch``: x / 255, minus mean, over std.
Each computes what ``keras.applications.imagenet_utils.preprocess_input`` does.
"""

from __future__ import annotations

import numpy as np

from specdsl import ir
from specdsl.backends.onnx.context import GraphContext
from specdsl.backends.onnx.table import CONVERT
from specdsl.check.analysis import LayerInfo
from specdsl.ir.vocab import PREPROCESSING


def _channels(ctx: GraphContext, values) -> np.ndarray:
    """Per-channel constants shaped to broadcast over the current layout."""
    arr = np.asarray(values, np.float32)
    return arr.reshape(-1, 1, 1) if ctx.channel_axis == 1 else arr


@CONVERT.register(ir.Rescale)
def rescale(ctx: GraphContext, info: LayerInfo) -> None:
    layer: ir.Rescale = info.layer
    scale = ctx.initializer(f"{layer.name}/scale", np.array(layer.scale, np.float32))
    ctx.apply("Mul", layer.name, scale)
    if layer.offset:
        offset = ctx.initializer(f"{layer.name}/offset", np.array(layer.offset, np.float32))
        ctx.apply("Add", layer.name, offset)


def _const(ctx: GraphContext, layer: str, name: str, value: float) -> str:
    return ctx.initializer(f"{layer}/{name}", np.array(value, np.float32))


@CONVERT.register(ir.Preprocess)
def preprocess(ctx: GraphContext, info: LayerInfo) -> None:
    """The steps of :data:`specdsl.ir.vocab.PREPROCESSING`: Gather (BGR), Div, Sub, Div."""
    name = info.name
    p = PREPROCESSING[info.layer.mode]
    if p.bgr:
        order = ctx.initializer(f"{name}/bgr_order", np.array([2, 1, 0], np.int64))
        ctx.apply("Gather", name, order, axis=ctx.channel_axis % ctx.rank)
    if p.divide is not None:
        ctx.apply("Div", name, _const(ctx, name, "scale", p.divide))
    if isinstance(p.mean, tuple):
        ctx.apply("Sub", name, ctx.initializer(f"{name}/mean", _channels(ctx, p.mean)))
    elif p.mean is not None:
        ctx.apply("Sub", name, _const(ctx, name, "offset", p.mean))
    if p.std is not None:
        ctx.apply("Div", name, ctx.initializer(f"{name}/std", _channels(ctx, p.std)))
