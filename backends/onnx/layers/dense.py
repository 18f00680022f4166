"""Flatten and Dense.

Keras flattens NHWC, so ``flatten`` first turns an NCHW value back to NHWC
(``<layer>/ToNHWC``) and then ``<layer>/Flatten``: the Dense kernel after it keeps the
canonical row order (H, W, C) and is stored unchanged as ``<layer>/kernel`` (in, out).
Dense on a batch of vectors is one ``Gemm``; on a higher-rank value (Keras applies Dense to
the last axis) it is ``MatMul`` + ``Add``.
"""

from __future__ import annotations

from specdsl import ir
from specdsl.backends.onnx.context import GraphContext
from specdsl.backends.onnx.layers.activations import activate
from specdsl.backends.onnx.table import CONVERT
from specdsl.check.analysis import LayerInfo


@CONVERT.register(ir.Flatten)
def flatten(ctx: GraphContext, info: LayerInfo) -> None:
    ctx.to_layout("NHWC", info.name)
    ctx.apply("Flatten", info.name, axis=1)
    ctx.rank = 2


@CONVERT.register(ir.Dense)
def dense(ctx: GraphContext, info: LayerInfo) -> None:
    layer: ir.Dense = info.layer
    ctx.to_layout("NHWC", layer.name)  # Dense acts on the last axis, as in Keras
    kernel = ctx.weight_initializer(layer, "kernel")
    bias = ctx.weight_initializer(layer, "bias") if layer.use_bias else None
    if ctx.rank == 2:
        ctx.apply("Gemm", layer.name, kernel, *([bias] if bias else []))
    else:
        ctx.apply("MatMul", layer.name, kernel)
        if bias:
            ctx.apply("Add", layer.name, bias)
    activate(ctx, layer.name, layer.activation)
