"""`specdsl train --backend pytorch --workers 2`: the emitted train.py under torchrun, started by
specdsl (two processes on the CPU, gloo), and a failure inside the workers as one line."""

from __future__ import annotations

import importlib.util
import json

import pytest

from tests.conftest import ROOT
from tests.pytorch.helpers import error_lines, run_cli

if importlib.util.find_spec("torch") is None or importlib.util.find_spec("torchvision") is None:
    pytest.skip("torch and torchvision are not installed", allow_module_level=True)


def test_workers_2_runs_train_py_under_torchrun(shared_data, tmp_path):
    run = tmp_path / "run"
    result = run_cli(
        "train", str(ROOT / "specs" / "mnist_convnet.spec"), "--backend", "pytorch",
        "--data", str(shared_data / "mnist"), "--run-dir", str(run), "--limit", "1000",
        "--epochs", "1", "--workers", "2",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert result.stdout.count("Epoch 1/1") == 1  # rank 0 alone prints...
    assert result.stdout.count("16/16 ") == 1  # 1000 images, 2 ranks x batch 32 (64 / 2)
    names = {p.name for p in run.iterdir()}
    assert {"model.pt", "model.safetensors", "history.json", "last.pt", "curves.png"} <= names
    assert not list(run.glob(".*tmp*"))  # ...and writes: no stray temporary files
    record = json.loads((run / "history.json").read_text())
    assert record["test"]["accuracy"] > 0.5


def test_an_error_in_the_workers_is_one_line(shared_data, tmp_path):
    run = tmp_path / "run"
    result = run_cli(
        "train", str(ROOT / "specs" / "dogs_cats_scratch.spec"), "--backend", "pytorch",
        "--data", str(shared_data / "mnist"), "--run-dir", str(run), "--workers", "2",
    )  # fmt: skip
    assert result.returncode == 1
    assert error_lines(result.stderr) == [
        f"error: {shared_data / 'mnist'}: MNIST images are 28x28x1, the model takes 180x180x3"
    ]
    assert "Traceback" not in result.stderr and "ChildFailedError" not in result.stderr
    assert not run.exists()  # the package written for the run is removed again
