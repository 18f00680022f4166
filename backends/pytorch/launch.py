"""``specdsl train SPEC --backend pytorch``: write the package into the run folder, run train.py.

The emitted ``train.py`` is what trains, in its own process (stdout passes through: the
progress bars). It checks the spec, the data and the base weights before it writes anything;
when it stops with ``error: ...`` the package files just written are removed again and the
message becomes this function's BackendError (printed once by the CLI).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from specdsl.backends.launch import (
    base_weights,
    clean_if_untouched,
    first_missing,
    prepare_run_dir,
    train_command,
)
from specdsl.backends.pytorch.package import sources
from specdsl.backends.registry import BackendError, TrainOptions
from specdsl.check.analysis import Analysis
from specdsl.fileio import write_atomic


def run_script(cmd: list[str]) -> tuple[str | None, int]:
    """Run train.py; stdout passes through, stderr too except its one 'error:' line."""
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no __pycache__ in the run folder
    error = None
    with subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env=env) as proc:
        for line in proc.stderr:
            if line.startswith("error: ") and error is None:
                error = line[len("error: ") :].strip()
            else:
                sys.stderr.write(line)
                sys.stderr.flush()
        code = proc.wait()
    return error, code


def check_inputs(analysis: Analysis, options: TrainOptions, weights: Path | None) -> None:
    """The data folder and the base's weights file, checked before anything is written.

    train.py checks them again (it also runs on its own); checking here first gives the one
    clear line without starting PyTorch. Raises DataError or CheckpointError.
    """
    from specdsl.backends.keras.weights import imagenet_weights_file
    from specdsl.data import detect
    from specdsl.data.folders import check_classes, scan_image_folder
    from specdsl.weights.checkpoint import CheckpointError

    if detect(options.data) == "folder":
        check_classes(scan_image_folder(options.data), analysis.spec.classes)
    base = analysis.base
    if base is None:
        return
    if weights is None and base.layer.weights == "imagenet":
        imagenet_weights_file(base.layer.arch)
    elif weights is not None and not weights.is_file():
        raise CheckpointError(f"{weights}: no such weights file")


def train(analysis: Analysis, options: TrainOptions) -> Path:
    files = sources(analysis)  # every check of the spec before anything is written
    run_dir = Path(options.run_dir)
    cmd = train_command(analysis, options, run_dir / "train.py")
    check_inputs(analysis, options, base_weights(analysis, options))
    prepare_run_dir(analysis, options, "last.pt")  # train.py's last-epoch checkpoint
    created = first_missing(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        write_atomic(run_dir / name, text)
        written.append(run_dir / name)
    error, code = run_script(cmd)
    if code != 0:
        clean_if_untouched(run_dir, written, created)
        raise BackendError(error or f"{run_dir / 'train.py'} stopped with exit code {code}")
    return run_dir
