"""The diff as GitHub-flavoured Markdown, for a pull-request comment."""

from __future__ import annotations

from specdsl.review.diff import ModelDiff
from specdsl.review.diff_rows import headline, model_name, rows, setting_rows, total_rows

ICONS = {"+": "➕", "-": "➖", "~": "✏️", "*": "🔁", " ": ""}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    return f"`{text}`" if text else ""


def render(diff: ModelDiff, everything: bool = False) -> str:
    old, new = diff.old, diff.new
    lines = [
        f"### specdsl diff: `{model_name(old)}` → `{model_name(new)}`",
        "",
        f"`{old.label}` → `{new.label}`: **{headline(diff)}**",
    ]
    if diff.not_compared:
        lines += [
            "",
            "_Not compared (not recorded in both files): " + ", ".join(diff.not_compared) + "._",
        ]
    if diff.same and not everything:
        return "\n".join(lines) + "\n"
    lines += [
        "",
        f"#### Layers (activation memory for batch {diff.batch_size}, float32)",
        "",
        "| | layer | statement | output shape | params | MACs | activations | RF | trainable "
        "| what changed |",
        "|---|---|---|---|--:|--:|--:|---|---|---|",
    ]
    for r in rows(diff, everything):
        name = _code(r.path)
        if r.differs:
            name = f"**{name}**"
        cells = [
            ICONS[r.mark],
            ("&nbsp;&nbsp;" * r.depth) + name,
            _code(r.statement),
            r.shape,
            r.params,
            r.macs,
            r.activations,
            r.field,
            r.trainable,
            r.notes,
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    settings = setting_rows(diff)
    if settings:
        lines += ["", "#### Settings", "", "| section | setting | old | new |", "|---|---|---|---|"]
        for section, what, a, b in settings:
            lines.append(f"| {section} | {_cell(what)} | {_code(_cell(a))} | {_code(_cell(b))} |")
    lines += ["", "#### Totals", "", "| | old | new | change |", "|---|--:|--:|--:|"]
    for what, a, b, delta in total_rows(diff):
        bold = delta not in ("±0", "")
        lines.append(f"| {what} | {a} | {b} | {f'**{delta}**' if bold else delta} |")
    return "\n".join(lines) + "\n"
