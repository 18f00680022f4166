"""What the training backends share: writing their package files, and the command that runs
the emitted ``train.py`` in its own process (``specdsl train``)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from specdsl.backends.registry import BackendError, TrainOptions
from specdsl.check.analysis import Analysis


def write_text_atomic(path: Path, text: str) -> Path:
    """Write a text file through a temporary file renamed into place (mode 0644)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


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
