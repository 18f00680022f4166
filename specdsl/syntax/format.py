"""The canonical printer: IR -> spec text. ``parse(format(x)) == parse(x)``; idempotent.

Statements come out in a fixed order (header, layers, freezing, training, stages), one per
line, in their shortest form; consecutive augmentation layers share one ``augment`` line.
Comments of the source are kept: a whole-line comment stays before the statement it
preceded, a trailing comment stays on its statement's line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from specdsl import ir
from specdsl.ir.registry import KindTable


@dataclass
class Line:
    text: str
    anchor: int | None  # source line it came from, for placing comments
    indent: int = 0


def fmt_num(x: float) -> str:
    if float(x).is_integer() and abs(x) < 1e6:
        return str(int(x))
    r = repr(float(x))
    if "e" in r:
        mant, exp = r.split("e")
        r = f"{mant}e{int(exp)}"
    return r


def _line(node) -> int | None:
    span = getattr(node, "span", None)
    return span.line if span else None


def _kernel(pair: tuple[int, int], prefix: str) -> str:
    return f"{prefix}{pair[0]}" if pair[0] == pair[1] else f"{prefix}{pair[0]}x{pair[1]}"


TEXT = KindTable("the formatter")


def layer_text(layer) -> str:
    """The statement for one layer, without its name."""
    return TEXT.lookup(layer)(layer)


def _window_opts(strides, default_strides, padding: str) -> list[str]:
    parts = []
    if strides is not None and strides != default_strides:
        parts.append(_kernel(strides, "s"))
    if padding == "same":
        parts.append("same")
    return parts


def _act_bias(layer, act_first: bool) -> list[str]:
    act = [layer.activation] if layer.activation else []
    bias = [] if layer.use_bias else ["nobias"]
    return act + bias if act_first else bias + act


@TEXT.register(ir.Conv2D, ir.DepthwiseConv2D, ir.SeparableConv2D)
def _conv(layer) -> str:
    word = ir.kind_of(layer).keywords[0]
    filters = getattr(layer, "filters", None)  # dwconv has none: its outputs follow its input
    parts = [word if filters is None else f"{word} {filters}", _kernel(layer.kernel, "k")]
    parts += _window_opts(layer.strides, (1, 1), layer.padding)
    if getattr(layer, "depth_multiplier", 1) != 1:
        parts.append(f"depth_multiplier={layer.depth_multiplier}")
    return " ".join(parts + _act_bias(layer, act_first=False))


@TEXT.register(ir.ZeroPadding2D)
def _zeropad(layer: ir.ZeroPadding2D) -> str:
    if layer.correct is not None:
        return f"zeropad k{layer.correct}"
    t, b, left, r = layer.pads
    if t == b and left == r:
        return f"zeropad {t}" if t == left else f"zeropad {t}x{left}"
    return f"zeropad top={t} bottom={b} left={left} right={r}"


@TEXT.register(ir.MaxPool2D, ir.AvgPool2D)
def _pool(layer: ir.Pool2D) -> str:
    word = ir.kind_of(layer).keywords[0]
    parts = [f"{word} {layer.pool[0]}"]
    if layer.strides is not None:  # written, even when equal to the pool size
        parts.append(_kernel(layer.strides, "s"))
    return " ".join(parts + _window_opts(None, None, layer.padding))


@TEXT.register(ir.GlobalAvgPool2D, ir.GlobalMaxPool2D, ir.Flatten)
def _keyword(layer) -> str:
    return ir.kind_of(layer).keywords[0]


@TEXT.register(ir.Dense)
def _dense(layer: ir.Dense) -> str:
    return " ".join([f"dense {layer.units}", *_act_bias(layer, act_first=True)])


@TEXT.register(ir.Dropout)
def _dropout(layer: ir.Dropout) -> str:
    return f"dropout {fmt_num(layer.rate)}"


@TEXT.register(ir.BatchNorm)
def _batchnorm(layer: ir.BatchNorm) -> str:
    parts = ["batchnorm"]
    if layer.momentum != 0.99:
        parts.append(f"momentum={fmt_num(layer.momentum)}")
    if layer.epsilon != 0.001:
        parts.append(f"epsilon={fmt_num(layer.epsilon)}")
    return " ".join(parts)


@TEXT.register(ir.Activation)
def _activation(layer: ir.Activation) -> str:
    return f"activation {layer.activation}"


@TEXT.register(ir.Rescale)
def _rescale(layer: ir.Rescale) -> str:
    text = layer.text if layer.text and "/" in layer.text else fmt_num(layer.scale)
    return f"rescale {text}" + (f" offset={fmt_num(layer.offset)}" if layer.offset else "")


@TEXT.register(ir.Preprocess)
def _preprocess(layer: ir.Preprocess) -> str:
    return f"preprocess {layer.mode}"


@TEXT.register(ir.Base)
def _base(layer: ir.Base) -> str:
    parts = [f"base {layer.arch}"]
    if layer.weights is not None:
        w = layer.weights
        parts.append(f"weights={w}" if _BARE_VALUE.fullmatch(w) else f"weights={quote(w)}")
    return " ".join(parts)


@TEXT.register(ir.RandomFlip)
def _flip(layer: ir.RandomFlip) -> str:
    return f"flip {layer.mode}"


@TEXT.register(ir.RandomRotation, ir.RandomZoom, ir.RandomContrast, ir.RandomTranslation)
def _aug_factor(layer) -> str:
    return f"{ir.kind_of(layer).keywords[0]} {fmt_num(layer.factor)}"


@TEXT.register(ir.Add, ir.Concatenate, ir.Multiply)
def _merge(layer) -> str:
    return f"{ir.kind_of(layer).keywords[0]} {', '.join(layer.inputs)}"


@TEXT.register(ir.InputLayer)
def _input_entry(layer: ir.InputLayer) -> str:
    """A base's input entry is implied by the base; it never stands in a spec."""
    return ""


aug_text = layer_text  # an augmentation op's text, as it stands after 'augment'


def quote(s: str) -> str:
    r"""A STRING token for ``s`` under the string rules of :mod:`specdsl.syntax.tokens`:
    ``\\`` and ``\"`` escaped, invisible characters as ``\uXXXX`` or ``\UXXXXXXXX``."""
    out = []
    for c in s:
        if c in '"\\':
            out.append("\\" + c)
        elif c == " " or c.isprintable():
            out.append(c)
        elif ord(c) <= 0xFFFF:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(f"\\U{ord(c):08x}")
    return '"' + "".join(out) + '"'


_BARE_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*|\d+")  # NAME or INT: reads back as is
_BARE_VALUE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _label(s: str) -> str:
    """A class label bare when it reads back as the same label, else quoted."""
    return s if _BARE_LABEL.fullmatch(s) else quote(s)


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
        header.append(Line("classes " + " ".join(_label(c) for c in spec.classes), None))
    groups = [header, _layer_lines(spec), [Line(op.text(), _line(op)) for op in spec.freeze]]
    groups.append(_training_lines(spec.training))
    for stage in spec.training.stages:
        groups.append(_stage_lines(stage))
    groups = [g for g in groups if g]
    comments = _comments(source) if source else []
    return _render(groups, comments, source)


def _comments(source: str) -> list[tuple[int, str, bool]]:
    """(line, text, whole_line) for every comment of the source."""
    out = []
    for i, raw in enumerate(_source_lines(source), start=1):
        pos = comment_start(raw)
        if pos is None:
            continue
        whole = not raw[:pos].replace(";", " ").strip()  # nothing but separators before it
        out.append((i, raw[pos:].rstrip(), whole))
    return out


def _source_lines(source: str) -> list[str]:
    """The lines as the parser counts them: only "\\n" ends a line (not "\\f" or U+2028)."""
    return [line.removesuffix("\r") for line in source.split("\n")]


def comment_start(line: str) -> int | None:
    """Where a ``#`` comment starts on the line: not inside a string (escapes followed)."""
    in_string = escaped = False
    for i, c in enumerate(line):
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c == "#":
            return i
    return None


def _render(groups: list[list[Line]], comments, source: str | None) -> str:
    # Header statements: anchor them to their source lines when the source has them.
    if source:
        _anchor_header(groups[0], source)
    trailing = {ln: text for ln, text, whole in comments if not whole}
    leading = sorted((ln, text) for ln, text, whole in comments if whole)
    out: list[str] = []
    used_trailing: set[int] = set()
    # A trailing comment goes with the last statement printed from its source line.
    last_of_line = {line.anchor: id(line) for group in groups for line in group}
    for gi, group in enumerate(groups):
        if gi:
            out.append("")
        for line in group:
            if line.anchor is not None:
                while leading and leading[0][0] < line.anchor:
                    _, text = leading.pop(0)
                    if (
                        out
                        and out[-1] != ""
                        and gi
                        and line is group[0]
                        and not _is_comment(out[-1])
                    ):
                        out.append("")
                    out.append(" " * line.indent + text)
            text = " " * line.indent + line.text
            if line.anchor in trailing and last_of_line.get(line.anchor) == id(line):
                text += "  " + trailing[line.anchor]
                used_trailing.add(line.anchor)
            out.append(text)
    # Comments left over (after the last statement, or on a line whose statement is printed
    # elsewhere) close the file as one block, as they will stand there on the next fmt.
    left = leading + [(ln, text) for ln, text in trailing.items() if ln not in used_trailing]
    if left:
        out.append("")
        out.extend(text for _, text in sorted(left))
    # Collapse blank runs created around moved comments.
    cleaned: list[str] = []
    for line in out:
        if line == "" and (not cleaned or cleaned[-1] == ""):
            continue
        cleaned.append(line)
    while cleaned and cleaned[-1] == "":
        cleaned.pop()
    return "\n".join(cleaned) + "\n"


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _anchor_header(header: list[Line], source: str) -> None:
    words = {"model": None, "input": None, "classes": None}
    for i, raw in enumerate(_source_lines(source), start=1):
        for stmt in raw.split(";"):
            w = stmt.strip().split(" ", 1)[0]
            if w in words and words[w] is None:
                words[w] = i
    for line in header:
        line.anchor = words.get(line.text.split(" ", 1)[0])
