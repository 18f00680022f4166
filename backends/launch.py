"""``specdsl train``, the same for every training backend: write the package into the run
folder (refused when it holds an earlier run, unless resumed or overwritten), run its
``train.py`` in its own process, and remove the package again when that run fails at once.

The emitted ``train.py`` is what trains (stdout passes through: the progress bars). It checks
the spec, the data and the base weights before it writes anything; when it stops with
``error: ...`` the package files just written are removed again and the message becomes a
BackendError (printed once by the CLI). A backend's ``launch.py`` passes only what differs:
its package, its last-epoch checkpoint, its own checks, its environment and its noise, and
for ``--workers N`` how its framework starts N local processes (torchrun; one train.py per
worker with its TF_CONFIG): the first to fail stops the others, and its 'error:' line is the
message.
"""

from __future__ import annotations

import collections
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
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
    spread: Callable[[list[str], int], list[tuple[list[str], dict[str, str]]]] | None = None,
) -> Path:
    """Write ``files`` (the package) into the run folder and run its train.py; the run folder.

    ``last`` is train.py's last-epoch checkpoint (what ``--resume`` needs); ``check`` runs
    after the options are checked and before anything is written; ``env`` holds defaults for
    train.py's environment; stderr lines starting with one of ``hidden`` are dropped.
    ``spread(cmd, n)`` gives the processes that run train.py as ``options.workers`` workers:
    each one's command and the environment it adds.
    """
    run_dir = Path(options.run_dir)
    cmd = train_command(analysis, options, run_dir / "train.py")
    if options.workers < 1:
        raise BackendError(f"--workers must be at least 1, got {options.workers}")
    processes = [(cmd, {})]
    if options.workers > 1:
        if spread is None:
            raise BackendError("this backend trains in one process; --workers needs 1")
        processes = spread(cmd, options.workers)
    if check is not None:
        check(analysis, options)
    prepare_run_dir(analysis, options, last)
    created = first_missing(run_dir)
    written = write_files(files, run_dir)
    if len(processes) == 1:
        ((command, extra),) = processes
        # a framework's launcher (torchrun) reports a worker's failure at length after its line
        wrapped = options.workers > 1
        error, code = run_script(command, (env or {}) | extra, hidden, after_error=not wrapped)
    else:
        error, code = run_workers(processes, env or {}, hidden)
    if code != 0:
        clean_if_untouched(run_dir, written, created)
        raise BackendError(error or f"{run_dir / 'train.py'} stopped with exit code {code}")
    return run_dir


def script_env(defaults: dict[str, str]) -> dict[str, str]:
    """train.py's environment: ``defaults`` under the caller's, unbuffered output (the
    progress lines as they come) and no __pycache__ in the run folder."""
    return defaults | dict(os.environ) | {"PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"}


def run_script(
    cmd: list[str], defaults: dict[str, str], hidden: tuple[str, ...], after_error: bool = True
):
    """Run train.py; stdout passes through, stderr too except its one 'error:' line (and what
    follows it unless ``after_error``).

    Returns that line's message (or None) and the exit code.
    """
    error = None
    with subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env=script_env(defaults)) as proc:
        for line in proc.stderr:
            if line.startswith("error: ") and error is None:
                error = line[len("error: ") :].strip()
            elif not (hidden and line.startswith(hidden)) and (after_error or error is None):
                sys.stderr.write(line)
                sys.stderr.flush()
        code = proc.wait()
    return error, code


def run_workers(processes: list[tuple[list[str], dict[str, str]]], defaults, hidden):
    """Run one train.py per worker (the first is the chief) until all end or one fails.

    The chief's stdout passes through; another worker's (train.py has it print only its last
    line) is kept and printed after the chief's, when all have ended. The chief's stderr
    passes through as in run_script; another worker's is kept and shown only when that
    worker fails without an 'error:' line. The first worker to fail stops the others
    (MultiWorkerMirroredStrategy would wait for it forever); none outlives this function.
    Returns the failed worker's 'error:' message (or None) and its exit code.
    """
    base = script_env(defaults)
    errors: list[str | None] = [None] * len(processes)
    tails = [collections.deque(maxlen=20) for _ in processes]  # each worker's last stderr lines
    outputs: list[list[str]] = [[] for _ in processes]  # the stdout of the workers but the chief

    def read(k: int, stream) -> None:
        for line in stream:
            if line.startswith("error: "):
                errors[k] = errors[k] or line[len("error: ") :].strip()
            elif k == 0 and not (hidden and line.startswith(hidden)):
                sys.stderr.write(line)
                sys.stderr.flush()
            else:
                tails[k].append(line)

    procs: list[subprocess.Popen] = []
    readers: list[threading.Thread] = []

    def follow(target, *args) -> None:
        readers.append(threading.Thread(target=target, args=args, daemon=True))
        readers[-1].start()

    failed = None
    try:
        for k, (cmd, extra) in enumerate(processes):
            out = subprocess.PIPE if k > 0 else None
            proc = subprocess.Popen(
                cmd, stdout=out, stderr=subprocess.PIPE, text=True, env=base | extra
            )
            procs.append(proc)
            follow(read, k, proc.stderr)
            if k > 0:  # a few lines, printed after the chief's
                follow(outputs[k].extend, proc.stdout)
        while failed is None and any(p.poll() is None for p in procs):
            failed = next((k for k, p in enumerate(procs) if p.poll()), None)
            time.sleep(0.1)
        failed = next((k for k, p in enumerate(procs) if p.poll()), failed)
    finally:
        stop(procs)
        for reader in readers:
            reader.join(timeout=5)
        sys.stdout.write("".join(line for lines in outputs for line in lines))
        sys.stdout.flush()
    if failed is None:
        return None, 0
    code = procs[failed].returncode
    if errors[failed] is None and failed > 0:
        sys.stderr.write("".join(tails[failed]))
    error = errors[failed] or next((e for e in errors if e), None)
    if error is None:
        error = f"worker {failed} of {len(procs)} stopped with exit code {code}"
    return error, code


def stop(procs: list[subprocess.Popen]) -> None:
    """End the processes still running: SIGTERM, then SIGKILL after 10 seconds."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + 10
    for proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def free_ports(count: int) -> list[int]:
    """``count`` TCP ports free on this machine now (each bound once, then released)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("localhost", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


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
