"""``specdsl diff A B``: what changed in the architecture, the shapes, the cost and the training.

Also git's external diff driver: git calls ``specdsl diff`` with seven arguments (path, old file,
old hash, old mode, new file, new hash, new mode; nine for a rename) and expects exit 0. And the
hidden ``specdsl textconv FILE`` that git runs for ``git log -p``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import typer

from specdsl.cli.app import app
from specdsl.cli.common import EXIT_USAGE, fail

FORMATS = ("terminal", "markdown", "json")
EXIT_SAME, EXIT_DIFFERENT, EXIT_ERROR = 0, 1, 2


@app.command()
def diff(
    files: list[str] = typer.Argument(
        ..., help="Two models: .spec, .keras or .onnx files (or the 7 arguments git passes)."
    ),
    format: str = typer.Option("terminal", "--format", "-f", help="terminal, markdown or json."),
    batch_size: int | None = typer.Option(
        None, "--batch-size", "-b", min=1, help="Batch for activation memory (default: the spec's)."
    ),
    everything: bool = typer.Option(
        False, "--all", "-a", help="Also list the unchanged layers inside a base."
    ),
    old_label: str | None = typer.Option(None, "--old-label", help="Name the first file so."),
    new_label: str | None = typer.Option(None, "--new-label", help="Name the second file so."),
) -> None:
    """Compare two models layer by layer; exit 0 when the same, 1 when different, 2 on error."""
    if format not in FORMATS:
        fail(f"unknown format '{format}' ({', '.join(FORMATS)})", EXIT_USAGE)
    if len(files) in (7, 9):
        _git(files, format, batch_size, everything)
        return
    if len(files) != 2:
        fail(f"give two model files to compare (got {len(files)})", EXIT_ERROR)
    from specdsl.review.sources import SourceError, empty_source, load_source

    if files[0] == os.devnull and files[1] == os.devnull:
        fail("give at least one model file", EXIT_ERROR)
    try:
        old = None if files[0] == os.devnull else load_source(files[0])
        new = None if files[1] == os.devnull else load_source(files[1])
    except SourceError as e:
        fail(str(e), EXIT_ERROR)
    old = old or empty_source(os.devnull, new.analysis)
    new = new or empty_source(os.devnull, old.analysis)
    old.label = old_label or old.label
    new.label = new_label or new.label
    same = _show(old, new, format, batch_size, everything)
    raise typer.Exit(EXIT_SAME if same else EXIT_DIFFERENT)


def _show(old, new, format: str, batch_size, everything: bool) -> bool:
    from specdsl.review.diff import diff_models

    d = diff_models(old, new, batch_size)
    try:
        _print(d, format, everything)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away (``| head``): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return d.same


def _print(d, format: str, everything: bool) -> None:
    if format == "json":
        from specdsl.review.diff_json import as_json

        print(json.dumps(as_json(d), indent=2))
    elif format == "markdown":
        from specdsl.review.diff_markdown import render

        print(render(d, everything), end="")
    else:
        from rich.console import Console

        from specdsl.review.diff_render import render

        # under git's pager (git diff), keep the colors: the pager shows them (less -R)
        pager = bool(os.environ.get("GIT_PAGER_IN_USE"))
        tty = sys.stdout.isatty()

        class QuietConsole(Console):
            def on_broken_pipe(self) -> None:  # rich would exit 1; git takes that as a crash
                self.quiet = True
                raise BrokenPipeError

        console = QuietConsole(
            highlight=False,
            width=None if tty else 200,
            force_terminal=True if pager else None,
        )
        render(d, console, everything)


def _git(args: list[str], format: str, batch_size, everything: bool) -> None:
    """Git's external diff: ``path old-file old-hex old-mode new-file new-hex new-mode``."""
    from specdsl.review.sources import SourceError, empty_source, load_source

    path, old_file, new_file = args[0], args[1], args[4]
    new_path = args[7] if len(args) == 9 else path
    try:
        new = None if new_file == os.devnull else load_source(new_file)
        old = None if old_file == os.devnull else load_source(old_file)
    except SourceError as e:
        _text_fallback(path, old_file, new_file, str(e))
        return
    old = old or empty_source("/dev/null", new.analysis if new else None)
    new = new or empty_source("/dev/null", old.analysis)
    if old.origin != "empty":
        old.label = f"a/{path}"
    if new.origin != "empty":
        new.label = f"b/{new_path}"
    _show(old, new, format, batch_size, everything)


def _text_fallback(path: str, old_file: str, new_file: str, problem: str) -> None:
    """A spec that does not check (work in progress): say why, then a plain text diff."""
    import difflib

    def lines(f: str) -> list[str]:
        if f == os.devnull:
            return []
        try:
            return Path(f).read_text(encoding="utf-8", errors="replace").splitlines(True)
        except OSError:
            return []

    print(f"specdsl diff: {problem}; showing a text diff of {path}")
    sys.stdout.writelines(
        difflib.unified_diff(lines(old_file), lines(new_file), f"a/{path}", f"b/{path}")
    )


@app.command(hidden=True)
def textconv(file: Path = typer.Argument(..., help="A spec file.")) -> None:
    """A stable plain summary of a spec for git's textconv (``git log -p``)."""
    from specdsl.review.textconv import textconv as convert

    if not file.is_file():
        fail(f"no such file: {file}", EXIT_USAGE)
    sys.stdout.write(convert(file))
