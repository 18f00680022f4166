"""BatchNormalization in inference mode (the moving statistics), Keras's epsilon."""

from __future__ import annotations

from specdsl import ir
from specdsl.backends.onnx.context import GraphContext
from specdsl.backends.onnx.table import CONVERT
from specdsl.check.analysis import LayerInfo

WEIGHTS = ("gamma", "beta", "moving_mean", "moving_variance")


@CONVERT.register(ir.BatchNorm)
def batchnorm(ctx: GraphContext, info: LayerInfo) -> None:
    layer: ir.BatchNorm = info.layer
    ctx.to_layout("NCHW", layer.name)  # ONNX normalizes axis 1
    inputs = [ctx.initializer(f"{layer.name}/{w}", ctx.weight(layer.name, w)) for w in WEIGHTS]
    ctx.apply("BatchNormalization", layer.name, *inputs, epsilon=float(layer.epsilon))
