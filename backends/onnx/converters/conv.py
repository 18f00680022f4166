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
    kernel = ctx.weight(layer.name, "kernel").transpose(3, 2, 0, 1)  # HWIO -> OIHW
    inputs = [ctx.initializer(f"{layer.name}/kernel", kernel)]
    if layer.use_bias:
        inputs.append(ctx.initializer(f"{layer.name}/bias", ctx.weight(layer.name, "bias")))
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
