"""Resolve ``freeze``/``unfreeze`` statements to a trainable flag per layer, as Keras does.

A target is a base (``vgg16``, optionally sliced like Keras's ``conv_base.layers[:-4]``,
whose entry 0 is the input layer) or any single layer by name.
"""

from __future__ import annotations

from specdsl import ir
from specdsl.check.analysis import LayerInfo
from specdsl.diagnostics import Diagnostics, did_you_mean


def resolve(
    ops: tuple[ir.FreezeOp, ...],
    layers: list[LayerInfo],
    diags: Diagnostics,
    start: dict | None = None,
) -> dict[str, bool]:
    """Apply ops in order, from ``start`` (default: everything trainable). Returns path -> flag."""
    state = dict(start) if start is not None else {p: True for p in _paths(layers)}
    for op in ops:
        for path in select(op, layers, diags):
            state[path] = op.action == "unfreeze"
    return state


def _paths(layers: list[LayerInfo]) -> list[str]:
    out = []
    for info in layers:
        out.append(info.path)
        out.extend(c.path for c in info.children)
    return out


def select(op: ir.FreezeOp, layers: list[LayerInfo], diags: Diagnostics) -> list[str]:
    """Paths of the layers one freeze statement names (none, with a diagnostic, if bad)."""
    by_name: dict[str, LayerInfo] = {}
    for info in layers:
        by_name[info.name] = info
        for child in info.children:
            by_name.setdefault(child.name, child)
    target = by_name.get(op.target)
    if target is None:
        diags.error(
            f"cannot {op.action} '{op.target}': the model has no such base or layer",
            op.span,
            hint=did_you_mean(op.target, by_name),
            expected="a base ("
            + ", ".join(i.name for i in layers if i.children)
            + ") or a layer name"
            if any(i.children for i in layers)
            else "a layer name",
        )
        return []
    if op.slice is None:
        return [target.path] + [c.path for c in target.children]
    if not target.children:
        diags.error(
            f"'{op.target}' is a single layer; only a base can be sliced",
            op.slice.span or op.span,
            hint=f"write '{op.action} {op.target}'",
        )
        return []
    entries = target.children
    n = len(entries)
    sl = op.slice
    if sl.index is not None:
        if not -n <= sl.index < n:
            diags.error(
                f"index {sl.index} is out of range: '{op.target}' has {n} layers (0..{n - 1}, "
                "entry 0 is its input layer)",
                sl.span or op.span,
            )
            return []
        return [entries[sl.index].path]
    for bound in (sl.start, sl.stop):
        if bound is not None and not -n <= bound <= n:
            diags.error(
                f"slice bound {bound} is out of range: '{op.target}' has {n} layers "
                f"(entry 0 is its input layer, like Keras's {op.target}.layers)",
                sl.span or op.span,
                expected=f"a bound between -{n} and {n}",
            )
            return []
    return [e.path for e in entries[sl.start : sl.stop]]


def apply(layers: list[LayerInfo], state: dict[str, bool]) -> None:
    """Set each layer's flag from the state. A base is trainable while any of its layers is."""
    for info in layers:
        for child in info.children:
            child.trainable = state.get(child.path, True)
        if info.children:
            info.trainable = any(c.trainable for c in info.children)
        else:
            info.trainable = state.get(info.path, True)
