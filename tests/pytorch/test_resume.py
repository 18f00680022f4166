"""A real PyTorch run killed with SIGKILL after an epoch, resumed with `specdsl train --resume`:
no finished epoch lost or repeated, and the final checkpoint exports and runs. The crash
helper here serves the Keras backend's test too (tests/keras/test_keras_resume.py)."""

from __future__ import annotations

import importlib.util
import json
import os
import random
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from tests.conftest import ROOT
from tests.pytorch.helpers import error_lines, run_cli

SPEC = ROOT / "specs" / "mnist_convnet.spec"


def start_training(backend, data, run_dir, log, *args):
    """`specdsl train` in its own process group, so that SIGKILL takes train.py with it."""
    cmd = [sys.executable, "-m", "specdsl", "train", str(SPEC), "-b", backend]
    cmd += ["--data", str(data), "--run-dir", str(run_dir), *args]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.Popen(
        cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=env, start_new_session=True
    )


def kill_after_first_epoch(proc, last, seconds, timeout=120):
    """Wait for the last-epoch checkpoint, then SIGKILL at a random moment within ``seconds``."""
    deadline = time.monotonic() + timeout
    while not last.exists():
        assert proc.poll() is None, "training stopped before its first checkpoint"
        assert time.monotonic() < deadline, "no checkpoint after the first epoch"
        time.sleep(0.02)
    time.sleep(random.uniform(0, seconds))
    os.killpg(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL, "the run ended before it was killed"


def mnist_png(shared_data, path):
    from PIL import Image

    from specdsl.data.mnist import load_mnist

    test_images = load_mnist(shared_data / "mnist", limit=1)[2]
    Image.fromarray(np.asarray(test_images[0], np.uint8).reshape(28, 28)).save(path)
    return path


def crash_and_resume(backend, last_name, read_history, shared_data, tmp_path, epochs, limit, wait):
    """Kill a real run, check the refusal, resume, check history, export and run the result."""
    run = tmp_path / "run"
    data = shared_data / "mnist"
    with open(tmp_path / "first.log", "w") as log:
        proc = start_training(backend, data, run, log, "--epochs", str(epochs), "--limit", limit)
        kill_after_first_epoch(proc, run / last_name, wait)
    assert not (run / "history.json").exists()
    before = read_history(run / last_name)  # the epochs finished before the crash
    done = len(before["loss"])
    assert 1 <= done < epochs
    # training again into the folder without --resume is refused, and writes nothing
    listing = {p.name: p.stat().st_mtime_ns for p in run.iterdir()}
    refused = run_cli("train", str(SPEC), "-b", backend, "--data", str(data), "--run-dir", str(run))
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert error_lines(refused.stderr) == [
        f"error: {run}: not empty (an earlier run?); pass --resume {run} to go on, "
        "or --overwrite to start again"
    ]
    assert {p.name: p.stat().st_mtime_ns for p in run.iterdir()} == listing
    # --resume alone: the run's own --epochs and --limit come from its checkpoint
    start = time.perf_counter()
    result = run_cli("train", str(SPEC), "-b", backend, "--data", str(data), "--resume", str(run))
    seconds = time.perf_counter() - start
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    shown = [int(n) for n in re.findall(rf"^Epoch (\d+)/{epochs}", result.stdout, re.M)]
    assert shown == list(range(done + 1, epochs + 1)), result.stdout[-2000:]
    record = json.loads((run / "history.json").read_text())
    assert record["stage"] == ["train"] * epochs
    assert len(record["epoch_seconds"]) == epochs
    for key, values in before.items():
        if key in record["history"]:
            assert len(record["history"][key]) == epochs, key
            assert record["history"][key][:done] == values[:done], key  # kept, not re-run
    onnx = tmp_path / "m.onnx"
    exported = run_cli("export", str(SPEC), "--weights", str(run / "model.safetensors"),
                       "-o", str(onnx))  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    ran = run_cli("run", str(onnx), str(mnist_png(shared_data, tmp_path / "digit.png")))
    assert ran.returncode == 0, ran.stderr
    assert re.fullmatch(r"\S*digit\.png: [0-9] [01]\.\d+\n", ran.stdout), ran.stdout
    return done, seconds


@pytest.mark.slow
def test_killed_pytorch_run_resumes_without_losing_or_repeating_an_epoch(shared_data, tmp_path):
    if importlib.util.find_spec("torch") is None or importlib.util.find_spec("torchvision") is None:
        pytest.skip("torch and torchvision are not installed")
    import torch

    def read_history(path):
        history = torch.load(path, weights_only=True)["history"]
        return {k: v for k, v in history.items() if "seconds" not in k}

    # Enough epochs that the run outlives the random kill however fast the machine trains
    crash_and_resume("pytorch", "last.pt", read_history, shared_data, tmp_path, 6, "3000", 1.0)
