"""Max/average pooling (NCHW ``MaxPool``/``AveragePool``), zero padding (``Pad``) and global
pooling (``Reduce*``)."""

from __future__ import annotations

import numpy as np

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


@CONVERT.register(ir.ZeroPadding2D)
def zero_padding2d(ctx: GraphContext, info: LayerInfo) -> None:
    """``<layer>/Pad`` with zeros, on NCHW: pads [0, 0, top, left, 0, 0, bottom, right]."""
    ctx.to_layout("NCHW", info.name)
    t, b, left, r = info.geometry.pads
    pads = ctx.initializer(f"{info.name}/pads", np.array([0, 0, t, left, 0, 0, b, r], np.int64))
    ctx.apply("Pad", info.name, pads, mode="constant")


@CONVERT.register(ir.GlobalAvgPool2D, ir.GlobalMaxPool2D)
def global_pool(ctx: GraphContext, info: LayerInfo) -> None:
    layer = info.layer
    op = "ReduceMean" if isinstance(layer, ir.GlobalAvgPool2D) else "ReduceMax"
    axes = [2, 3] if ctx.layout == "NCHW" else [1, 2]
    ctx.apply(op, layer.name, axes=axes, keepdims=0)
    ctx.rank = 2
