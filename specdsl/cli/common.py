"""What every command shares: loading specs with diagnostics, exit codes, consoles."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console

from specdsl.diagnostics import Diagnostic, SpecError, render_all

EXIT_OK, EXIT_SPEC, EXIT_USAGE = 0, 1, 2

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = EXIT_SPEC):
    """One clear line on stderr and the exit code; never a traceback."""
    from rich.markup import escape

    err.print(f"[bold red]error:[/] {escape(message)}", markup=True)
    raise typer.Exit(code)


def require_file(path: Path) -> Path:
    if not path.exists():
        fail(f"no such file: {path}", EXIT_USAGE)
    if path.is_dir():
        fail(f"{path} is a folder; give a .spec file", EXIT_USAGE)
    return path


def print_diagnostics(diags: list[Diagnostic], source: str | None, fmt: str = "text") -> None:
    if fmt == "json":
        from specdsl.diagnostics import to_json

        print(to_json(diags))
        return
    if diags:
        print(render_all(diags, source), file=sys.stderr)


def load_checked(path: Path):
    """Parse and check a spec file; on errors print them all and exit 1."""
    from specdsl.api import diagnose
    from specdsl.syntax.parse import read_spec_text

    require_file(path)
    try:
        text = read_spec_text(path)
    except SpecError as e:
        print_diagnostics(e.diagnostics, None)
        raise typer.Exit(EXIT_SPEC) from None
    analysis, items = diagnose(text, str(path))
    if any(d.severity == "error" for d in items):
        print_diagnostics(items, text)
        raise typer.Exit(EXIT_SPEC)
    if items:
        print_diagnostics(items, text)
    return analysis
