"""``specdsl train SPEC --backend NAME --data DIR``: train as the spec's training section says."""

from __future__ import annotations

from pathlib import Path

import typer

from specdsl.cli.app import app
from specdsl.cli.common import EXIT_SPEC, EXIT_USAGE, fail, load_checked

MLFLOW_DEFAULT = "./mlruns"  # what --mlflow without a URI stands for


def optional_values(argv: list[str]) -> list[str]:
    """``train ... --mlflow`` without a URI gets ./mlruns written in (typer has no option whose
    value may be left out): when it comes last, before another option, or before the spec."""
    if not argv or argv[0] != "train":
        return argv
    out = []
    for k, arg in enumerate(argv):
        out.append(arg)
        after = argv[k + 1] if k + 1 < len(argv) else "-"
        if arg == "--mlflow" and (after.startswith("-") or after.endswith(".spec")):
            out.append(MLFLOW_DEFAULT)
    return out


def default_run_dir(name: str, root: Path = Path("runs")) -> Path:
    """``runs/<model>``, or ``runs/<model>-2``, ``-3``, ... when that folder is taken."""
    candidate, k = root / name, 1
    while candidate.exists():
        k += 1
        candidate = root / f"{name}-{k}"
    return candidate


@app.command()
def train(
    file: Path = typer.Argument(..., help="The spec file."),
    backend: str = typer.Option(..., "--backend", "-b", help="keras or pytorch."),
    data: Path = typer.Option(
        ..., "--data", "-d", help="An image folder (train/ validation/ test/) or an MNIST folder."
    ),
    run_dir: Path = typer.Option(
        None, "--run-dir", help="Folder for the run (default: runs/<model>, numbered if taken)."
    ),
    epochs: int = typer.Option(None, "--epochs", help="Epochs of every stage (default: spec's)."),
    batch_size: int = typer.Option(None, "--batch-size", help="Batch size (default: spec's)."),
    limit: int = typer.Option(None, "--limit", help="At most this many examples per split."),
    weights: Path = typer.Option(
        None, "--weights", help="Weights file for the pretrained base (.h5, .weights.h5, .keras)."
    ),
    seed: int = typer.Option(
        None, "--seed", help="Random seed (default: 0, or the resumed run's)."
    ),
    precision: str = typer.Option(
        None,
        "--precision",
        help="float32, mixed_bfloat16 or mixed_float16 (default: the spec's precision).",
    ),
    resume: Path = typer.Option(
        None,
        "--resume",
        help="Go on with the run in this folder from its last finished epoch (and stage).",
    ),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Empty a run folder that holds an earlier run, then train."
    ),
    workers: int = typer.Option(
        1,
        "--workers",
        help="Train as this many processes on this machine: torchrun (pytorch), "
        "TF_CONFIG workers (keras). Default: 1.",
    ),
    mlflow: str = typer.Option(
        None,
        "--mlflow",
        metavar="[URI]",
        help="Log the finished run to MLflow: this tracking URI, or ./mlruns "
        "($MLFLOW_TRACKING_URI when set). Needs specdsl[track].",
    ),
) -> None:
    """Train the model with a backend; the run folder gets code, checkpoints, history, plot."""
    from specdsl.backends import registry
    from specdsl.data import DataError
    from specdsl.diagnostics import did_you_mean
    from specdsl.ir.vocab import PRECISIONS
    from specdsl.weights.checkpoint import CheckpointError

    try:
        target = registry.get(backend)
    except registry.BackendError as e:
        fail(str(e), EXIT_USAGE)
    if not callable(getattr(target, "train", None)):
        fail(f"backend '{backend}' builds models but cannot train them", EXIT_USAGE)
    if resume is not None and run_dir is not None and resume != run_dir:
        fail("--resume names the run folder; give it without --run-dir", EXIT_USAGE)
    if resume is not None and overwrite:
        fail("--resume and --overwrite exclude each other", EXIT_USAGE)
    if workers < 1:
        fail(f"--workers must be at least 1, got {workers}", EXIT_USAGE)
    if precision is not None and precision not in PRECISIONS:
        hint = did_you_mean(precision, PRECISIONS)
        fail(
            f"--precision: unknown precision '{precision}' (known: {', '.join(PRECISIONS)})"
            + (f"; {hint}" if hint else ""),
            EXIT_USAGE,
        )
    if mlflow is not None:  # fail before training when MLflow is not there
        from specdsl.tracking import available

        if not available():
            fail(
                "--mlflow needs MLflow, which is not installed (pip install 'specdsl[track]')",
                EXIT_USAGE,
            )
    a = load_checked(file)
    options = registry.TrainOptions(
        data=data,
        run_dir=resume or run_dir or default_run_dir(a.spec.name),
        epochs=epochs,
        batch_size=batch_size,
        limit=limit,
        weights=weights,
        seed=seed,
        precision=precision,
        resume=resume is not None,
        overwrite=overwrite,
        workers=workers,
    )
    try:
        folder = target.train(a, options)
    except (registry.BackendError, DataError, CheckpointError) as e:
        fail(str(e), EXIT_SPEC)
    typer.echo(f"run folder: {folder}")
    if mlflow is not None:
        from specdsl.tracking import TrackingError, log_run

        try:
            where = log_run(Path(folder), a, options, backend, mlflow)
        except TrackingError as e:
            fail(str(e), EXIT_SPEC)
        typer.echo(f"mlflow: {where}")
