"""`specdsl train --backend keras`: real short runs on real data, and bad input refused cleanly."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pytest

from specdsl.api import load
from specdsl.weights import checkpoint
from tests.conftest import ROOT
from tests.keras.helpers import HERE, error_lines, run_cli
from tests.keras.test_keras_files import hed_arrays, write_legacy_cache_file

pytest.importorskip("keras", reason="Keras is not installed (pip install specdsl[keras])")

PACKAGE = {"model.py", "train.py"}


def stage_line(name: str, trainable: int, frozen: int) -> str:
    return f"Stage {name}: trainable params: {trainable:,}, frozen params: {frozen:,}"


def printed_accuracy(stdout: str) -> float:
    return float(re.search(r"^Test accuracy: ([0-9.]+)$", stdout, re.M).group(1))


def train(spec, data, run_dir, *extra, env=None):
    result = run_cli(
        "train", str(spec), "--backend", "keras", "--data", str(data), "--run-dir", str(run_dir),
        *extra, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.mark.slow
def test_fit_learns_on_real_images(shared_data, tmp_path):
    spec = HERE / "specs" / "tshirt_small.spec"
    a = load(spec)
    run = tmp_path / "run"
    result = train(spec, shared_data / "tshirt_vs_shirt", run, "--limit", "600")
    out = result.stdout
    assert stage_line("train", a.trainable_params, a.non_trainable_params) in out
    assert "Found 600 files belonging to 2 classes." in out
    accuracy = printed_accuracy(out)
    assert accuracy >= 0.7, out[-2000:]  # chance is 0.5
    names = {p.name for p in run.iterdir()}
    assert names == PACKAGE | {
        "tshirt_small.spec", "best.weights.h5", "history.json", "curves.png", "model.safetensors",
        "last.npz", "tensorboard",
    }  # fmt: skip
    record = json.loads((run / "history.json").read_text())
    assert record["stage"] == ["train"] * 3
    assert set(record["history"]) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert round(record["test"]["accuracy"], 3) == accuracy
    assert (run / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the neutral checkpoint holds the best epoch's weights (the evaluated ones)
    from specdsl.backends.keras import runtime

    model = runtime.build_keras_model(a)
    model.load_weights(run / "best.weights.h5")
    saved = checkpoint.load(run / "model.safetensors", a)
    assert saved.metadata["spec_name"] == "tshirt_small"
    for key, value in runtime.get_weights(model, a).items():
        np.testing.assert_array_equal(saved.tensors[key], value)


@pytest.mark.slow
def test_mnist_from_idx_files(shared_data, tmp_path):
    spec = ROOT / "specs" / "mnist_convnet.spec"
    run = tmp_path / "mnist"
    out = train(spec, shared_data / "mnist", run, "--limit", "2000", "--epochs", "2").stdout
    assert stage_line("train", 104_202, 0) in out
    assert printed_accuracy(out) >= 0.8, out[-2000:]  # chance is 0.1
    record = json.loads((run / "history.json").read_text())
    assert len(record["history"]["loss"]) == 2 and record["test"]["accuracy"] >= 0.8
    assert (run / "model.safetensors").is_file() and not (run / "best.weights.h5").exists()
    assert (run / "last.npz").is_file()  # no checkpoint statement: the last epoch is kept


def cached_imagenet(tmp_path, hed) -> dict:
    """A Keras cache (KERAS_HOME) whose VGG16 notop file holds the HED file's VGG16 weights."""
    folder = tmp_path / "keras_home" / "models"
    folder.mkdir(parents=True)
    tensors = hed_arrays(hed)
    write_legacy_cache_file(
        folder / "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5", tensors, False
    )
    return {"KERAS_HOME": str(tmp_path / "keras_home")}


def with_weights(tmp_path, name: str, weights: str):
    text = (HERE / "specs" / f"{name}.spec").read_text().replace("weights=none", weights)
    path = tmp_path / f"{name}.spec"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def hed(shared_data):
    return shared_data / "weights" / "hed_bsds500.weights.h5"


@pytest.mark.slow
def test_feature_extraction_with_cached_imagenet_weights(shared_data, tmp_path, hed):
    spec = with_weights(tmp_path, "vgg_features_small", "weights=imagenet")
    a = load(spec)
    run = tmp_path / "run"
    result = train(
        spec, shared_data / "tshirt_vs_shirt", run, "--limit", "100", "--epochs", "1",
        env=cached_imagenet(tmp_path, hed),
    )  # fmt: skip
    out = result.stdout
    assert "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5" in out
    assert "Extracting features with the frozen base" in out
    assert stage_line("train", 16_449, 14_714_688) in out
    assert (a.trainable_params, a.non_trainable_params) == (16_449, 14_714_688)
    saved = checkpoint.load(run / "model.safetensors", a).tensors
    for key, value in hed_arrays(hed).items():  # the frozen base kept the loaded weights
        np.testing.assert_array_equal(saved[key], value)
    assert json.loads((run / "history.json").read_text())["test"] is not None


@pytest.mark.slow
def test_two_stage_fine_tuning(shared_data, tmp_path, hed):
    spec = HERE / "specs" / "vgg_finetune_small.spec"
    a = load(spec)
    run = tmp_path / "run"
    out = train(
        spec, shared_data / "tshirt_vs_shirt", run, "--limit", "60", "--weights", hed
    ).stdout
    for stage in a.stages:
        line = stage_line(stage.stage.name, stage.trainable_params, stage.non_trainable_params)
        assert line in out
    assert out.index("Stage head:") < out.index("Stage finetune:")
    assert (run / "best_head.weights.h5").is_file() and (run / "best_finetune.weights.h5").is_file()
    assert json.loads((run / "history.json").read_text())["stage"] == ["head", "finetune"]
    saved = checkpoint.load(run / "model.safetensors", a).tensors
    loaded = hed_arrays(hed)
    np.testing.assert_array_equal(saved["block4_conv3/kernel"], loaded["block4_conv3/kernel"])
    assert not np.array_equal(saved["block5_conv3/kernel"], loaded["block5_conv3/kernel"])


def small_folder(root, shared_data, per_class=4):
    """A real image folder (copies of tshirt_vs_shirt images) with train/validation/test."""
    for split in ("train", "validation", "test"):
        for name in ("shirt", "tshirt"):
            target = root / split / name
            target.mkdir(parents=True)
            source = sorted((shared_data / "tshirt_vs_shirt" / split / name).iterdir())
            for path in source[:per_class]:
                shutil.copy(path, target / path.name)
    return root


def bad_case(case, tmp_path, shared_data, hed):
    """(spec, data folder, extra args, env, text the error line must hold)."""
    data = small_folder(tmp_path / "data", shared_data)
    spec = HERE / "specs" / "tshirt_small.spec"
    if case == "missing_validation":
        shutil.rmtree(data / "validation")
        return spec, data, [], {}, f"{data / 'validation'}: missing"
    if case == "empty_class_folder":
        for p in (data / "validation" / "tshirt").iterdir():
            p.unlink()
        return spec, data, [], {}, f"{data / 'validation' / 'tshirt'}: class folder has no images"
    if case == "corrupt_image":
        bad = data / "train" / "shirt" / "broken.png"
        bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really an image" * 10)
        return spec, data, [], {}, f"{bad}: not a readable image"
    if case == "wrong_shape_weights":
        spec = HERE / "specs" / "vgg_features_small.spec"
        a = load(spec)
        tensors = {k: v for k, v in checkpoint.random_weights(a).items() if k[:5] == "block"}
        tensors["block2_conv1/kernel"] = np.zeros((3, 3, 64, 64), np.float32)
        weights = tmp_path / "wrong.h5"
        write_legacy_cache_file(weights, tensors, False)
        return spec, data, ["--weights", str(weights)], {}, f"{weights}: 'block2_conv1"
    assert case == "no_imagenet_weights"
    spec = with_weights(tmp_path, "vgg_features_small", "weights=imagenet")
    env = {"HOME": str(tmp_path / "home"), "KERAS_HOME": str(tmp_path / "kh")}
    return spec, data, [], env, "~/.keras/models/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"


@pytest.mark.parametrize(
    "case",
    [
        "missing_validation",
        "empty_class_folder",
        "corrupt_image",
        "wrong_shape_weights",
        "no_imagenet_weights",
    ],
)
def test_bad_input_gives_one_line_and_writes_nothing(case, tmp_path, shared_data, hed):
    spec, data, extra, env, expected = bad_case(case, tmp_path, shared_data, hed)
    run = tmp_path / "runs" / "run"
    result = run_cli(
        "train", str(spec), "--backend", "keras", "--data", str(data), "--run-dir", str(run),
        *extra, env=env,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    lines = error_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert expected in lines[0], lines[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "runs").exists()
