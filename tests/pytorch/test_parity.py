"""Same canonical weights -> the emitted PyTorch module gives Keras's logits (within 1e-5).

Keras's side is the Keras backend's own emitted model (specdsl.backends.keras.runtime). The
final sigmoid/softmax is left out on both sides: logits show a wrong flatten order at once,
where probabilities would hide it. The last kernel is scaled so that the logits are of order
one, and the tolerance is 1e-5 times the largest logit (at least 1e-5).
"""

from __future__ import annotations

import numpy as np
import pytest

from specdsl.api import load
from specdsl.weights.checkpoint import random_weights
from tests.conftest import ROOT, shared_data_dir
from tests.pytorch.helpers import ALL_SPECS, HED_WEIGHTS, spec_id

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")
from specdsl.backends.keras.runtime import build_keras_model, keras_layer  # noqa: E402
from specdsl.backends.keras.runtime import set_weights as set_keras_weights  # noqa: E402
from specdsl.backends.pytorch.runtime import build_torch_model, set_weights  # noqa: E402


def canonical_weights(a, seed=3):
    """Random Glorot weights; a base gets the real VGG16 weights file when it is there."""
    weights = random_weights(a, seed=seed)
    data = shared_data_dir()
    if a.base is not None and data is not None and (data / HED_WEIGHTS).is_file():
        from specdsl.backends.keras.weights import read_keras_weights

        weights.update(read_keras_weights(data / HED_WEIGHTS, a, scope=a.base.name))
    return weights


def inputs(a, n):
    h, w, c = a.input_shape
    x = np.random.default_rng(7).random((n, h, w, c)).astype(np.float32)
    return x if a.scales_inputs else x * 255  # the pixel range train.py feeds


class Pair:
    """The Keras and the PyTorch model of a spec, with the same canonical weights."""

    def __init__(self, a, weights):
        self.a = a
        self.keras = build_keras_model(a)
        final = a.final_activation
        if final.squashes:
            keras_layer(self.keras, final.info).activation = keras.activations.linear
        self.torch = build_torch_model(a)
        self.set(weights)

    def set(self, weights):
        set_keras_weights(self.keras, self.a, weights)
        set_weights(self.torch, self.a, weights)

    def logits(self, x):
        k = np.asarray(self.keras(x, training=False))
        with torch.no_grad():
            t = self.torch.logits(torch.from_numpy(x.transpose(0, 3, 1, 2).copy())).numpy()
        return k, t


def last_kernel(a):
    return [key for key, w, _ in a.weights() if w.name == "kernel"][-1]


@pytest.mark.parametrize("path", ALL_SPECS, ids=spec_id)
def test_logits_equal_keras(path):
    a = load(path)
    weights = canonical_weights(a)
    pair = Pair(a, weights)
    x = inputs(a, 1 if a.base is not None else 3)
    k, _ = pair.logits(x)
    scale = 2.0 / max(float(np.abs(k).max()), 1e-12)
    weights[last_kernel(a)] = weights[last_kernel(a)] * np.float32(scale)
    pair.set(weights)
    k, t = pair.logits(x)
    assert k.shape == t.shape == (len(x), *a.output_shape)
    assert np.abs(k).max() > 0.5  # logits of order one: a wrong order could not hide
    tolerance = 1e-5 * max(1.0, float(np.abs(k).max()))
    assert np.abs(k - t).max() <= tolerance, (np.abs(k - t).max(), np.abs(k).max())


def test_copying_dense_rows_unchanged_would_be_caught():
    """The control: without the H,W,C -> C,H,W reordering the logits are far off."""
    a = load(ROOT / "specs" / "mnist_convnet.spec")
    weights = random_weights(a, seed=5)
    pair = Pair(a, weights)
    x = inputs(a, 4)
    k, t = pair.logits(x)
    assert np.abs(k - t).max() <= 1e-5 * max(1.0, float(np.abs(k).max()))
    with torch.no_grad():  # now load the Dense kernel merely transposed
        pair.torch.dense.weight.copy_(torch.from_numpy(weights["dense/kernel"].T.copy()))
    k, t = pair.logits(x)
    assert np.abs(k - t).max() > 1e-2


def test_vgg16_features_from_the_real_weights_file_equal_keras(shared_data):
    """The base alone, with the real VGG16 weights file converted to OIHW."""
    a = load(ROOT / "specs" / "vgg16_features.spec")
    pair = Pair(a, canonical_weights(a))
    x = inputs(a, 1)
    pre = pair.keras.get_layer("preprocess")(x)
    k = np.asarray(pair.keras.get_layer("vgg16")(pre, training=False))
    with torch.no_grad():
        t = pair.torch.features(torch.from_numpy(x.transpose(0, 3, 1, 2).copy())).numpy()
    t = t.transpose(0, 2, 3, 1)
    assert k.shape == t.shape == (1, 5, 5, 512)
    assert np.abs(k - t).max() <= 1e-5 * max(1.0, float(np.abs(k).max()))
