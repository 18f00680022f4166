"""The zoo's graph bases (ResNet50, MobileNetV2), written with blocks, equal keras.applications
layer by layer: names, order, output shapes, parameters; freeze slices count as Keras's."""

from __future__ import annotations

import numpy as np
import pytest

from specdsl.api import loads
from specdsl.syntax.parse import load_zoo_spec

keras = pytest.importorskip("keras", reason="Keras is not installed (pip install specdsl[keras])")
runtime = pytest.importorskip("specdsl.backends.keras.runtime")

APPS = {"resnet50": "ResNet50", "mobilenet_v2": "MobileNetV2"}


def _spec(arch: str, size: int, freeze: str = "") -> str:
    return f"input {size}x{size}x3\nbase {arch}\ngap\ndense 2 softmax\n{freeze}\n"


def _theirs(arch: str, size: int):
    keras.backend.clear_session()
    make = getattr(keras.applications, APPS[arch])
    return make(include_top=False, weights=None, input_shape=(size, size, 3))


def _trainable(weights) -> int:
    return sum(int(np.prod(w.shape)) for w in weights)


@pytest.mark.parametrize(
    ("arch", "size"),
    # 180: the lecture's size; MobileNetV2's stride-2 pads then differ from 224's (odd sizes)
    [("resnet50", 224), ("mobilenet_v2", 224), ("mobilenet_v2", 180)],
)
def test_base_equals_keras_applications_layer_by_layer(arch, size):
    a = loads(_spec(arch, size))
    theirs = _theirs(arch, size)
    children = a.base.children
    assert [c.name for c in children] == [layer.name for layer in theirs.layers]
    for child, layer in zip(children, theirs.layers, strict=True):
        assert tuple(layer.output.shape[1:]) == child.output_shape, child.name
        assert layer.count_params() == child.params, child.name
    assert a.base.params == theirs.count_params()


@pytest.mark.parametrize("arch", sorted(APPS))
def test_the_emitted_base_is_built_as_keras_builds_it(arch):
    a = loads(_spec(arch, 96))
    ours = runtime.build_keras_model(a).get_layer(arch)
    theirs = _theirs(arch, 96)
    assert [x.name for x in ours.layers] == [x.name for x in theirs.layers]
    for mine, keras_layer in zip(ours.layers, theirs.layers, strict=True):
        assert mine.output.shape == keras_layer.output.shape, mine.name
        assert mine.count_params() == keras_layer.count_params(), mine.name
        assert [t.name for t in _inbound(mine)] == [t.name for t in _inbound(keras_layer)]


def _inbound(layer) -> list:
    if not layer._inbound_nodes:
        return []
    return [t._keras_history.operation for t in layer._inbound_nodes[0].input_tensors]


@pytest.mark.parametrize(("arch", "cut"), [("resnet50", -33), ("mobilenet_v2", -20)])
def test_a_freeze_slice_leaves_trainable_what_keras_leaves(arch, cut):
    a = loads(_spec(arch, 96, f"freeze {arch}[:{cut}]"))
    theirs = _theirs(arch, 96)
    for layer in theirs.layers[:cut]:
        layer.trainable = False
    assert a.base.trainable_params == _trainable(theirs.trainable_weights)
    assert a.base.non_trainable_params == _trainable(theirs.non_trainable_weights)


def test_the_zoo_specs_are_short_and_written_with_blocks():
    for arch in APPS:
        spec = load_zoo_spec(arch)
        assert spec.blocks and spec.calls, arch
    from specdsl.zoo import zoo_path

    for arch in APPS:
        lines = [x for x in zoo_path(arch).read_text().splitlines() if x and not x.startswith("#")]
        assert len(lines) <= 80, arch


@pytest.mark.parametrize("arch", sorted(APPS))
@pytest.mark.parametrize("suffix", [".weights.h5", ".h5"])
def test_weights_keras_saved_map_by_name_into_the_graph_base(arch, suffix, tmp_path):
    from specdsl.backends.keras.weights import read_keras_weights

    theirs = _theirs(arch, 64)
    rng = np.random.default_rng(3)
    for layer in theirs.layers:  # every weight random, batch-norm statistics included
        layer.set_weights([rng.normal(0, 0.1, w.shape).astype("float32") for w in layer.weights])
    path = tmp_path / f"{arch}{suffix}"
    if suffix == ".h5":
        theirs.save(path)  # the legacy whole-model HDF5 file (Keras warns that it is legacy)
    else:
        theirs.save_weights(path)
    a = loads(f"input 64x64x3\nbase {arch} weights={path}\ngap\n")
    got = read_keras_weights(path, a, scope=arch)
    slots = {c.name: [w.name for w in c.weights] for c in a.base.children}
    n = 0
    for layer in theirs.layers:
        for slot, value in zip(slots[layer.name], layer.get_weights(), strict=True):
            np.testing.assert_array_equal(got[f"{layer.name}/{slot}"], value)
            n += 1
    assert n == len(got) == len(theirs.weights)


@pytest.mark.parametrize("arch", sorted(APPS))
def test_import_finds_the_graph_base_in_a_keras_file(arch, tmp_path):
    """A model built on keras.applications (nested, as the lecture builds on conv_base) reads
    back as 'base ARCH' with its head; its layers in place are taken as they read."""
    from specdsl.review.importers import import_model

    theirs = _theirs(arch, 64)
    inputs = keras.Input((64, 64, 3))
    x = keras.layers.GlobalAveragePooling2D()(theirs(inputs))
    nested = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(x))
    nested.save(tmp_path / "nested.keras")
    got = import_model(tmp_path / "nested.keras")
    base = got.analysis.base
    assert base is not None and base.layer.arch == arch
    assert got.analysis.total_params == nested.count_params()
    flat = keras.Model(theirs.input, keras.layers.Dense(2)(keras.layers.Flatten()(theirs.output)))
    flat.save(tmp_path / "flat.keras")
    got = import_model(tmp_path / "flat.keras")
    assert got.analysis.total_params == flat.count_params()
    assert [i.name for i in got.analysis.layers][:-2] == [x.name for x in theirs.layers[1:]]


def test_import_of_an_exported_graph_base_gives_the_base_back(tmp_path):
    pytest.importorskip("onnx", reason="onnx is not installed")
    from specdsl.backends.onnx import export
    from specdsl.review.importers import import_model
    from specdsl.weights.checkpoint import random_weights

    a = loads("model rb\ninput 48x48x3\npreprocess caffe\nbase resnet50\ngap\ndense 3 softmax\n")
    export(a, random_weights(a, seed=1), tmp_path / "rb.onnx")
    got = import_model(tmp_path / "rb.onnx")
    assert [i.kind for i in got.analysis.layers] == ["preprocess", "base", "globalavgpool", "dense"]
    assert got.analysis.total_params == a.total_params
