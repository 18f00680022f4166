"""Command-line interface (typer). ``specdsl`` and ``python -m specdsl`` run :func:`main`."""

from specdsl.cli.app import app, main

__all__ = ["app", "main"]
