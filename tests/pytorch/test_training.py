"""Real, short training runs on real data through `specdsl train --backend pytorch`, the
emitted train.py under torchrun with 2 processes on the CPU, and bad input."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from specdsl.api import load
from specdsl.weights import checkpoint
from tests.conftest import ROOT
from tests.pytorch.helpers import HED_WEIGHTS, HERE, error_lines, run_cli

if importlib.util.find_spec("torch") is None or importlib.util.find_spec("torchvision") is None:
    pytest.skip("torch and torchvision are not installed", allow_module_level=True)

RUN_FILES = {"model.py", "data.py", "train.py", "model.pt", "model.safetensors", "history.json"}


def train(spec, data, run_dir, *args, timeout=300):
    result = run_cli(
        "train", str(spec), "--backend", "pytorch", "--data", str(data),
        "--run-dir", str(run_dir), *args, timeout=timeout,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result


def history(run_dir):
    return json.loads((run_dir / "history.json").read_text())


def test_mnist_trains_and_its_checkpoint_is_backend_neutral(shared_data, tmp_path):
    spec = ROOT / "specs" / "mnist_convnet.spec"
    run = tmp_path / "run"
    result = train(spec, shared_data / "mnist", run, "--limit", "3000", "--epochs", "2")
    assert RUN_FILES | {"curves.png", "mnist_convnet.spec"} <= {p.name for p in run.iterdir()}
    assert "Trainable params: 104,202" in result.stdout  # = specdsl summary
    # Keras 3's per-epoch line as its verbose=2 writes it in a log (stdout is not a terminal)
    epoch_lines = [line for line in result.stdout.splitlines() if line.startswith("47/47 - ")]
    assert len(epoch_lines) == 2, result.stdout[-2000:]  # 3,000 images, batch 64
    pattern = r"47/47 - \d+s - \d+(ms|s|us)/step - accuracy: [0-9.e-]+ - loss: [0-9.e-]+"
    assert re.fullmatch(pattern, epoch_lines[0]), epoch_lines[0]
    h = history(run)
    assert h["stage"] == ["train", "train"] and len(h["history"]["loss"]) == 2
    assert h["test"]["accuracy"] > 0.85  # 3,000 images, two epochs; chance is 0.1
    assert (run / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    a = load(spec)
    weights = checkpoint.load(run / "model.safetensors", a).tensors  # keys and shapes checked
    # the neutral checkpoint gives Keras the same predictions as PyTorch
    import torch

    from specdsl.backends.pytorch.runtime import build_torch_model, set_weights

    model = build_torch_model(a)
    model.load_state_dict(torch.load(run / "model.pt", weights_only=True))
    x = np.random.default_rng(0).random((4, 28, 28, 1)).astype(np.float32)
    with torch.no_grad():
        ours = model(torch.from_numpy(x.transpose(0, 3, 1, 2).copy())).numpy()
    pytest.importorskip("keras")
    from specdsl.backends.keras.runtime import build_keras_model
    from specdsl.backends.keras.runtime import set_weights as set_keras_weights

    other = build_torch_model(a)
    set_weights(other, a, weights)
    with torch.no_grad():
        np.testing.assert_array_equal(
            other(torch.from_numpy(x.transpose(0, 3, 1, 2).copy())).numpy(), ours
        )
    k = build_keras_model(a)
    set_keras_weights(k, a, weights)
    np.testing.assert_allclose(np.asarray(k(x, training=False)), ours, atol=1e-5)


def test_augmented_image_folder_run_checkpoints_the_best_val_loss(shared_data, tmp_path):
    spec = HERE / "specs" / "tshirt_small.spec"
    run = tmp_path / "run"
    result = train(spec, shared_data / "tshirt_vs_shirt", run, "--limit", "600")
    h = history(run)["history"]
    val = h["val_loss"]
    assert len(val) == 3 and set(h) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    improved = [i for i, v in enumerate(val) if v < min(val[:i], default=float("inf"))]
    assert result.stdout.count("val_loss improved") == len(improved)
    assert history(run)["test"]["accuracy"] > 0.6  # a hard pair of classes; chance is 0.5
    assert "Trainable params: 5,601" in result.stdout


def test_torchrun_two_processes_on_the_cpu(shared_data, tmp_path):
    pkg = tmp_path / "pkg"
    result = run_cli(
        "build", str(ROOT / "specs" / "mnist_convnet.spec"), "-b", "pytorch", "-o", str(pkg)
    )
    assert result.returncode == 0, result.stderr
    cmd = [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
        str(pkg / "train.py"), "--data", str(shared_data / "mnist"), "--limit", "1000",
        "--epochs", "1", "--run-dir", str(tmp_path / "run"), "--workers", "0",
    ]  # fmt: skip
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert result.stdout.count("Epoch 1/1") == 1  # rank 0 alone prints...
    assert result.stdout.count("16/16 ") == 1  # 1000 images, 2 ranks x batch 32 (64 / 2)
    run = tmp_path / "run"
    assert RUN_FILES - {"model.py", "data.py", "train.py"} <= {p.name for p in run.iterdir()}
    assert not list(run.glob(".*tmp*"))  # ...and writes: no stray temporary files
    assert history(run)["test"]["accuracy"] > 0.5


def test_two_stage_fine_tuning_trains_only_block5_and_the_head(shared_data, tmp_path):
    spec = HERE / "specs" / "vgg16_small_finetune.spec"
    run = tmp_path / "run"
    hed = shared_data / HED_WEIGHTS
    result = train(spec, shared_data / "tshirt_vs_shirt", run, "--limit", "32", "--weights", hed)
    a = load(spec)
    counts = [line for line in result.stdout.splitlines() if line.startswith("Trainable params")]
    assert counts == [f"Trainable params: {s.trainable_params:,}" for s in a.stages]
    assert "starts from the best weights of 'head'" in result.stdout
    assert history(run)["stage"] == ["head", "finetune"]
    from specdsl.backends.keras.weights import read_keras_weights

    start = read_keras_weights(hed, a, scope="vgg16")
    end = checkpoint.load(run / "model.safetensors", a).tensors
    for key, value in start.items():
        if key.startswith("block5"):
            assert not np.array_equal(end[key], value), key  # unfrozen in stage 2
        else:
            np.testing.assert_array_equal(end[key], value)  # conv_base.layers[:-4] frozen


def test_feature_extraction_runs_the_base_once(shared_data, tmp_path):
    spec = HERE / "specs" / "vgg16_small_features.spec"
    run = tmp_path / "run"
    hed = shared_data / HED_WEIGHTS
    args = ("--limit", "64", "--epochs", "2", "--weights", str(hed))
    result = train(spec, shared_data / "tshirt_vs_shirt", run, *args)
    assert result.stdout.count("Extracting vgg16 features once") == 1
    assert "Trainable params: 16,449" in result.stdout
    h = history(run)
    assert len(h["history"]["val_loss"]) == 2 and h["test"]["loss"] > 0


def broken_folder(shared_data, tmp_path, break_it):
    root = tmp_path / "data"
    for split in ("train", "validation", "test"):
        for cls in ("shirt", "tshirt"):
            (root / split / cls).mkdir(parents=True)
            for p in sorted((shared_data / "tshirt_vs_shirt" / split / cls).iterdir())[:3]:
                shutil.copy(p, root / split / cls / p.name)
    return break_it(root)


def corrupt(root):
    bad = root / "train" / "tshirt" / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\nnot really a png")
    return bad


CASES = {
    "no such folder": (lambda root: root / "nowhere", "no such data folder"),
    "no validation": (lambda root: shutil.rmtree(root / "validation") or root, "validation"),
    "empty class": (
        lambda root: [p.unlink() for p in (root / "test" / "shirt").iterdir()] and root,
        "class folder has no images",
    ),
    "corrupt image": (corrupt, "broken.png"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_data_gives_one_line_and_leaves_nothing(shared_data, tmp_path, case):
    make, words = CASES[case]
    data = broken_folder(shared_data, tmp_path, make)
    run = tmp_path / "runs" / "r"
    result = run_cli(
        "train", str(HERE / "specs" / "tshirt_small.spec"), "-b", "pytorch",
        "--data", str(data), "--run-dir", str(run),
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert len(error_lines(result.stderr)) == 1 and "Traceback" not in result.stderr
    assert words in result.stderr
    assert not (tmp_path / "runs").exists()


def test_missing_weights_file_is_one_line(shared_data, tmp_path):
    result = run_cli(
        "train", str(HERE / "specs" / "vgg16_small_features.spec"), "-b", "pytorch",
        "--data", str(shared_data / "tshirt_vs_shirt"), "--run-dir", str(tmp_path / "r"),
        "--weights", str(tmp_path / "missing.h5"),
    )  # fmt: skip
    assert result.returncode == 1
    assert error_lines(result.stderr) == [f"error: {tmp_path / 'missing.h5'}: no such weights file"]
    assert not (tmp_path / "r").exists()


def test_emitted_script_alone_reports_bad_images(shared_data, tmp_path):
    """train.py run by hand (no specdsl CLI) checks its data the same way."""
    data = broken_folder(shared_data, tmp_path, lambda root: corrupt(root) and root)
    pkg = tmp_path / "pkg"
    assert (
        run_cli(
            "build", str(HERE / "specs" / "tshirt_small.spec"), "-b", "pytorch", "-o", str(pkg)
        ).returncode
        == 0
    )
    cmd = [sys.executable, str(pkg / "train.py"), "--data", str(data)]
    cmd += ["--run-dir", str(tmp_path / "r")]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.returncode == 1
    assert error_lines(result.stderr) == [line for line in result.stderr.splitlines() if line]
    assert "broken.png: not a readable image" in result.stderr
    assert not (tmp_path / "r").exists()
