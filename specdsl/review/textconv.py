"""A stable plain-text view of a spec for ``git diff``/``git log -p`` (a git *textconv*).

Git diffs this text instead of the file: the layers with shapes, parameters, MACs and frozen
flags, then the freezing and training settings, one per line. Formatting and comments do not
appear, so a change that only reformats a spec shows no difference. A spec with errors (work in
progress) is shown as its own text under a note, so git never fails on it.
"""

from __future__ import annotations

from pathlib import Path

from specdsl.check.analysis import Analysis
from specdsl.review.cost import cost_report, human_bytes
from specdsl.review.summary import plain
from specdsl.syntax.format import fmt_num, layer_text


def settings_lines(a: Analysis) -> list[str]:
    spec, t = a.spec, a.spec.training
    lines = []
    if spec.classes:
        lines.append("classes: " + " ".join(spec.classes))
    for info in a.layers:
        if info.kind == "base":
            lines.append(f"base: {layer_text(info.layer)}")
    for op in spec.freeze:
        lines.append(op.text())
    if t.loss:
        lines.append(f"loss: {t.loss}")
    opt = t.optimizer
    lr = f" lr={fmt_num(opt.learning_rate)}" if opt.learning_rate is not None else ""
    lines.append(f"optimizer: {opt.name}{lr}")
    if t.metrics:
        lines.append("metrics: " + ", ".join(t.metrics))
    if t.epochs is not None:
        lines.append(f"epochs: {t.epochs}")
    if t.batch_size is not None:
        lines.append(f"batch: {t.batch_size}")
    if t.checkpoint is not None:
        lines.append(f"checkpoint: {t.checkpoint.monitor or 'none'}")
    lines.append(f"strategy: {t.strategy}")
    lines.append(f"precision: {t.precision}")
    for st in a.stages:
        s = st.stage
        parts = [op.text() for op in s.freeze]
        if s.optimizer is not None:
            o = s.optimizer
            parts.append(
                f"optimizer {o.name}"
                + (f" lr={fmt_num(o.learning_rate)}" if o.learning_rate is not None else "")
            )
        if s.epochs is not None:
            parts.append(f"epochs {s.epochs}")
        parts.append(f"trainable {st.trainable_params:,}")
        lines.append(f"stage {s.name}: " + "; ".join(parts))
    return lines


def textconv(path: Path) -> str:
    from specdsl.api import load
    from specdsl.diagnostics import SpecError

    try:
        a = load(path)
    except SpecError as e:
        errors = [d for d in e.diagnostics if d.severity == "error"]
        first = errors[0].message if errors else "errors"
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
        return f"# specdsl: this spec does not check ({first}); its text follows\n{text}"
    cost = cost_report(a)
    lines = [plain(a, expand=True).rstrip("\n")]
    lines.append(
        f"activation memory (batch {cost.batch_size}, float32): "
        f"{human_bytes(cost.activation_bytes)}; receptive field {cost.output_field.text()}"
    )
    lines.extend(settings_lines(a))
    return "\n".join(lines) + "\n"
