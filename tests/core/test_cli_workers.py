"""`specdsl train --workers N`: the option checked before anything starts, and the launcher of
several local processes (backends/launch.py): the first worker to fail stops the others and
its 'error:' line is the one message. Plain Python processes here; the real multi-worker runs
are in tests/keras/test_keras_multiworker.py and tests/pytorch/test_workers.py."""

from __future__ import annotations

import os
import sys
import time

import pytest

from specdsl.backends.launch import free_ports, run_workers
from tests.conftest import SPECS
from tests.core.test_cli import run


@pytest.mark.parametrize("backend", ["keras", "pytorch"])
@pytest.mark.parametrize("workers", ["0", "-2"])
def test_workers_below_one_is_refused_before_anything_starts(tmp_path, backend, workers):
    run_dir = tmp_path / "run"
    r = run(
        "train", str(SPECS / "mnist_convnet.spec"), "--backend", backend, "--data",
        str(tmp_path), "--run-dir", str(run_dir), "--workers", workers, probe=True,
    )  # fmt: skip
    assert r.returncode == 2, r.stderr
    lines = [line for line in r.stderr.splitlines() if not line.startswith("HEAVY=")]
    assert lines == [f"error: --workers must be at least 1, got {workers}"]
    assert "HEAVY=\n" in r.stderr or r.stderr.rstrip().endswith("HEAVY=")  # no framework started
    assert not run_dir.exists()


def worker(code: str) -> tuple[list[str], dict[str, str]]:
    return [sys.executable, "-c", code], {}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_failing_worker_stops_the_others_and_gives_the_message(tmp_path, capfd):
    pid_file = tmp_path / "pid"
    waiter = (
        f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(120)"
    )
    failing = (
        "import sys, time; time.sleep(1); "
        "print('error: data/train: missing', file=sys.stderr); sys.exit(1)"
    )
    start = time.monotonic()
    error, code = run_workers([worker(waiter), worker(failing)], {}, ())
    assert time.monotonic() - start < 30  # not the 120 s of the waiting chief
    assert (error, code) == ("data/train: missing", 1)
    assert not alive(int(pid_file.read_text()))  # stopped and reaped: no orphan
    assert "error:" not in capfd.readouterr().err  # the CLI prints the message once


def test_a_worker_that_crashes_without_a_message_is_named_with_its_last_lines():
    crash = "import sys; print('Traceback: boom', file=sys.stderr); sys.exit(3)"
    error, code = run_workers([worker("pass"), worker(crash)], {}, ())
    assert (error, code) == ("worker 1 of 2 stopped with exit code 3", 3)


def test_workers_that_all_succeed_pass_stdout_through(capfd):
    say = "print('Worker {} of 2: done')"
    error, code = run_workers([worker(say.format(0)), worker(say.format(1))], {}, ())
    assert (error, code) == (None, 0)
    out = capfd.readouterr().out
    assert "Worker 0 of 2: done" in out and "Worker 1 of 2: done" in out


def test_free_ports_are_distinct():
    ports = free_ports(4)
    assert len(set(ports)) == 4 and all(0 < p < 65536 for p in ports)
