"""`specdsl train --backend keras` writes TensorBoard event files, read back here with
TensorBoard's own reader; a missing tensorboard turns the logs off without stopping training."""

from __future__ import annotations

import json

import pytest

from tests.events import STAGED_MNIST, read_events
from tests.keras.helpers import run_cli

pytest.importorskip("keras", reason="Keras is not installed (pip install specdsl[keras])")
pytest.importorskip("tensorboard", reason="tensorboard is not installed (pip install tensorboard)")


def train(tmp_path, data, *extra, env=None):
    spec = tmp_path / "tb_mnist.spec"
    spec.write_text(STAGED_MNIST)
    run = tmp_path / "run"
    result = run_cli(
        "train", str(spec), "--backend", "keras", "--data", str(data), "--run-dir", str(run),
        *extra, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return run, result


def test_events_hold_each_stage_epoch_the_spec_and_training_images(shared_data, tmp_path):
    run, _ = train(tmp_path, shared_data / "mnist", "--limit", "600")
    events = read_events(run / "tensorboard")
    assert set(events) == {"first/train", "first/validation", "second/train", "second/validation"}
    history = json.loads((run / "history.json").read_text())["history"]
    for step, stage, rate in ((1, "first", 1e-3), (2, "second", 1e-4)):
        logged, validation = events[f"{stage}/train"], events[f"{stage}/validation"]
        for name in ("loss", "accuracy"):
            assert logged[f"epoch_{name}"] == [(step, pytest.approx(history[name][step - 1]))]
            expected = [(step, pytest.approx(history[f"val_{name}"][step - 1]))]
            assert validation[f"epoch_{name}"] == expected
        assert logged["epoch_learning_rate"] == [(step, pytest.approx(rate))]
        assert "epoch_learning_rate" not in validation
    first = events["first/train"]
    [(step, spec)] = first["spec"]
    assert step == 0 and spec.splitlines()[0] == "    model tb_mnist"
    [(_, summary)] = first["summary"]
    assert 'Model: "tb_mnist"' in summary and "total params: 13,610" in summary
    [(step, images)] = first["training_images"]
    width, height, *pngs = images
    assert step == 1 and (width, height) == (b"28", b"28") and len(pngs) == 8
    assert all(png[:8] == b"\x89PNG\r\n\x1a\n" for png in pngs)
    assert "spec" not in events["second/train"]


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
