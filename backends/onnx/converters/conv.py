"""Conv2D -> ``<layer>/Conv`` (+ its activation); kernel stored OIHW as ``<layer>/kernel``."""

from __future__ import annotations

from specdsl import ir
from specdsl.backends.onnx.context import GraphContext
from specdsl.backends.onnx.converters.activations import activate
from specdsl.backends.onnx.table import CONVERT
from specdsl.check.analysis import LayerInfo


@CONVERT.register(ir.Conv2D)
def conv2d(ctx: GraphContext, info: LayerInfo) -> None:
    layer: ir.Conv2D = info.layer
    ctx.to_layout("NCHW", layer.name)
    inputs = [ctx.weight_initializer(layer, "kernel")]  # OIHW
    if layer.use_bias:
        inputs.append(ctx.weight_initializer(layer, "bias"))
    g = info.geometry
    ctx.apply(
        "Conv",
        layer.name,
        *inputs,
        kernel_shape=list(g.kernel),
        strides=list(g.strides),
        pads=g.onnx_pads(),
        dilations=[1, 1],
        group=1,
    )
    activate(ctx, layer.name, layer.activation)
