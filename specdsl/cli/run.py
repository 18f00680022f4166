"""``specdsl run MODEL IMAGE...``: the typer face of :mod:`specdsl.run.cli`.

The options are parsed by :func:`specdsl.run.cli.main` (argparse), which ``specdsl.cli.main``
also calls directly, before typer is imported, so that ``specdsl run`` starts fast.
"""

from __future__ import annotations

import typer

from specdsl.cli.app import app


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def run(ctx: typer.Context) -> None:
    """Classify images with an exported .onnx model (specdsl run --help for the options)."""
    from specdsl.run.cli import main

    raise typer.Exit(main(list(ctx.args)))
