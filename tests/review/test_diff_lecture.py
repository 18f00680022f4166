"""``specdsl diff`` on the lecture's pairs of models, in every format, with its exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from specdsl.review.diff import diff_models
from specdsl.review.sources import load_source
from tests.review.conftest import cli, spec


def diff_of(a: str, b: str, **kw):
    return diff_models(load_source(spec(a)), load_source(spec(b)), **kw)


def changed(d) -> dict[str, tuple]:
    return {(s.name, c.what): (c.old, c.new) for s in d.sections for c in s.changes}


def test_scratch_vs_aug_adds_augmentation_and_dropout_without_new_params():
    d = diff_of("dogs_cats_scratch", "dogs_cats_aug")
    assert not d.same
    added = [x.name for x in d.layers if x.status == "added"]
    assert added == ["random_flip", "random_rotation", "random_zoom", "dropout"]
    assert [x for x in d.all_layers() if x.status in ("removed", "changed")] == []
    # every layer the two share is aligned and unchanged, with the same shapes
    same = [x.name for x in d.layers if x.status == "same"]
    assert same[:2] == ["rescaling", "conv2d"] and same[-2:] == ["flatten", "dense"]
    assert all(not x.differs for x in d.layers if x.status == "same")
    assert all(x.delta("params") == 0 for x in d.layers)
    totals = {what: (a, b) for what, a, b in d.totals()}
    assert totals["params"] == (991_041, 991_041)
    assert totals["MACs per example"] == (415_288_960, 415_288_960)
    c = changed(d)
    assert c[("augmentation", "augment")] == (None, "flip horizontal; rotate 0.1; zoom 0.2")
    assert c[("training", "epochs")] == (30, 100)
    assert ("preprocessing", "preprocessing") not in c


def test_features_aug_vs_finetune_unfreezes_block5_and_changes_training():
    d = diff_of("vgg16_features_aug", "vgg16_finetune")
    totals = {what: (a, b) for what, a, b in d.totals()}
    assert totals["trainable params"] == (3_277_313, 10_356_737)
    assert totals["params"] == (17_992_001, 17_992_001)
    base = next(x for x in d.layers if x.kind == "base")
    assert base.status == "same" and base.trainable_changed
    unfrozen = [c.name for c in base.children if c.trainable_changed]
    assert unfrozen == ["block5_conv1", "block5_conv2", "block5_conv3"]
    assert all(c.new.trainable and not c.old.trainable for c in base.children if c.differs)
    c = changed(d)
    assert c[("freezing", "freeze")] == ("freeze vgg16", "freeze vgg16[:-4]")
    assert c[("freezing", "trainable params")] == (3_277_313, 10_356_737)
    assert c[("stages", "stages")] == (None, ["feature_head", "finetune"])
    assert c[("stages", "finetune: learning rate")] == (None, 1e-5)
    assert c[("stages", "finetune: epochs")] == (None, 30)
    assert c[("stages", "feature_head: trainable params")] == (None, 3_277_313)
    assert c[("training", "epochs")] == (50, None)
    assert not any(x.status != "same" for x in d.all_layers())


def test_features_vs_features_aug():
    d = diff_of("vgg16_features", "vgg16_features_aug")
    assert [x.name for x in d.layers if x.status == "added"] == [
        "random_flip",
        "random_rotation",
        "random_zoom",
    ]
    c = changed(d)
    assert c[("training", "strategy")] == ("features", "fit")
    assert c[("training", "epochs")] == (20, 50)
    assert ("freezing", "trainable params") not in c  # both freeze the whole base
    assert {w: (a, b) for w, a, b in d.totals()}["trainable params"] == (3_277_313, 3_277_313)


def test_changed_hyperparameter_shows_downstream_shapes_and_deltas(tmp_path: Path):
    text = spec("mnist_convnet").read_text().replace("conv 64 k3 relu", "conv 48 k5 relu")
    (tmp_path / "m.spec").write_text(text)
    d = diff_models(load_source(spec("mnist_convnet")), load_source(tmp_path / "m.spec"))
    conv = next(x for x in d.layers if x.name == "conv2d_1")
    assert conv.status == "changed"
    assert {c.what: (c.old, c.new) for c in conv.changes} == {
        "filters": (64, 48),
        "kernel": ([3, 3], [5, 5]),
    }
    # 13x13x32 -> conv 48 k5 -> 9x9x48: params 5*5*32*48 + 48, MACs 9*9*48*5*5*32
    assert conv.pair("output_shape") == ((11, 11, 64), (9, 9, 48))
    assert conv.pair("params") == (18_496, 38_448)
    assert conv.cost_pair("macs") == (2_230_272, 9 * 9 * 48 * 25 * 32)
    pool = next(x for x in d.layers if x.name == "max_pooling2d_1")
    assert pool.status == "same" and pool.shape_changed  # 5x5x64 -> 4x4x48
    dense = next(x for x in d.layers if x.name == "dense")
    assert dense.status == "same" and dense.delta("params") == (2 * 2 * 128 * 10) - (1152 * 10)


def test_inserted_layer_is_one_addition_even_though_keras_names_shift(tmp_path: Path):
    text = (
        spec("mnist_convnet")
        .read_text()
        .replace("conv 32 k3 relu", "conv 16 k3 same relu\nconv 32 k3 relu")
    )
    (tmp_path / "m.spec").write_text(text)
    d = diff_models(load_source(spec("mnist_convnet")), load_source(tmp_path / "m.spec"))
    statuses = [(x.status, x.pair("name")) for x in d.layers]
    assert statuses[0] == ("added", (None, "conv2d"))
    assert statuses[1] == ("same", ("conv2d", "conv2d_1"))
    assert [s for s, _ in statuses].count("same") == 7


def test_formatting_and_comments_only_give_exit_0(tmp_path: Path):
    messy = tmp_path / "messy.spec"
    messy.write_text(
        "# the same model, written differently\n"
        "model   mnist_convnet   # name\n"
        "input 28x28x1 ; classes 0 1 2 3 4 5 6 7 8 9\n"
        "conv 32 k3x3 relu; pool 2\n\n\n"
        "conv 64 k3 relu\n"
        "pool 2 ; conv 128 k3 relu\n"
        "flatten; dense 10 softmax\n"
        "loss sparse_categorical_crossentropy; optimizer rmsprop lr=0.001\n"
        "metrics accuracy; epochs 5; batch 64\n"
    )
    code, out, _ = cli("diff", spec("mnist_convnet"), messy)
    assert code == 0, out
    assert "no architecture or training difference" in out
    code, out, _ = cli("diff", spec("mnist_convnet"), messy, "--format", "json")
    assert code == 0 and json.loads(out)["same"] is True


def test_terminal_format_and_exit_1():
    code, out, _ = cli("diff", spec("dogs_cats_scratch"), spec("dogs_cats_aug"))
    assert code == 1
    assert "4 layer(s) added, 0 removed, 0 changed" in out
    for word in ("random_flip", "dropout 0.5", "991,041", "±0", "flip horizontal; rotate 0.1"):
        assert word in out


def test_markdown_format_is_a_pr_comment():
    code, out, _ = cli(
        "diff", spec("vgg16_features_aug"), spec("vgg16_finetune"), "--format", "markdown"
    )
    assert code == 1
    assert out.startswith("### specdsl diff: `vgg16_features_aug` → `vgg16_finetune`")
    assert "| trainable params | 3,277,313 | 10,356,737 | **+7,079,424** |" in out
    assert "`freeze vgg16` | `freeze vgg16[:-4]`" in out
    row = next(line for line in out.splitlines() if "vgg16/block5_conv1" in line)
    assert "no → yes" in row and "frozen → trainable" in row
    assert "block4_conv3" not in out  # unchanged layers inside the base stay folded


def test_json_format():
    code, out, _ = cli("diff", spec("vgg16_features_aug"), spec("vgg16_finetune"), "-f", "json")
    assert code == 1
    data = json.loads(out)
    assert data["same"] is False
    assert data["totals"]["trainable_params"] == {
        "old": 3_277_313,
        "new": 10_356_737,
        "delta": 7_079_424,
    }
    base = next(x for x in data["layers"] if x["kind"] == "base")
    flips = [c["name"] for c in base["layers"] if c["trainable_changed"]]
    assert flips == ["block5_conv1", "block5_conv2", "block5_conv3"]
    assert data["settings"]["freezing"][0] == {
        "field": "freeze",
        "old": "freeze vgg16",
        "new": "freeze vgg16[:-4]",
    }
    assert data["cost"]["new"]["batch_size"] == 32


def test_errors_exit_2(tmp_path: Path):
    code, _, err = cli("diff", spec("mnist_convnet"), tmp_path / "missing.spec")
    assert code == 2 and "no such file" in err
    bad = tmp_path / "bad.spec"
    bad.write_text("model bad\ninput 28x28x1\nconv 32 k3 relu\ndense 10 softmx\n")
    code, _, err = cli("diff", spec("mnist_convnet"), bad)
    assert code == 2 and "bad.spec:4" in err and "softmx" in err
    code, _, err = cli("diff", spec("mnist_convnet"), spec("mnist_convnet"), "-f", "yaml")
    assert code == 2
    code, _, err = cli("diff", spec("mnist_convnet"))
    assert code == 2 and "two model files" in err


def test_new_model_against_dev_null():
    code, out, _ = cli("diff", "/dev/null", spec("mnist_convnet"), "-f", "markdown")
    assert code == 1
    assert "new model: 7 layer(s)" in out
    assert "| params | 0 | 104,202 | **+104,202** |" in out


def test_a_base_added_as_a_whole_stays_folded():
    d = diff_of("dogs_cats_aug", "vgg16_features_aug")
    assert d.counts() == {"added": 3, "removed": 10, "changed": 3}
    added = [x.name for x in d.layers if x.status == "added"]
    assert added == ["preprocess", "vgg16", "dense"]  # dense 256; dense 1 pairs with dense_1
    code, out, _ = cli(
        "diff", spec("dogs_cats_aug"), spec("vgg16_features_aug"), "--format", "markdown"
    )
    assert code == 1 and "block1_conv1" not in out
    assert "| ➕ | **`vgg16`** | `base vgg16 weights=imagenet` | 5x5x512 | +14,714,688 |" in out
    code, out, _ = cli(
        "diff", spec("dogs_cats_aug"), spec("vgg16_features_aug"), "-f", "markdown", "--all"
    )
    assert "vgg16/block1_conv1" in out
