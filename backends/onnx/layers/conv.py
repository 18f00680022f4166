"""Conv2D and DepthwiseConv2D -> ``<layer>/Conv`` (+ its activation), kernels stored OIHW."""

from __future__ import annotations

from specdsl import ir
from specdsl.backends.onnx.context import GraphContext
from specdsl.backends.onnx.layers.activations import activate
from specdsl.backends.onnx.table import CONVERT
from specdsl.check.analysis import LayerInfo


@CONVERT.register(ir.Conv2D, ir.DepthwiseConv2D)
def conv2d(ctx: GraphContext, info: LayerInfo) -> None:
    """A convolution; a depthwise one is grouped, one group per input channel."""
    layer: ir.Conv2D | ir.DepthwiseConv2D = info.layer
    ctx.to_layout("NCHW", layer.name)
    depthwise = isinstance(layer, ir.DepthwiseConv2D)
    inputs = [ctx.weight_initializer(layer, "kernel")]  # OIHW; depthwise (C * M, 1, H, W)
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
        group=info.input_shape[2] if depthwise else 1,
    )
    activate(ctx, layer.name, layer.activation)


@CONVERT.register(ir.SeparableConv2D)
def separable_conv2d(ctx: GraphContext, info: LayerInfo) -> None:
    """``<layer>/Conv`` depthwise (grouped, no bias), ``<layer>/Conv_1`` pointwise (1x1)."""
    layer: ir.SeparableConv2D = info.layer
    ctx.to_layout("NCHW", layer.name)
    g = info.geometry
    ctx.apply(
        "Conv",
        layer.name,
        ctx.weight_initializer(layer, "depthwise_kernel"),
        kernel_shape=list(g.kernel),
        strides=list(g.strides),
        pads=g.onnx_pads(),
        dilations=[1, 1],
        group=info.input_shape[2],
    )
    inputs = [ctx.weight_initializer(layer, "pointwise_kernel")]
    if layer.use_bias:
        inputs.append(ctx.weight_initializer(layer, "bias"))
    ctx.apply("Conv", layer.name, *inputs, kernel_shape=[1, 1])
    activate(ctx, layer.name, layer.activation)
