"""The language: every statement parses to the IR it means; the IR round-trips; fmt is canonical."""

from __future__ import annotations

import json

import pytest

from specdsl import ir
from specdsl.syntax.format import format_spec
from specdsl.syntax.parse import parse_file, parse_text
from tests.conftest import LECTURE_SPECS, REPO_SPECS, ROOT, SPECS

ALL_SPECS = REPO_SPECS + sorted((SPECS / "zoo").glob("*.spec"))
# Every spec in the repository, the backends' test specs too (these use aliases on purpose).
REPO_SPECS = sorted(set(ROOT.glob("specs/**/*.spec")) | set(ROOT.glob("tests/*/specs/*.spec")))


def test_the_six_lecture_specs_exist_each_naming_its_listing():
    names = {p.stem for p in LECTURE_SPECS}
    assert names >= {
        "mnist_convnet",
        "dogs_cats_scratch",
        "dogs_cats_aug",
        "vgg16_features",
        "vgg16_features_aug",
        "vgg16_finetune",
    }
    for path in LECTURE_SPECS:
        first = path.read_text().splitlines()[0]
        assert first.startswith("# ") and "Listing" in first, path


@pytest.mark.parametrize("path", ALL_SPECS, ids=lambda p: p.stem)
def test_ir_round_trips_through_json(path):
    spec = parse_file(path)
    again = ir.ModelSpec.model_validate_json(spec.model_dump_json())
    assert again == spec


@pytest.mark.parametrize("path", REPO_SPECS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fmt_is_idempotent_and_preserves_meaning(path):
    text = path.read_text()
    spec = parse_text(text, str(path))
    formatted = format_spec(spec, text)
    assert ir.ir_equal(parse_text(formatted), spec)
    assert format_spec(parse_text(formatted), formatted) == formatted
    if path.is_relative_to(SPECS):
        # The lecture's and the zoo's specs are kept in canonical form.
        assert formatted == text


def layers_of(text: str):
    return parse_text("input 32x32x3\n" + text).layers


def test_conv_options():
    (c,) = layers_of("conv 16 k3x5 s1x2 same nobias relu")
    assert isinstance(c, ir.Conv2D)
    assert (c.filters, c.kernel, c.strides, c.padding, c.use_bias, c.activation) == (
        16,
        (3, 5),
        (1, 2),
        "same",
        False,
        "relu",
    )
    (c,) = layers_of("conv 8 k3")
    assert (c.strides, c.padding, c.activation, c.use_bias) == ((1, 1), "valid", None, True)


def test_pooling_kinds():
    a, b, c, d, e = layers_of("pool 2; pool 3 s2; pool 2 same; avgpool 2; gap")
    assert isinstance(a, ir.MaxPool2D) and a.pool == (2, 2) and a.strides is None
    assert b.pool == (3, 3) and b.strides == (2, 2)
    assert c.padding == "same"
    assert isinstance(d, ir.AvgPool2D)
    assert isinstance(e, ir.GlobalAvgPool2D)


def test_dense_dropout_batchnorm_activation_rescale():
    d, dr, bn, act, rs, rs2 = layers_of(
        "dense 256; dropout 0.5; batchnorm momentum=0.9; activation gelu; rescale 1/255;"
        " rescale 1/127.5 offset=-1"
    )
    assert d.units == 256 and d.activation is None
    assert dr.rate == 0.5
    assert bn.momentum == 0.9 and bn.epsilon == 0.001
    assert act.activation == "gelu"
    assert rs.scale == pytest.approx(1 / 255)
    assert rs2.scale == pytest.approx(1 / 127.5) and rs2.offset == -1


def test_augmentation_factors_are_kept_as_keras_means_them():
    flip, rot, zoom = layers_of("augment flip horizontal; rotate 0.1; zoom 0.2")
    assert flip.mode == "horizontal"
    assert rot.factor == 0.1 and zoom.factor == 0.2
    same = layers_of("augment flip horizontal, rotate 0.1, zoom 0.2")
    assert [ir.strip_spans(x) for x in same] == [ir.strip_spans(x) for x in (flip, rot, zoom)]


def test_keras_automatic_names_and_explicit_names():
    names = [
        x.name
        for x in layers_of("conv 8 k3; conv 8 k3; pool 2; my_conv: conv 8 k3; conv 8 k3; flatten")
    ]
    assert names == ["conv2d", "conv2d_1", "max_pooling2d", "my_conv", "conv2d_2", "flatten"]


def test_base_expands_the_zoo_spec_with_keras_layer_names():
    spec = parse_text("input 180x180x3; base vgg16 weights=imagenet; flatten")
    base = spec.layers[0]
    assert isinstance(base, ir.Base) and base.name == "vgg16" and base.weights == "imagenet"
    names = [x.name for x in base.layers]
    assert len(names) == 19 and names[0] == "input_layer"
    assert names[1] == "block1_conv1" and names[-1] == "block5_pool"
    quoted = parse_text('input 32x32x3; base vgg16 weights="/tmp/my weights.h5"').layers[0]
    assert quoted.weights == "/tmp/my weights.h5"


def test_freeze_slices_and_stages():
    spec = parse_file(SPECS / "vgg16_finetune.spec")
    (op,) = spec.freeze
    assert (op.action, op.target, op.slice.start, op.slice.stop) == ("freeze", "vgg16", None, -4)
    first, second = spec.training.stages
    assert first.name == "feature_head" and first.freeze[0].slice is None and first.epochs == 50
    assert second.optimizer.learning_rate == 1e-5 and second.epochs == 30


def test_training_section():
    t = parse_file(SPECS / "mnist_convnet.spec").training
    assert t.loss == "sparse_categorical_crossentropy"
    assert t.optimizer.name == "rmsprop" and t.metrics == ("accuracy",)
    assert (t.epochs, t.batch_size, t.checkpoint) == (5, 64, None)
    t = parse_file(SPECS / "vgg16_features.spec").training
    assert t.strategy == "features" and t.checkpoint.monitor == "val_loss"


def test_semicolons_newlines_comments_are_equivalent():
    one = parse_text("input 28x28x1; conv 32 k3 relu; pool 2; flatten; dense 10 softmax")
    many = parse_text(
        "# a comment\ninput 28x28x1\n\nconv 32 k3 relu  # trailing\n"
        "pool 2\nflatten\ndense 10 softmax\n"
    )
    assert ir.ir_equal(one, many)


def test_fmt_keeps_comments_and_canonicalizes():
    text = (
        "input 28x28x1 # size\n# the features\nconv 32 k3 relu;pool 2\nflatten\ndense 10 softmax\n"
    )
    out = format_spec(parse_text(text), text)
    assert "input 28x28x1  # size" in out
    assert "# the features\nconv 32 k3 relu\npool 2" in out
    assert format_spec(parse_text(out), out) == out


def test_schema_is_json_schema_of_the_root():
    schema = ir.ModelSpec.model_json_schema()
    assert schema["title"] == "ModelSpec"
    text = json.dumps(schema)
    for kind in ("conv", "maxpool", "dense", "base", "flip"):
        assert f'"{kind}"' in text
