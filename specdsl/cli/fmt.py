"""``specdsl fmt FILE...``: rewrite specs in canonical form (``--check`` only reports)."""

from __future__ import annotations

from pathlib import Path

import typer

from specdsl.cli.app import app
from specdsl.cli.common import EXIT_SPEC, EXIT_USAGE, fail, out, print_diagnostics
from specdsl.diagnostics import Diagnostic, SpecError


@app.command()
def fmt(
    files: list[Path] = typer.Argument(..., help="Spec files to format in place."),
    check: bool = typer.Option(
        False, "--check", help="Change nothing; exit 1 if a file would change."
    ),
    stdout: bool = typer.Option(
        False, "--stdout", help="Print the formatted text instead of writing."
    ),
) -> None:
    """Format specs canonically; comments are kept."""
    from specdsl.fileio import write_atomic
    from specdsl.syntax.format import format_spec
    from specdsl.syntax.parse import parse_with_diagnostics, read_spec_text

    color = spec_colors() if stdout else None
    changed = []
    for path in files:
        if not path.is_file():
            fail(f"no such spec file: {path}", EXIT_USAGE)
        try:  # the reader check uses: UTF-8, without a byte-order mark
            text = read_spec_text(path)
        except SpecError as e:
            print_diagnostics(list(e.diagnostics), None)
            raise typer.Exit(EXIT_SPEC) from None
        spec, diags = parse_with_diagnostics(text, str(path))
        if spec is None or diags.has_errors:
            errors = (d.with_file(str(path)) for d in diags if d.severity == "error")
            items = sorted(errors, key=Diagnostic.position)
            print_diagnostics(items, text)
            raise typer.Exit(EXIT_SPEC)
        new = format_spec(spec, text)
        if stdout:
            print(color(new) if color else new, end="")
            continue
        if new != text:
            changed.append(path)
            if not check:
                try:
                    write_atomic(path, new)
                except OSError as e:
                    fail(f"{path}: cannot write ({e.strerror or e})", EXIT_SPEC)
    for path in changed:
        typer.echo(f"{'would reformat' if check else 'reformatted'} {path}")
    if check and changed:
        raise typer.Exit(EXIT_SPEC)


def spec_colors():
    """The lexer's ANSI coloring when stdout is a color terminal and Pygments is installed.

    None otherwise (a pipe, a file, NO_COLOR, TTY_COMPATIBLE=0, no Pygments): plain text.
    FORCE_COLOR turns it on as for every rich output of specdsl.
    """
    if not out.is_terminal or out.no_color:
        return None
    try:
        from specdsl.highlight import ansi
    except ImportError:  # Pygments is in the lsp extra
        return None
    return ansi
