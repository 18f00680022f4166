"""Max/average pooling (NCHW ``MaxPool``/``AveragePool``) and global pooling (``Reduce*``)."""

from __future__ import annotations

from specdsl import ir
from specdsl.backends.onnx.context import GraphContext
from specdsl.backends.onnx.converters.padding import pads
from specdsl.backends.onnx.table import CONVERT
from specdsl.check.analysis import LayerInfo


@CONVERT.register(ir.MaxPool2D, ir.AvgPool2D)
def pool2d(ctx: GraphContext, info: LayerInfo) -> None:
    layer = info.layer
    ctx.to_layout("NCHW", layer.name)
    strides = layer.strides or layer.pool
    h, w, _ = info.input_shape
    attrs = {
        "kernel_shape": list(layer.pool),
        "strides": list(strides),
        "pads": pads((h, w), layer.pool, strides, layer.padding),
    }
    if isinstance(layer, ir.AvgPool2D):
        # TF averages over the real pixels only at 'same' borders
        ctx.apply("AveragePool", layer.name, count_include_pad=0, **attrs)
    else:
        ctx.apply("MaxPool", layer.name, **attrs)


@CONVERT.register(ir.GlobalAvgPool2D, ir.GlobalMaxPool2D)
def global_pool(ctx: GraphContext, info: LayerInfo) -> None:
    layer = info.layer
    op = "ReduceMean" if isinstance(layer, ir.GlobalAvgPool2D) else "ReduceMax"
    axes = [2, 3] if ctx.layout == "NCHW" else [1, 2]
    ctx.apply(op, layer.name, axes=axes, keepdims=0)
    ctx.rank = 2
