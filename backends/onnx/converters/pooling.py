"""Max/average pooling (NCHW ``MaxPool``/``AveragePool``) and global pooling (``Reduce*``)."""

from __future__ import annotations

from specdsl import ir
from specdsl.backends.onnx.context import GraphContext
from specdsl.backends.onnx.table import CONVERT
from specdsl.check.analysis import LayerInfo


@CONVERT.register(ir.MaxPool2D, ir.AvgPool2D)
def pool2d(ctx: GraphContext, info: LayerInfo) -> None:
    layer = info.layer
    ctx.to_layout("NCHW", layer.name)
    g = info.geometry
    attrs = {"kernel_shape": list(g.kernel), "strides": list(g.strides), "pads": g.onnx_pads()}
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
