"""What one layer emitter returns, and the small pieces of Python every emitter shares."""

from __future__ import annotations

from dataclasses import dataclass, field

from specdsl.backends.registry import KindTable
from specdsl.check.analysis import LayerInfo

EMIT = KindTable("pytorch")


@dataclass
class Ctx:
    """Where a layer sits: its analysis info, its attribute on the module, its role."""

    info: LayerInfo
    attr: str  # attribute name on its module (``conv2d``, ``block1_conv1``)
    drop_activation: bool = False  # the model's final sigmoid/softmax goes to forward()
    module_class: str | None = None  # for a base: the class emitted for it
    sources: tuple[str, ...] = ("x",)  # a merge's operands (variables of the forward)
    fresh: bool = False  # x is a tensor nobody else reads: an activation may overwrite it


@dataclass
class Code:
    """``__init__`` lines, ``forward`` lines (on ``x``), and named helpers they need.

    ``augment`` is a torchvision transform expression for the data pipeline (augmentation
    layers only); ``helpers`` name snippets of model.py, ``augment_helpers`` of data.py.
    """

    init: list[str] = field(default_factory=list)
    forward: list[str] = field(default_factory=list)
    helpers: tuple[str, ...] = ()
    augment: str | None = None
    augment_helpers: tuple[str, ...] = ()
    comment: str | None = None  # a forward comment for layers without code


def num(x: float) -> str:
    """A float literal as short as Python's repr, integers without a fraction."""
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x)}.0" if isinstance(x, float) else str(x)
    return repr(float(x))


def pair(p: tuple[int, int]) -> str:
    return str(p[0]) if p[0] == p[1] else f"({p[0]}, {p[1]})"


def nchw(shape: tuple[int, ...]) -> str:
    """An output shape in the module's own layout, for comments."""
    if len(shape) == 3:
        h, w, c = shape
        return f"(N, {c}, {h}, {w})"
    return "(N, " + ", ".join(str(s) for s in shape) + ")"


# Keras activation name -> PyTorch expression on ``{x}`` (``{dim}``: the channel axis).
ACTIVATIONS = {
    "relu": "torch.relu({x})",
    "sigmoid": "torch.sigmoid({x})",
    "softmax": "torch.softmax({x}, dim={dim})",
    "log_softmax": "torch.log_softmax({x}, dim={dim})",
    "tanh": "torch.tanh({x})",
    "linear": "{x}",
    "elu": "F.elu({x})",
    "selu": "F.selu({x})",
    "softplus": "F.softplus({x})",
    "softsign": "F.softsign({x})",
    "swish": "F.silu({x})",
    "silu": "F.silu({x})",
    "gelu": "F.gelu({x})",  # Keras's default is the exact (erf) form, as PyTorch's
    "exponential": "torch.exp({x})",
    "hard_sigmoid": "F.hardsigmoid({x})",  # Keras 3: relu6(x + 3) / 6
    "relu6": "F.relu6({x})",
    "leaky_relu": "F.leaky_relu({x}, 0.2)",  # Keras's negative_slope default
    "mish": "F.mish({x})",
}

# In-place variants, used on a layer's fresh output (a module call's result that nothing else
# holds): no new activation tensor per step, which on a CPU is memory traffic and page faults.
INPLACE_ACTIVATIONS = {
    "relu": "torch.relu_({x})",
    "relu6": "F.relu6({x}, inplace=True)",
    "leaky_relu": "F.leaky_relu({x}, 0.2, inplace=True)",
}


# Layers whose output is a new tensor that their own backward does not need (a conv's or
# dense's needs its input, batch norm's its input and statistics, a sum nothing): an activation
# layer right after one of them, when nothing else reads that output, may work in place.
FRESH_OUTPUT_KINDS = frozenset({"conv", "dwconv", "sepconv", "dense", "batchnorm", "add"})


def fresh_output(info, kept: set[str]) -> bool:
    """``info``'s output may be overwritten by the next layer: a new tensor (see
    FRESH_OUTPUT_KINDS) with no activation of its own (whose backward would need it), read by
    nothing else (not kept for a later layer)."""
    return (
        info is not None
        and info.kind in FRESH_OUTPUT_KINDS
        and getattr(info.layer, "activation", None) in (None, "linear")
        and info.name not in kept
    )


def activation(name: str | None, expr: str, rank: int, fresh: bool = False) -> str:
    """``expr`` wrapped in the activation (the channel axis is 1 on NCHW maps, else -1).

    ``fresh``: ``expr`` makes a new tensor (a conv's or dense's output), so the activation
    may overwrite it in place.
    """
    if not name or name == "linear":
        return expr
    table = INPLACE_ACTIVATIONS if fresh and name in INPLACE_ACTIVATIONS else ACTIVATIONS
    return table[name].format(x=expr, dim=1 if rank == 3 else -1)
