"""The canonical printer: IR -> spec text. ``parse(format(x)) == parse(x)``; idempotent.

Statements come out in a fixed order (header, layers, freezing, training, stages), one per
line, in their shortest form; consecutive augmentation layers share one ``augment`` line.
Comments of the source are kept: a whole-line comment stays before the statement it
preceded, a trailing comment stays on its statement's line.

Here: the statements of a spec in order. A layer's own text is in
:mod:`specdsl.syntax.format_layers`, numbers and strings in :mod:`specdsl.syntax.format_values`,
comments and the layout around them in :mod:`specdsl.syntax.format_comments`; their public
names are importable from here too.
"""

from __future__ import annotations

from specdsl import ir
from specdsl.syntax.format_comments import Line, comment_start, render, source_comments
from specdsl.syntax.format_layers import TEXT, aug_text, layer_text
from specdsl.syntax.format_values import fmt_num, label, quote

__all__ = [
    "TEXT",
    "Line",
    "aug_text",
    "comment_start",
    "fmt_num",
    "format_spec",
    "layer_text",
    "quote",
]


def _line(node) -> int | None:
    span = getattr(node, "span", None)
    return span.line if span else None


def _block_lines(block: ir.BlockDef) -> list[Line]:
    """A block as written: its header, its body's statements (placeholders and all), 'end'."""
    params = ", ".join(
        p.name if p.default is None else f"{p.name}={p.default}" for p in block.params
    )
    out = [Line("", None), Line(f"block {block.name}({params}):", _line(block))]
    out += [Line(b.stmt, _line(b), 2) for b in block.body]
    out.append(Line("end", block.end_span.line if block.end_span else None))
    return [*out, Line("", None)]  # a block stands apart from the layers around it


def _layer_lines(spec: ir.ModelSpec) -> list[Line]:
    layers = spec.layers
    out: list[Line] = []
    names = ir.AutoNames()
    group: list = []
    blocks = {}  # layer index -> the blocks defined just above it
    for b in spec.blocks:
        blocks.setdefault(min(b.at, len(layers)), []).append(b)
    calls = {}  # layer index -> the calls whose expansion starts there
    for c in spec.calls:
        calls.setdefault(c.first, []).append(c)
    skip = 0  # layers of a call still to go (written as the call)

    def flush():
        if group:
            out.append(Line("augment " + "; ".join(aug_text(g) for g in group), _line(group[0])))
            group.clear()

    def written(i: int) -> int:
        """Blocks defined and calls made before layer i; how many layers the calls give."""
        count = 0
        if i in blocks or i in calls:
            flush()
        for b in blocks.get(i, ()):
            out.extend(_block_lines(b))
        for c in calls.get(i, ()):
            out.append(Line(c.call, _line(c)))
            count += c.count
        return count

    for i, layer in enumerate(layers):
        skip += written(i)
        prefix = names.prefix(layer.kind, getattr(layer, "arch", None))
        is_auto = layer.name == names.peek(prefix)
        if is_auto:
            names.take(prefix)
        if skip:
            skip -= 1
            continue
        if layer.kind in ir.AUGMENT_KINDS and is_auto:
            group.append(layer)
            continue
        flush()
        if layer.kind in ir.AUGMENT_KINDS:
            out.append(Line(f"{layer.name}: augment {aug_text(layer)}", _line(layer)))
        elif layer.kind == "base":
            text = layer_text(layer) + ("" if is_auto else f" name={quote(layer.name)}")
            out.append(Line(text, _line(layer)))
        else:
            text = layer_text(layer)
            if layer.inputs and not ir.kind_of(layer).merge:
                text += f" from {layer.inputs[0]}"
            out.append(Line(("" if is_auto else f"{layer.name}: ") + text, _line(layer)))
    flush()
    written(len(layers))
    return out


def _optimizer(opt: ir.Optimizer) -> str:
    return f"optimizer {opt.name}" + (
        f" lr={fmt_num(opt.learning_rate)}" if opt.learning_rate is not None else ""
    )


def _training_lines(t: ir.Training) -> list[Line]:
    spans = t.field_spans
    out: list[Line] = []

    def add(key: str, text: str) -> None:
        s = spans.get(key)
        out.append(Line(text, s.line if s else None))

    if t.loss:
        add("loss", f"loss {t.loss}")
    if "optimizer" in spans or t.optimizer != ir.Optimizer():
        add("optimizer", _optimizer(t.optimizer))
    if t.metrics:
        add("metrics", "metrics " + ", ".join(t.metrics))
    if t.epochs is not None:
        add("epochs", f"epochs {t.epochs}")
    if t.batch_size is not None:
        add("batch_size", f"batch {t.batch_size}")
    if t.checkpoint is not None:
        m = t.checkpoint.monitor
        add("checkpoint", f"checkpoint best {m}" if m else "checkpoint none")
    if t.strategy != "fit" or "strategy" in spans:
        add("strategy", f"strategy {t.strategy}")
    if t.precision != "float32" or "precision" in spans:
        add("precision", f"precision {t.precision}")
    return out


def _stage_lines(stage: ir.Stage) -> list[Line]:
    out = [Line(f"stage {stage.name}:", _line(stage))]
    for op in stage.freeze:
        out.append(Line(op.text(), _line(op), 2))
    if stage.optimizer is not None:
        out.append(Line(_optimizer(stage.optimizer), _line(stage.optimizer), 2))
    if stage.epochs is not None:
        out.append(Line(f"epochs {stage.epochs}", None, 2))
    return out


def format_spec(spec: ir.ModelSpec, source: str | None = None) -> str:
    """Canonical text of a spec; with the original ``source``, its comments are kept."""
    header = [Line(f"model {spec.name}", None)]
    if spec.input_shape:
        header.append(Line("input " + "x".join(map(str, spec.input_shape)), None))
    if spec.classes:
        header.append(Line("classes " + " ".join(label(c) for c in spec.classes), None))
    groups = [header, _layer_lines(spec), [Line(op.text(), _line(op)) for op in spec.freeze]]
    groups.append(_training_lines(spec.training))
    for stage in spec.training.stages:
        groups.append(_stage_lines(stage))
    groups = [g for g in groups if g]
    comments = source_comments(source) if source else []
    return render(groups, comments, source)
