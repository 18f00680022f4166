"""specdsl run's resizing gives exactly tf.image.resize's numbers (what Keras's
image_dataset_from_directory feeds the model): bilinear, half-pixel centers, no antialias."""

from __future__ import annotations

import numpy as np
import pytest

from specdsl.run.resize import resize_bilinear, to_uint8

tf = pytest.importorskip("tensorflow", reason="TensorFlow is not installed")

SIZES_IN = [(300, 451), (28, 28), (5, 7), (1, 1), (37, 3), (2, 900)]
SIZES_OUT = [(180, 180), (28, 28), (1, 1), (7, 5), (224, 224), (999, 3)]


@pytest.mark.parametrize("size_in", SIZES_IN)
def test_equals_tf_image_resize(size_in):
    rng = np.random.default_rng(sum(size_in))
    for channels in (1, 3):
        img = rng.integers(0, 256, (*size_in, channels), dtype=np.uint8)
        for h, w in SIZES_OUT:
            want = tf.image.resize(img, (h, w)).numpy()
            got = resize_bilinear(img, h, w)
            assert got.dtype == np.float32 and got.shape == (h, w, channels)
            np.testing.assert_array_equal(got, want, err_msg=f"{size_in} -> {(h, w)}")


def test_real_photos_to_180(shared_data):
    from specdsl.run.images import decode

    for path in sorted((shared_data / "images").glob("*.jpg")):
        img = decode(path, 3)
        want = tf.image.resize(img, (180, 180)).numpy()
        np.testing.assert_array_equal(resize_bilinear(img, 180, 180), want, err_msg=path.name)


def test_to_uint8_rounds_to_nearest():
    x = np.array([0.0, 0.49, 0.5, 1.5, 254.6, 255.0], np.float32)
    assert to_uint8(x).tolist() == [0, 0, 0, 2, 255, 255]
