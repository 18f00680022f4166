"""The typer application: each command lives in its own small module under ``specdsl.cli``."""

from __future__ import annotations

import importlib
import os
import sys

import typer

from specdsl import __version__

app = typer.Typer(
    name="specdsl",
    help="A declarative model-spec compiler for convolutional networks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Command modules; each registers its commands on ``app`` when imported.
COMMANDS = (
    "check",
    "summary",
    "fmt",
    "schema",
    "build",
    "diff",
    "export",
    "graph",
    "run",
    "eval",
    "verify",
    "importer",
    "train",
    "augment",
    "curves",
    "lsp",
    "completion",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"specdsl {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """specdsl: write a CNN like a lecture slide; check it, summarize it, compile it."""


for _name in COMMANDS:
    importlib.import_module(f"specdsl.cli.{_name}")


def main() -> None:
    if os.environ.get("_SPECDSL_COMPLETE"):  # the shell asks for completions
        from specdsl.cli.completion import complete

        complete()
    from specdsl.cli.train import optional_values

    app(args=optional_values(sys.argv[1:]))
