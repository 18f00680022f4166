"""``specdsl import MODEL -o model.spec``: a spec from a Keras ``.keras`` or an ONNX file."""

from __future__ import annotations

from pathlib import Path

import typer

from specdsl.cli.app import app
from specdsl.cli.common import EXIT_SPEC, fail


@app.command("import")
def import_(
    file: Path = typer.Argument(..., help="A .keras file or an .onnx file written by specdsl."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="The .spec file to write (default: print it)."
    ),
) -> None:
    """Write the spec of a saved model (its layers, freezing and what else the file records)."""
    from specdsl.review.importers import ImportFailed, import_model
    from specdsl.syntax.format import format_spec

    try:
        imported = import_model(file)
    except ImportFailed as e:
        fail(str(e), EXIT_SPEC)
    header = [f"# imported from {file.name} by specdsl import"]
    header += [f"# {note}" for note in imported.notes]
    text = "\n".join(header) + "\n" + format_spec(imported.spec)
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    a = imported.analysis
    typer.echo(
        f"{output}  ({len(a.layers)} layers, {a.total_params:,} params, "
        f"{a.trainable_params:,} trainable)"
    )
