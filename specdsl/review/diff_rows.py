"""The diff as table rows of text, shared by the terminal and the Markdown renderers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from specdsl.review.cost import human_bytes
from specdsl.review.diff import LayerDiff, ModelDiff
from specdsl.review.diff_settings import value_text

ARROW = "→"
MARKS = {"added": "+", "removed": "-", "changed": "~", "same": " "}


@dataclass(frozen=True)
class DiffRow:
    mark: str  # + added, - removed, ~ changed, * same settings but shape/trainable changed
    status: str
    path: str
    depth: int
    statement: str
    shape: str
    params: str
    macs: str
    activations: str
    field: str
    trainable: str
    notes: str
    differs: bool


def shape_text(shape) -> str:
    return "x".join(map(str, shape)) if shape is not None else ""


def both(a: Any, b: Any, fmt: Callable[[Any], str] = str) -> str:
    """``a`` when equal or one side absent, else ``a → b``."""
    if a is None and b is None:
        return ""
    if a is None:
        return fmt(b)
    if b is None:
        return fmt(a)
    return fmt(a) if a == b else f"{fmt(a)} {ARROW} {fmt(b)}"


def signed(n: int, fmt: Callable[[int], str] = lambda v: f"{v:,}") -> str:
    if n == 0:
        return "±0"
    return ("+" if n > 0 else "-") + fmt(abs(n))


def counted(a: int | None, b: int | None, fmt: Callable[[int], str] = lambda v: f"{v:,}") -> str:
    """``1,792`` or ``896 → 1,792 (+896)``; an added or removed layer shows its signed value."""
    if a is None and b is None:
        return ""
    if a is None:
        return signed(b, fmt) if b else fmt(0)
    if b is None:
        return signed(-a, fmt) if a else fmt(0)
    if a == b:
        return fmt(a)
    return f"{fmt(a)} {ARROW} {fmt(b)} ({signed(b - a, fmt)})"


def _trainable(d: LayerDiff) -> str:
    def flag(info) -> str | None:
        if info is None:
            return None
        if info.children:
            return f"{info.trainable_params:,}"
        if not info.params:
            return "-"
        return "yes" if info.trainable else "no"

    return both(flag(d.old), flag(d.new))


def notes(d: LayerDiff) -> list[str]:
    out = [f"{c.what} {value_text(c.old)} {ARROW} {value_text(c.new)}" for c in d.changes]
    ia, ib = d.pair("input_shape")
    if ia is not None and ib is not None and ia != ib:
        out.append(f"input {shape_text(ia)} {ARROW} {shape_text(ib)}")
    if d.trainable_changed and not d.children:
        out.append("frozen → trainable" if d.new.trainable else "trainable → frozen")
    if d.children and d.status in ("same", "changed"):
        n = sum(1 for c in d.children if c.differs)
        if n:
            out.append(f"{n} inner layer(s) differ")
    return out


def row(d: LayerDiff) -> DiffRow:
    mark = MARKS[d.status]
    if d.status == "same" and d.differs:
        mark = "*"
    statement = d.statement("new") if d.new is not None else d.statement("old")
    field_a, field_b = d.cost_pair("field")
    return DiffRow(
        mark=mark,
        status=d.status,
        path=d.path if d.depth else both(*d.pair("name")),
        depth=d.depth,
        statement=statement or "",
        shape=both(*d.pair("output_shape"), shape_text),
        params=counted(*d.pair("params")),
        macs=counted(*d.cost_pair("macs")),
        activations=counted(*d.cost_pair("activation_bytes"), human_bytes),
        field=both(field_a, field_b, lambda f: f.text()),
        trainable=_trainable(d),
        notes="; ".join(notes(d)),
        differs=d.differs,
    )


def rows(diff: ModelDiff, everything: bool = False) -> list[DiffRow]:
    """Every top-level layer, and the layers inside a base that differ (all with ``everything``)."""
    out = []
    for d in diff.layers:
        out.append(row(d))
        if d.status in ("added", "removed") and not everything:
            continue  # a base added or removed as a whole: its layers stay folded
        out.extend(row(c) for c in d.children if everything or c.differs)
    return out


def model_name(source) -> str:
    return "(nothing)" if source.origin == "empty" else source.analysis.spec.name


def headline(diff: ModelDiff) -> str:
    if diff.same:
        return "no architecture or training difference"
    if diff.old.origin == "empty":
        return f"new model: {len(diff.layers)} layer(s)"
    if diff.new.origin == "empty":
        return f"model removed: {len(diff.layers)} layer(s)"
    c = diff.counts()
    parts = [f"{c['added']} layer(s) added", f"{c['removed']} removed", f"{c['changed']} changed"]
    settings = sum(len(s.changes) for s in diff.sections)
    if settings:
        parts.append(f"{settings} setting(s) changed")
    return ", ".join(parts)


def total_rows(diff: ModelDiff) -> list[tuple[str, str, str, str]]:
    """(what, old, new, delta) for the model totals and the receptive field."""
    out = []
    for what, a, b in diff.totals():
        fmt = human_bytes if "memory" in what or "activations" in what else (lambda v: f"{v:,}")
        out.append((what, fmt(a), fmt(b), signed(b - a, fmt)))
    fa, fb = diff.old_cost.output_field, diff.new_cost.output_field
    out.append(("receptive field (size /jump)", fa.text(), fb.text(), ""))
    return out


def setting_rows(diff: ModelDiff) -> list[tuple[str, str, str, str]]:
    """(section, what, old, new) for every changed model-wide setting."""
    return [
        (s.name, c.what, value_text(c.old), value_text(c.new))
        for s in diff.sections
        for c in s.changes
    ]
