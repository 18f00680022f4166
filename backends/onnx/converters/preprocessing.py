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

CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
TORCH_MEAN = (0.485, 0.456, 0.406)
TORCH_STD = (0.229, 0.224, 0.225)


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
    layer: ir.Preprocess = info.layer
    name = layer.name
    if layer.mode == "caffe":
        order = ctx.initializer(f"{name}/bgr_order", np.array([2, 1, 0], np.int64))
        ctx.apply("Gather", name, order, axis=ctx.channel_axis % ctx.rank)
        mean = ctx.initializer(f"{name}/mean", _channels(ctx, CAFFE_MEAN_BGR))
        ctx.apply("Sub", name, mean)
    elif layer.mode == "tf":
        ctx.apply("Div", name, _const(ctx, name, "scale", 127.5))
        ctx.apply("Sub", name, _const(ctx, name, "offset", 1.0))
    else:  # torch
        ctx.apply("Div", name, _const(ctx, name, "scale", 255.0))
        ctx.apply("Sub", name, ctx.initializer(f"{name}/mean", _channels(ctx, TORCH_MEAN)))
        ctx.apply("Div", name, ctx.initializer(f"{name}/std", _channels(ctx, TORCH_STD)))
