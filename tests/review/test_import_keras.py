"""Import ``.keras`` files saved by real Keras (the lecture's own listings) without TensorFlow.

One subprocess builds and saves the models with Keras; the importer itself only unzips
``config.json`` (this test process never imports TensorFlow for it).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from specdsl.review.importers import ImportFailed, import_model
from tests.review.conftest import cli, spec, subprocess_env

SAVE = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import keras
    from keras import layers

    out = Path(sys.argv[1])

    # Listing 8.1-8.2: the MNIST convnet
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(filters=32, kernel_size=3, activation="relu")(inputs)
    x = layers.MaxPooling2D(pool_size=2)(x)
    x = layers.Conv2D(filters=64, kernel_size=3, activation="relu")(x)
    x = layers.MaxPooling2D(pool_size=2)(x)
    x = layers.Conv2D(filters=128, kernel_size=3, activation="relu")(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs=inputs, outputs=outputs, name="mnist_convnet")
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.save(out / "mnist.keras")
    keras.backend.clear_session()

    # Listings 8.25 and 8.27-8.28: VGG16 with augmentation, fine-tuning the last four layers
    conv_base = keras.applications.vgg16.VGG16(
        weights=None, include_top=False, input_shape=(180, 180, 3))
    conv_base.trainable = True
    for layer in conv_base.layers[:-4]:
        layer.trainable = False
    data_augmentation = keras.Sequential(
        [layers.RandomFlip("horizontal"), layers.RandomRotation(0.1), layers.RandomZoom(0.2)])
    inputs = keras.Input(shape=(180, 180, 3))
    x = data_augmentation(inputs)
    x = keras.applications.vgg16.preprocess_input(x)
    x = conv_base(x)
    x = layers.Flatten()(x)
    x = layers.Dense(256)(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs, name="vgg16_finetune")
    model.compile(loss="binary_crossentropy",
                  optimizer=keras.optimizers.RMSprop(learning_rate=1e-5), metrics=["accuracy"])
    model.save(out / "finetune.keras")
    keras.backend.clear_session()

    # A layer the spec language does not have: model.layers[2]
    model = keras.Sequential([
        keras.Input(shape=(16, 16, 3)),
        layers.Conv2D(4, 3, padding="same", strides=2, use_bias=False),
        layers.BatchNormalization(momentum=0.9),
        layers.LayerNormalization(),
        layers.GlobalAveragePooling2D(),
        layers.Dense(2),
    ], name="odd")
    model.save(out / "odd.keras")
    keras.backend.clear_session()

    # The model specdsl's own Keras backend builds from a spec
    from specdsl.api import load
    from specdsl.backends.keras.runtime import build_keras_model

    build_keras_model(load(sys.argv[2])).save(out / "backend.keras")
    """
)


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    pytest.importorskip("keras")
    out = tmp_path_factory.mktemp("keras")
    r = subprocess.run(
        [sys.executable, "-c", SAVE, str(out), str(spec("vgg16_features_aug"))],
        capture_output=True,
        text=True,
        timeout=300,
        env=subprocess_env(),
    )
    assert r.returncode == 0, r.stderr[-3000:]
    return out


def test_lecture_mnist_listing_matches_its_spec(saved: Path):
    imported = import_model(saved / "mnist.keras")
    assert imported.analysis.total_params == 104_202
    assert imported.spec.training.loss == "sparse_categorical_crossentropy"
    assert imported.spec.training.optimizer.learning_rate is None  # Keras's default
    code, out, _ = cli("diff", spec("mnist_convnet"), saved / "mnist.keras")
    assert code == 0, out
    assert "class names" in out and "training loop" in out  # said to be not compared


def test_lecture_finetune_listing_matches_its_spec(saved: Path):
    imported = import_model(saved / "finetune.keras")
    a = imported.analysis
    assert (a.total_params, a.trainable_params) == (17_992_001, 10_356_737)
    kinds = [layer.kind for layer in imported.spec.layers]
    assert kinds == [
        "flip",
        "rotate",
        "zoom",
        "preprocess",
        "base",
        "flatten",
        "dense",
        "dropout",
        "dense",
    ]
    assert [op.text() for op in imported.spec.freeze] == ["freeze vgg16[:-4]"]
    assert imported.spec.training.optimizer.learning_rate == 1e-5
    code, out, _ = cli("diff", spec("vgg16_finetune"), saved / "finetune.keras", "-f", "json")
    assert code == 0, out
    # against the frozen-base spec: the unfrozen block5 and the learning rate show
    code, out, _ = cli("diff", spec("vgg16_features_aug"), saved / "finetune.keras", "-f", "json")
    assert code == 1
    data = json.loads(out)
    assert data["totals"]["trainable_params"]["new"] == 10_356_737
    assert {"field": "learning rate", "old": 0.001, "new": 1e-05} in data["settings"]["training"]


def test_import_writes_a_spec_that_checks(saved: Path, tmp_path: Path):
    out = tmp_path / "finetune.spec"
    code, msg, _ = cli("import", saved / "finetune.keras", "-o", out)
    assert code == 0 and "17,992,001 params, 10,356,737 trainable" in msg
    text = out.read_text()
    assert "preprocess caffe\nbase vgg16\n" in text and "optimizer rmsprop lr=1e-5" in text
    code, _, _ = cli("check", out)
    assert code == 0
    code, _, _ = cli("fmt", "--check", out)
    assert code == 0


def test_unsupported_layer_is_named_with_its_position(saved: Path):
    with pytest.raises(ImportFailed) as e:
        import_model(saved / "odd.keras")
    msg = str(e.value)
    assert "odd.keras: model.layers[2] 'layer_normalization' is a LayerNormalization" in msg
    assert "supported:" in msg and "Conv2D" in msg
    code, _, err = cli("import", saved / "odd.keras")
    assert code == 1 and "LayerNormalization" in err and "Traceback" not in err


def test_broken_keras_files(tmp_path: Path):
    (tmp_path / "a.keras").write_bytes(b"plain text")
    with pytest.raises(ImportFailed, match="not a zip archive"):
        import_model(tmp_path / "a.keras")
    import zipfile

    with zipfile.ZipFile(tmp_path / "b.keras", "w") as z:
        z.writestr("metadata.json", "{}")
    with pytest.raises(ImportFailed, match="no config.json inside"):
        import_model(tmp_path / "b.keras")


def test_round_trip_through_the_keras_backend(saved: Path, tmp_path: Path):
    """spec -> specdsl's Keras model -> .keras -> import: the same model (diff exit 0)."""
    code, out, _ = cli("diff", spec("vgg16_features_aug"), saved / "backend.keras")
    assert code == 0, out
    written = tmp_path / "back.spec"
    code, _, _ = cli("import", saved / "backend.keras", "-o", written)
    assert code == 0
    text = written.read_text()
    assert "preprocess caffe\nbase vgg16\n" in text and "freeze vgg16\n" in text
