"""``specdsl summary FILE``: a table like Keras's ``model.summary()``, plus MACs."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from specdsl.cli.app import app
from specdsl.cli.common import EXIT_USAGE, fail, load_checked, out
from specdsl.cli.fmt import spec_colors


@app.command()
def summary(
    file: Path = typer.Argument(..., help="The spec file."),
    expand: bool = typer.Option(False, "--expand", "-e", help="Show the layers inside a base."),
    format: str = typer.Option("table", "--format", help="table, plain or json."),
    cost: bool = typer.Option(
        False, "--cost", help="Add activation memory and receptive field per layer."
    ),
    batch_size: int | None = typer.Option(
        None, "--batch-size", "-b", min=1, help="Batch for activation memory (implies --cost)."
    ),
) -> None:
    """Print every layer's output shape, parameters, MACs and trainable flag, and the totals."""
    from specdsl.review import summary as s

    if format not in ("table", "plain", "json"):
        fail(f"unknown format '{format}' (table, plain or json)", EXIT_USAGE)
    a = load_checked(file)
    report = None
    if cost or batch_size is not None:
        from specdsl.review.cost import cost_report

        report = cost_report(a, batch_size)
    if format == "json":
        data = s.as_json(a, expand=True)
        if report is not None:
            data["cost"] = report.as_json()
        print(json.dumps(data, indent=2))
        return
    if format == "plain":
        print(s.plain(a, expand), end="")
        if report is not None:
            from specdsl.review.cost import plain

            print(plain(report, expand), end="")
        return
    from rich.console import Console
    from rich.table import Table

    columns = [("Layer (type)", "left"), ("Output Shape", "left"), ("Param #", "right")]
    columns += [("MACs", "right"), ("Trainable", "center")]
    graph = a.is_graph  # once: it looks at every layer
    if graph:  # as Keras prints a functional model that is not a chain
        columns.append(("Connected to", "left"))
    if report is not None:
        from specdsl.review.cost import by_layer, human_bytes

        costs = by_layer(report)
        columns += [("Activations", "right"), ("Receptive field", "right")]
    rows, names = [], []
    for r in s.rows(a, expand):
        name = ("  └ " if r.depth else "") + r.type_text
        flag = "[green]yes[/]" if r.trainable else "[red]no[/]"
        if r.keras_class == "InputLayer" or (r.params == 0 and r.trainable):
            flag = "-" if r.params == 0 else flag
        cells = [name, r.shape_text, f"{r.params:,}", f"{r.macs:,}" if r.macs else "0", flag]
        if graph:
            cells.append(r.connected_text or "-")
        if report is not None:
            c = costs.get((r.depth, r.name))
            if r.depth == 0 and r.keras_class == "InputLayer":
                cells += [human_bytes(report.input_bytes), "1"]
            else:
                cells += [human_bytes(c.activation_bytes), c.field.text()] if c else ["", ""]
        rows.append(cells)
        names.append(r.name if r.depth == 0 else None)

    def table(spec_column: dict[str, str] | None = None) -> Table:
        t = Table(title=f'Model: "{a.spec.name}"', title_justify="left")
        for header, justify in columns:
            t.add_column(header, justify=justify)
        if spec_column is not None:
            t.add_column("Spec")
        for cells, name in zip(rows, names, strict=True):
            if spec_column is not None:
                statement = spec_column.get(name, "") if name else ""
                cells = [*cells, rich_text(statement) if statement else ""]
            t.add_row(*cells)
        return t

    console = out if out.is_terminal else Console(highlight=False, width=120)
    shown = table()
    if spec_colors():  # a color terminal: each layer's statement too, highlighted, if it fits
        from rich.measure import Measurement

        from specdsl.highlight import rich_text

        wide = table(_statements(a, file))
        unbounded = console.options.update(max_width=10**6)  # its natural width, unwrapped
        if Measurement.get(console, unbounded, wide).maximum <= console.width:
            shown = wide
    console.print(shown)
    t = s.totals(a)
    out.print(f" Total params: {t['total_params']:,} ({s.human_bytes(4 * t['total_params'])})")
    out.print(
        f" Trainable params: {t['trainable_params']:,} ({s.human_bytes(4 * t['trainable_params'])})"
    )
    out.print(
        f" Non-trainable params: {t['non_trainable_params']:,} "
        f"({s.human_bytes(4 * t['non_trainable_params'])})"
    )
    out.print(f" MACs per example: {t['macs']:,}")
    if a.spec.training.precision != "float32":
        out.print(f" Training precision: {a.spec.training.precision} (weights stay float32)")
    if report is not None:
        out.print(
            f" Activation memory (batch {report.batch_size}, float32): "
            f"{human_bytes(report.activation_bytes)} all outputs, "
            f"peak {human_bytes(report.peak_bytes)}; receptive field "
            f"{report.output_field.text()} (size /jump)"
        )
    for st in a.stages:
        out.print(
            f" stage {st.stage.name}: trainable {st.trainable_params:,}, "
            f"frozen {st.non_trainable_params:,}"
        )


def _statements(a, file: Path) -> dict[str, str]:
    """Each layer's statement as written (its first line), by layer name."""
    lines = file.read_text(encoding="utf-8").splitlines()
    out: dict[str, str] = {}
    for info in a.layers:
        span = info.layer.span
        if span is None or not 0 < span.line <= len(lines):
            continue
        line = lines[span.line - 1]
        end = span.end_column - 1 if span.end_line == span.line else len(line)
        out[info.layer.name] = line[span.column - 1 : end].strip()
    return out
