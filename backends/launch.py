"""``specdsl train``, the same for every training backend: write the package into the run
folder (refused when it holds an earlier run, unless resumed or overwritten), run its
``train.py`` in its own process, and remove the package again when that run fails at once.

The emitted ``train.py`` is what trains (stdout passes through: the progress bars). It checks
the spec, the data and the base weights before it writes anything; when it stops with
``error: ...`` the package files just written are removed again and the message becomes a
BackendError (printed once by the CLI). A backend's ``launch.py`` passes only what differs:
its package, its last-epoch checkpoint, its own checks, its environment and its noise.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from specdsl.backends.package import write_files
from specdsl.backends.registry import BackendError, TrainOptions
from specdsl.check.analysis import Analysis


def launch(
    analysis: Analysis,
    options: TrainOptions,
    files: dict[str, str],
    *,
    last: str,
    check: Callable[[Analysis, TrainOptions], None] | None = None,
    env: dict[str, str] | None = None,
    hidden: tuple[str, ...] = (),
) -> Path:
    """Write ``files`` (the package) into the run folder and run its train.py; the run folder.

    ``last`` is train.py's last-epoch checkpoint (what ``--resume`` needs); ``check`` runs
    after the options are checked and before anything is written; ``env`` holds defaults for
    train.py's environment; stderr lines starting with one of ``hidden`` are dropped.
    """
    run_dir = Path(options.run_dir)
    cmd = train_command(analysis, options, run_dir / "train.py")
    if check is not None:
        check(analysis, options)
    prepare_run_dir(analysis, options, last)
    created = first_missing(run_dir)
    written = write_files(files, run_dir)
    error, code = run_script(cmd, env or {}, hidden)
    if code != 0:
        clean_if_untouched(run_dir, written, created)
        raise BackendError(error or f"{run_dir / 'train.py'} stopped with exit code {code}")
    return run_dir


def run_script(cmd: list[str], defaults: dict[str, str], hidden: tuple[str, ...]):
    """Run train.py; stdout passes through, stderr too except its one 'error:' line.

    Returns that line's message (or None) and the exit code.
    """
    env = defaults | dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no __pycache__ in the run folder
    error = None
    with subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env=env) as proc:
        for line in proc.stderr:
            if line.startswith("error: ") and error is None:
                error = line[len("error: ") :].strip()
            elif not (hidden and line.startswith(hidden)):
                sys.stderr.write(line)
                sys.stderr.flush()
        code = proc.wait()
    return error, code


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
    cmd += ["--run-dir", str(options.run_dir)]
    if options.seed is not None:
        cmd += ["--seed", str(options.seed)]
    if options.precision is not None:
        cmd += ["--precision", options.precision]
    if options.resume:
        cmd.append("--resume")
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


def prepare_run_dir(analysis: Analysis, options: TrainOptions, last: str) -> None:
    """Refuse, before anything is written, a run folder that does not fit the options.

    A non-empty folder needs ``--resume`` (it must then hold ``last``, the backend's last-epoch
    checkpoint, and the same spec) or ``--overwrite`` (the folder is emptied here).
    """
    from specdsl.api import load
    from specdsl.diagnostics import SpecError
    from specdsl.ir import spec_hash

    run_dir = Path(options.run_dir)
    if options.resume and options.overwrite:
        raise BackendError("--resume and --overwrite exclude each other")
    if run_dir.exists() and not run_dir.is_dir():
        raise BackendError(f"{run_dir}: exists and is not a folder")
    used = run_dir.is_dir() and any(run_dir.iterdir())
    if options.resume:
        if not (run_dir / last).is_file():
            raise BackendError(f"{run_dir}: no {last} to resume from (not a run of this backend?)")
        spec_file = run_dir / f"{analysis.spec.name}.spec"
        try:
            same = spec_hash(load(spec_file).spec) == spec_hash(analysis.spec)
        except (OSError, SpecError):  # a missing or broken spec file: not this model's run
            same = False
        if not same:
            raise BackendError(
                f"{run_dir}: was trained from another spec than {analysis.spec.source or '<spec>'}"
                f" (see {spec_file.name}); cannot resume"
            )
    elif used and not options.overwrite:
        raise BackendError(
            f"{run_dir}: not empty (an earlier run?); pass --resume {run_dir} to go on, "
            "or --overwrite to start again"
        )
    elif used:
        for p in run_dir.iterdir():
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()


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
