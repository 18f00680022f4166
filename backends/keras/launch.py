"""``specdsl train SPEC --backend keras``: write the package into the run folder, run train.py.

The emitted ``train.py`` is what trains: it runs in its own Python process, with Keras's
progress bars on the terminal. It checks the data and the weights before it writes
anything; if it stops before writing results, the package files are removed again, so a
bad input leaves nothing half-written. Its one-line ``error: ...`` becomes this
function's BackendError (printed once by the CLI).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from specdsl.backends.keras.package import package_sources
from specdsl.backends.launch import (
    clean_if_untouched,
    first_missing,
    prepare_run_dir,
    train_command,
)
from specdsl.backends.registry import BackendError, TrainOptions
from specdsl.check.analysis import Analysis
from specdsl.fileio import write_atomic

LAST = "last.npz"  # train.py's last-epoch checkpoint, what --resume goes on from

# TensorFlow's start-up notices, which TF_CPP_MIN_LOG_LEVEL does not silence
TF_NOTICES = (
    "WARNING: All log messages before absl::InitializeLog()",
    "I0000 ",
    "To enable the following instructions:",
)


def train(analysis: Analysis, options: TrainOptions) -> Path:
    if not analysis.spec.training.loss:
        raise BackendError(
            f"{analysis.spec.source or analysis.spec.name}: the spec has no 'loss' statement; "
            "training needs one"
        )
    for flag, value in (("--epochs", options.epochs), ("--batch-size", options.batch_size)):
        if value is not None and value < 1:
            raise BackendError(f"{flag} must be at least 1, got {value}")
    if options.limit is not None and options.limit < 1:
        raise BackendError(f"--limit must be at least 1, got {options.limit}")
    files = package_sources(analysis)
    run_dir = Path(options.run_dir)
    cmd = train_command(analysis, options, run_dir / "train.py")
    prepare_run_dir(analysis, options, LAST)
    created = first_missing(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    written = [write_atomic(run_dir / name, text) for name, text in files.items()]
    error, code = _run(cmd)
    if code != 0:
        clean_if_untouched(run_dir, written, created)
        raise BackendError(error or f"{run_dir / 'train.py'} stopped with exit code {code}")
    return run_dir


def _run(cmd: list[str]) -> tuple[str | None, int]:
    """Run train.py; its stdout passes through, its stderr too except the 'error:' line."""
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # no oneDNN/CPU-feature notices
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no __pycache__ in the run folder
    error = None
    with subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env=env) as proc:
        for line in proc.stderr:
            if line.startswith("error: ") and error is None:
                error = line[len("error: ") :].strip()
            elif not line.startswith(TF_NOTICES):
                sys.stderr.write(line)
                sys.stderr.flush()
        code = proc.wait()
    return error, code
