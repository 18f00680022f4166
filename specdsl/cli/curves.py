"""``specdsl curves RUN_DIR... -o curves.png``: training and validation accuracy and loss per
epoch (the lecture's Listing 8.12), one run or several overlaid."""

from __future__ import annotations

from pathlib import Path

import typer

from specdsl.cli.app import app
from specdsl.cli.common import EXIT_SPEC, EXIT_USAGE, fail


@app.command()
def curves(
    runs: list[Path] = typer.Argument(
        ..., help="Run folders written by 'specdsl train' (or their history.json files)."
    ),
    output: Path = typer.Option(Path("curves.png"), "--output", "-o", help="The PNG to write."),
) -> None:
    """Plot accuracy and loss per epoch of runs; several runs are overlaid to compare them.

    Listing 8.12's curves from each run folder's history.json; stage boundaries are dotted.
    """
    from specdsl.review.curves import CurvesError, draw, read_runs

    if output.is_dir():
        fail(f"{output} is a folder; give the PNG file to write", EXIT_USAGE)
    if not output.parent.is_dir():
        fail(f"{output}: no folder {output.parent} to write it in", EXIT_USAGE)
    try:
        found = read_runs(runs)
    except CurvesError as e:
        fail(str(e), EXIT_SPEC)
    try:
        width, height = draw(found, output)
    except OSError as e:
        fail(f"{output}: cannot write it ({e.strerror or e})", EXIT_SPEC)
    except ImportError:
        fail("curves needs matplotlib (pip install matplotlib; the keras and torch extras have it)")
    plural = "s" if len(found) > 1 else ""
    typer.echo(f"{output}: {len(found)} run{plural}, {width}x{height} pixels")
