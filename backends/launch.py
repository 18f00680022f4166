"""What the training backends share for ``specdsl train``: the command that runs the emitted
``train.py`` in its own process, and removing the package again when that run fails at once."""

from __future__ import annotations

import sys
from pathlib import Path

from specdsl.backends.registry import BackendError, TrainOptions
from specdsl.check.analysis import Analysis


def base_weights(analysis: Analysis, options: TrainOptions) -> Path | None:
    """--weights, or the spec's ``weights=PATH`` resolved beside the spec file."""
    base = analysis.base
    if options.weights is not None:
        if base is None:
            raise BackendError(
                f"{options.weights}: model '{analysis.spec.name}' has no pretrained base "
                "to load weights into"
            )
        return Path(options.weights)
    source = base.layer.weights if base is not None else None
    if source in (None, "imagenet") or analysis.spec.source is None:
        return None
    path = Path(source).expanduser()
    if not path.is_absolute():
        beside = Path(analysis.spec.source).resolve().parent / path
        path = beside if beside.exists() or not path.exists() else path.resolve()
    return path


def train_command(analysis: Analysis, options: TrainOptions, script: Path) -> list[str]:
    """``python train.py --data ... --run-dir ...`` with the overrides of ``specdsl train``."""
    cmd = [sys.executable, str(script), "--data", str(options.data)]
    cmd += ["--run-dir", str(options.run_dir), "--seed", str(options.seed)]
    for flag, value in (
        ("--epochs", options.epochs),
        ("--batch-size", options.batch_size),
        ("--limit", options.limit),
    ):
        if value is not None:
            if value < 1:
                raise BackendError(f"{flag} must be at least 1, got {value}")
            cmd += [flag, str(value)]
    weights = base_weights(analysis, options)
    if weights is not None:
        cmd += ["--weights", str(weights)]
    return cmd


def first_missing(path: Path) -> Path | None:
    """The outermost folder of ``path`` that does not exist yet (None if it exists)."""
    missing = None
    for p in [path.absolute(), *path.absolute().parents]:
        if p.exists():
            break
        missing = p
    return missing


def clean_if_untouched(run_dir: Path, written: list[Path], created: Path | None) -> None:
    """Remove the package files (and folders made for them) if nothing else was written."""
    if any(p not in written for p in run_dir.iterdir()):
        return
    for p in written:
        p.unlink(missing_ok=True)
    if created is None:
        return
    folder = run_dir.absolute()
    while True:
        folder.rmdir()
        if folder == created:
            break
        folder = folder.parent
