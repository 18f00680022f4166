"""The model the emitted code builds equals `specdsl summary`: shapes, params, trainable split."""

from __future__ import annotations

import numpy as np
import pytest

from specdsl import ir
from specdsl.api import load
from specdsl.backends.keras.train import stage_functions
from specdsl.weights import checkpoint
from tests.conftest import ROOT
from tests.keras.helpers import ALL_SPECS, HERE, spec_id

keras = pytest.importorskip("keras", reason="Keras is not installed (pip install specdsl[keras])")
runtime = pytest.importorskip("specdsl.backends.keras.runtime")


def counts(model):
    def total(weights):
        return sum(int(np.prod(w.shape)) for w in weights)

    return total(model.weights), total(model.trainable_weights), total(model.non_trainable_weights)


def layer_trainable_params(layer) -> int:
    return sum(int(np.prod(w.shape)) for w in layer.trainable_weights)


@pytest.mark.parametrize("path", ALL_SPECS, ids=spec_id)
def test_emitted_model_equals_summary(path):
    a = load(path)
    model = runtime.build_keras_model(a)
    assert model.name == a.spec.name
    assert [lyr.name for lyr in model.layers] == ["input_layer"] + [i.name for i in a.layers]
    assert tuple(model.input.shape[1:]) == a.input_shape
    for info, lyr in zip(a.layers, model.layers[1:], strict=True):
        assert tuple(lyr.output.shape[1:]) == info.output_shape, info.name
        assert lyr.count_params() == info.params, info.name
        assert layer_trainable_params(lyr) == info.trainable_params, info.name
        if info.children:  # a base: its own layers, input first, like conv_base.layers
            assert [c.name for c in lyr.layers] == [c.name for c in info.children]
            for child, inner in zip(info.children, lyr.layers, strict=True):
                assert type(inner).__name__ == ir.kind_of(child.layer).keras_class, child.name
                assert tuple(inner.output.shape[1:]) == child.output_shape, child.name
                assert inner.count_params() == child.params, child.name
                assert layer_trainable_params(inner) == child.trainable_params, child.name
    assert counts(model) == (a.total_params, a.trainable_params, a.non_trainable_params)


def test_lecture_counts():
    model = runtime.build_keras_model(load(ROOT / "specs" / "vgg16_finetune.spec"))
    assert counts(model) == (17_992_001, 10_356_737, 7_635_264)
    assert len(model.get_layer("vgg16").layers) == 19


def test_base_equals_keras_applications_vgg16():
    keras.backend.clear_session()  # Keras's automatic names (input_layer) start afresh
    a = load(HERE / "specs" / "vgg_features_small.spec")
    ours = runtime.build_keras_model(a).get_layer("vgg16")
    theirs = keras.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    assert ours.name == theirs.name == "vgg16"
    assert len(ours.layers) == len(theirs.layers) == 19
    for mine, keras_layer in zip(ours.layers, theirs.layers, strict=True):
        assert mine.name == keras_layer.name
        assert type(mine) is type(keras_layer)
        assert mine.output.shape == keras_layer.output.shape
        assert mine.count_params() == keras_layer.count_params()
        assert mine.get_config().get("padding") == keras_layer.get_config().get("padding")
        assert mine.get_config().get("activation") == keras_layer.get_config().get("activation")


@pytest.mark.parametrize("name", ["vgg_finetune_small", "odd_base"])
def test_stage_functions_give_the_summary_counts(name):
    """Each emitted set_trainable_<stage> gives that stage's split, in any order of stages."""
    a = load(HERE / "specs" / f"{name}.spec")
    model = runtime.build_keras_model(a)
    namespace: dict = {}
    exec("\n".join(stage_functions(a)), namespace)
    order = list(range(len(a.stages))) + list(reversed(range(len(a.stages))))
    for k in order:
        stage = a.stages[k]
        namespace[f"set_trainable_{stage.stage.name}"](model)
        want = (stage.trainable_params + stage.non_trainable_params, stage.trainable_params)
        assert counts(model)[:2] == want, stage.stage.name


def test_preprocess_caffe_is_keras_vgg16_preprocess_input(shared_data):
    from PIL import Image

    a = load(ROOT / "specs" / "vgg16_features_aug.spec")
    model = runtime.build_keras_model(a)
    image = Image.open(shared_data / "images" / "chelsea.jpg").convert("RGB").resize((180, 180))
    batch = np.asarray(image, dtype="float32")[None]
    ours = keras.ops.convert_to_numpy(model.get_layer("preprocess")(batch))
    theirs = keras.applications.vgg16.preprocess_input(batch.copy())
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-4)
    np.testing.assert_allclose(
        ours[0, 0, 0], batch[0, 0, 0, ::-1] - [103.939, 116.779, 123.68], atol=1e-4
    )


def test_augmentation_is_inactive_at_inference():
    a = load(HERE / "specs" / "tshirt_small.spec")
    model = runtime.build_keras_model(a)
    x = np.random.default_rng(0).uniform(0, 255, (4, 28, 28, 1)).astype("float32")
    y = x
    for layer in model.layers[1:]:
        if layer.name != "random_flip":
            y = layer(y, training=False)
    np.testing.assert_allclose(
        model.predict(x, verbose=0), keras.ops.convert_to_numpy(y), rtol=1e-5, atol=1e-6
    )
    keras.utils.set_random_seed(0)
    batch = np.repeat(x, 4, axis=0)  # 16 images: that none is flipped has chance 2**-16
    flipped = keras.ops.convert_to_numpy(model.get_layer("random_flip")(batch, training=True))
    assert not np.array_equal(flipped, batch)


def test_weights_round_trip_through_the_neutral_checkpoint(tmp_path):
    a = load(HERE / "specs" / "odd_layers.spec")
    model = runtime.build_keras_model(a)
    tensors = checkpoint.random_weights(a, seed=3)
    tensors["batch_normalization/moving_mean"] += 0.5
    runtime.set_weights(model, a, tensors)
    got = runtime.get_weights(model, a)
    assert list(got) == [key for key, _, _ in a.weights()]
    for key in tensors:
        np.testing.assert_array_equal(got[key], tensors[key])
    path = checkpoint.save(tmp_path / "model.safetensors", got, a)
    again = runtime.build_keras_model(a)
    runtime.set_weights(again, a, checkpoint.load(path, a).tensors)
    x = np.random.default_rng(1).uniform(0, 255, (2, 40, 36, 3)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), again.predict(x, verbose=0), rtol=1e-5)


def test_set_weights_refuses_wrong_keys_and_shapes():
    a = load(HERE / "specs" / "tshirt_small.spec")
    model = runtime.build_keras_model(a)
    tensors = checkpoint.random_weights(a)
    with pytest.raises(checkpoint.CheckpointError, match="missing weight 'conv2d/kernel'"):
        runtime.set_weights(model, a, {k: v for k, v in tensors.items() if k != "conv2d/kernel"})
    with pytest.raises(checkpoint.CheckpointError, match="'dense/kernel' has shape"):
        runtime.set_weights(model, a, {"dense/kernel": np.zeros((3, 1))}, strict=False)
    with pytest.raises(checkpoint.CheckpointError, match="'nope/bias' is not in model"):
        runtime.set_weights(model, a, {"nope/bias": np.zeros(1)}, strict=False)
