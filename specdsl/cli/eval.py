"""``specdsl eval MODEL DIR``: the typer face of :mod:`specdsl.run.eval_cli`."""

from __future__ import annotations

from pathlib import Path

import typer

from specdsl.cli.app import app


@app.command("eval")
def eval_(
    model: Path = typer.Argument(..., help="The .onnx file (fp32 or int8)."),
    data: Path = typer.Argument(
        ..., help="A folder with one subfolder per class (named as the labels), or MNIST's."
    ),
    batch_size: int = typer.Option(32, "--batch-size", "-b", help="Images per batch."),
    as_json: bool = typer.Option(False, "--json", help="One JSON document on stdout."),
    plot: Path = typer.Option(None, "--plot", help="Draw the confusion matrix in this PNG."),
    worst: int = typer.Option(0, "--worst", help="List the N images it got most wrong."),
    limit: int = typer.Option(None, "--limit", help="At most N images, spread over the folder."),
    device: str = typer.Option("auto", "--device", help="auto, cpu or cuda."),
    threads: int = typer.Option(None, "--threads", help="CPU threads for ONNX Runtime."),
    labels: str = typer.Option(None, "--labels", help="Comma-separated labels (override)."),
    decode: str = typer.Option(
        "exact", "--decode", help="exact (TensorFlow's pixels) or fast (reduced-scale JPEG DCT)."
    ),
) -> None:
    """Accuracy, per-class precision and recall, and the confusion matrix of a model."""
    from specdsl.run.eval_cli import main

    code = main(
        model=str(model),
        data=str(data),
        batch_size=batch_size,
        as_json=as_json,
        plot=None if plot is None else str(plot),
        worst=worst,
        limit=limit,
        device=device,
        threads=threads,
        labels=labels,
        decode=decode,
    )
    raise typer.Exit(code)
