"""BatchNormalization in inference mode (the moving statistics), Keras's epsilon."""

from __future__ import annotations

from specdsl import ir
from specdsl.backends.onnx.context import GraphContext
from specdsl.backends.onnx.table import CONVERT
from specdsl.check.analysis import LayerInfo


@CONVERT.register(ir.BatchNorm)
def batchnorm(ctx: GraphContext, info: LayerInfo) -> None:
    layer: ir.BatchNorm = info.layer
    ctx.to_layout("NCHW", layer.name)  # ONNX normalizes axis 1
    # ONNX's input order is the kind table's: scale, bias, mean, var
    inputs = [ctx.weight_initializer(layer, s.name) for s in ir.kind_of(layer).weights]
    ctx.apply("BatchNormalization", layer.name, *inputs, epsilon=float(layer.epsilon))
