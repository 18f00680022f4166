"""``specdsl check FILE...``: parse and check specs; report every error and warning."""

from __future__ import annotations

from pathlib import Path

import typer

from specdsl.cli.app import app
from specdsl.cli.common import EXIT_SPEC, EXIT_USAGE, fail, print_diagnostics


@app.command()
def check(
    files: list[Path] = typer.Argument(..., help="Spec files to check."),
    format: str = typer.Option("text", "--format", help="text or json (for editors)."),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
) -> None:
    """Check specs: syntax, names, shapes, freezing, training settings."""
    from specdsl.api import diagnose
    from specdsl.diagnostics import SpecError
    from specdsl.syntax.parse import read_spec_text

    if format not in ("text", "json"):
        fail(f"unknown format '{format}' (text or json)", EXIT_USAGE)
    all_diags = []
    bad = False
    for path in files:
        if not path.exists() or path.is_dir():
            fail(f"no such spec file: {path}", EXIT_USAGE)
        try:
            text = read_spec_text(path)
        except SpecError as e:
            all_diags.extend(e.diagnostics)
            bad = True
            continue
        _, items = diagnose(text, str(path))
        if any(d.severity == "error" for d in items) or (strict and items):
            bad = True
        if format == "text":
            print_diagnostics(items, text)
            if not any(d.severity == "error" for d in items):
                typer.echo(f"{path}: ok" + (f" ({len(items)} warning(s))" if items else ""))
        all_diags.extend(items)
    if format == "json":
        print_diagnostics(all_diags, None, "json")
    if bad:
        raise typer.Exit(EXIT_SPEC)
