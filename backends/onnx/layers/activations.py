"""Keras activations as ONNX nodes (opset 17), each with Keras's constants.

Every node is named ``<layer>/<Op>`` after the layer whose activation it is.
"""

from __future__ import annotations

import math

import numpy as np

from specdsl.backends.onnx.context import GraphContext
from specdsl.backends.registry import BackendError

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _mul_by(ctx: GraphContext, layer: str, op: str) -> None:
    """x * op(x): swish / silu."""
    x = ctx.value
    gate = ctx.node(op, [x], layer)
    ctx.value = ctx.node("Mul", [x, gate], layer)


def _gelu(ctx: GraphContext, layer: str) -> None:
    """Keras's exact gelu: 0.5 * x * (1 + erf(x / sqrt(2)))."""
    x = ctx.value
    root2 = ctx.initializer(f"{layer}/sqrt2", np.array(math.sqrt(2.0), np.float32))
    one = ctx.initializer(f"{layer}/one", np.array(1.0, np.float32))
    half = ctx.initializer(f"{layer}/half", np.array(0.5, np.float32))
    e = ctx.node("Erf", [ctx.node("Div", [x, root2], layer)], layer)
    t = ctx.node("Mul", [x, ctx.node("Add", [e, one], layer)], layer)
    ctx.value = ctx.node("Mul", [t, half], layer)


def _mish(ctx: GraphContext, layer: str) -> None:
    x = ctx.value
    t = ctx.node("Tanh", [ctx.node("Softplus", [x], layer)], layer)
    ctx.value = ctx.node("Mul", [x, t], layer)


def _relu6(ctx: GraphContext, layer: str) -> None:
    lo = ctx.initializer(f"{layer}/clip_min", np.array(0.0, np.float32))
    hi = ctx.initializer(f"{layer}/clip_max", np.array(6.0, np.float32))
    ctx.apply("Clip", layer, lo, hi)


def activate(ctx: GraphContext, layer: str, activation: str | None) -> None:
    """Apply a Keras activation to the current value (``None``/``linear``: nothing)."""
    a = activation or "linear"
    simple = {
        "relu": "Relu",
        "sigmoid": "Sigmoid",
        "tanh": "Tanh",
        "softplus": "Softplus",
        "softsign": "Softsign",
        "exponential": "Exp",
    }
    if a == "linear":
        return
    if a in simple:
        ctx.apply(simple[a], layer)
    elif a in ("softmax", "log_softmax"):
        ctx.apply("Softmax" if a == "softmax" else "LogSoftmax", layer, axis=ctx.channel_axis)
    elif a == "elu":
        ctx.apply("Elu", layer, alpha=1.0)
    elif a == "selu":
        ctx.apply("Selu", layer, alpha=SELU_ALPHA, gamma=SELU_SCALE)
    elif a == "leaky_relu":
        ctx.apply("LeakyRelu", layer, alpha=0.2)
    elif a == "hard_sigmoid":
        ctx.apply("HardSigmoid", layer, alpha=1.0 / 6.0, beta=0.5)
    elif a in ("swish", "silu"):
        _mul_by(ctx, layer, "Sigmoid")
    elif a == "gelu":
        _gelu(ctx, layer)
    elif a == "mish":
        _mish(ctx, layer)
    elif a == "relu6":
        _relu6(ctx, layer)
    else:
        raise BackendError(f"the onnx backend does not support activation '{a}' (layer '{layer}')")
