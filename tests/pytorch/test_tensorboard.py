"""`specdsl train --backend pytorch` writes TensorBoard event files, read back here with
TensorBoard's own reader; a missing tensorboard turns the logs off without stopping training."""

from __future__ import annotations

import importlib.util

import pytest

from tests.events import STAGED_MNIST, assert_stage_epochs, read_events
from tests.pytorch.helpers import run_cli

if importlib.util.find_spec("torch") is None or importlib.util.find_spec("torchvision") is None:
    pytest.skip("torch and torchvision are not installed", allow_module_level=True)
pytest.importorskip("tensorboard", reason="tensorboard is not installed (pip install tensorboard)")


def train(tmp_path, data, *extra, env=None):
    spec = tmp_path / "tb_mnist.spec"
    spec.write_text(STAGED_MNIST)
    run = tmp_path / "run"
    result = run_cli(
        "train", str(spec), "--backend", "pytorch", "--data", str(data), "--run-dir", str(run),
        *extra, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return run, result


def test_events_hold_each_stage_epoch_the_spec_and_training_images(shared_data, tmp_path):
    run, _ = train(tmp_path, shared_data / "mnist", "--limit", "600")
    events = read_events(run / "tensorboard")
    assert_stage_epochs(events, run)  # what both backends log per epoch
    first = events["first/train"]
    [(step, spec)] = first["spec/text_summary"]  # torch.utils.tensorboard's text tags
    assert step == 0 and spec.splitlines()[0] == "    model tb_mnist"
    [(_, summary)] = first["summary/text_summary"]
    assert 'Model: "tb_mnist"' in summary and "total params: 13,610" in summary
    [(step, images)] = first["training_images"]
    width, height, png = images  # the first batch's first 8 images in a row, augmented
    assert step == 1 and (width, height) == (b"224", b"28")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "spec/text_summary" not in events["second/train"]


def test_without_tensorboard_training_goes_on_and_says_so_once(shared_data, tmp_path):
    hidden = tmp_path / "hide" / "tensorboard"
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text('raise ImportError("tensorboard hidden by a test")\n')
    run, result = train(
        tmp_path, shared_data / "mnist", "--limit", "200", "--epochs", "1",
        env={"PYTHONPATH": str(hidden.parent)},
    )  # fmt: skip
    assert result.stdout.count("TensorBoard logs are off: tensorboard is not installed") == 1
    assert not (run / "tensorboard").exists()
    assert (run / "history.json").is_file() and (run / "model.safetensors").is_file()
