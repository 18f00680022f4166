"""Merges: ``Add`` -> ``<layer>/Sum``, ``Multiply`` -> ``<layer>/Mul``, ``Concatenate`` ->
``<layer>/Concat`` on the channels, each over its inputs brought to one layout."""

from __future__ import annotations

from specdsl import ir
from specdsl.backends.onnx.context import GraphContext
from specdsl.backends.onnx.table import CONVERT
from specdsl.check.analysis import LayerInfo

OPS = {ir.Add: "Sum", ir.Multiply: "Mul", ir.Concatenate: "Concat"}


@CONVERT.register(ir.Add, ir.Multiply, ir.Concatenate)
def merge(ctx: GraphContext, info: LayerInfo) -> None:
    values = ctx.gather(info.inputs, info.name)
    op = OPS[type(info.layer)]
    if op == "Mul" and len(values) > 2:  # ONNX's Mul takes two inputs
        out = values[0]
        for v in values[1:]:
            out = ctx.node("Mul", [out, v], info.name)
        ctx.value = out
        return
    attrs = {"axis": ctx.channel_axis} if op == "Concat" else {}
    ctx.value = ctx.node(op, values, info.name, **attrs)
