"""The diff for a terminal: rich tables, colored by what happened to each layer.

Without a terminal (a pipe, ``git diff`` through a pager) rich prints the same tables without
colors, so the text stays readable in logs.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from specdsl.review.diff import ModelDiff
from specdsl.review.diff_rows import headline, rows, setting_rows, total_rows

STYLES = {"+": "green", "-": "red", "~": "yellow", "*": "cyan", " ": "dim"}


def render(diff: ModelDiff, console: Console, everything: bool = False) -> None:
    old, new = diff.old, diff.new
    title = Text("specdsl diff ", style="bold")
    title.append(old.label, style="red")
    title.append(" → ")
    title.append(new.label, style="green")
    console.print(title)
    console.print(Text(headline(diff), style="bold" if not diff.same else "green"))
    if diff.not_compared:
        console.print(
            Text("not compared (not recorded in both files): " + ", ".join(diff.not_compared)),
            style="dim",
        )
    if diff.same and not everything:
        return
    _layers(diff, console, everything)
    settings = setting_rows(diff)
    if settings:
        table = Table(title="Settings", title_justify="left", show_edge=False)
        for col in ("section", "setting", "old", "new"):
            table.add_column(col)
        for section, what, a, b in settings:
            table.add_row(section, what, Text(a, style="red"), Text(b, style="green"))
        console.print(table)
    table = Table(title="Totals", title_justify="left", show_edge=False)
    for col, just in (("", "left"), ("old", "right"), ("new", "right"), ("change", "right")):
        table.add_column(col, justify=just)
    for what, a, b, delta in total_rows(diff):
        style = "" if delta in ("±0", "") else "bold"
        table.add_row(what, a, b, Text(delta, style=style))
    console.print(table)


def _layers(diff: ModelDiff, console: Console, everything: bool) -> None:
    table = Table(
        title=f"Layers (activation memory for batch {diff.batch_size}, float32)",
        title_justify="left",
        show_edge=False,
    )
    columns = ("", "layer", "statement", "output shape", "params", "MACs", "activations", "RF")
    for col in columns:
        table.add_column(
            col, justify="right" if col in ("params", "MACs", "activations") else "left"
        )
    table.add_column("trainable")
    table.add_column("what changed")
    for r in rows(diff, everything):
        style = STYLES[r.mark]
        name = ("  " * r.depth) + r.path
        table.add_row(
            Text(r.mark, style=style),
            Text(name, style=style),
            r.statement,
            r.shape,
            r.params,
            r.macs,
            r.activations,
            r.field,
            r.trainable,
            Text(r.notes, style=style if r.differs else ""),
            style="dim" if not r.differs else None,
        )
    console.print(table)
