"""``specdsl augment --backend keras``: the spec's augmentation as the emitted Keras model
applies it (run as ``python -m specdsl.backends.keras.augment_preview``, never imported
together with torchvision).

The image is read as ``image_dataset_from_directory`` reads it in training
(``tf.io.decode_image`` with the spec's channels, ``tf.image.resize`` bilinear, no crop); the
augmentation layers are the emitted model's own lines (the Keras emitter's constructor calls
for the spec's augmentation layers), called with ``training=True`` once per tile, as
Listing 8.15 calls ``data_augmentation(images)``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np

from specdsl.review.augment_grid import PreviewError, preview_main


def augmentation_layers(analysis) -> list:
    """The spec's augmentation layers, built from the Keras emitter's code for them."""
    import keras

    from specdsl import ir
    from specdsl.backends.keras.layers import EMIT

    built = []
    for info in analysis.flat():
        if info.kind in ir.AUGMENT_KINDS:
            func, args = EMIT.lookup(info.layer)(info.layer, info)
            code = f"{func}({', '.join(args)})"  # the emitted model's line, e.g. RandomZoom(0.2)
            built.append(eval(code, {"__builtins__": {}, "layers": keras.layers}))  # noqa: S307
    return built


def _reason(message: str) -> str:
    """TensorFlow's message without its op names: 'Unknown image file format. ...'."""
    message = re.sub(r"\{\{[^}]*\}\}|\[Op:[^\]]*\].*$", "", message.splitlines()[0])
    return message.strip() or "unreadable"


def read_image(path: Path, height: int, width: int, channels: int):
    """The image as image_dataset_from_directory gives it: float32 (H, W, C), 0..255."""
    import tensorflow as tf

    if channels not in (1, 3, 4):
        raise PreviewError(f"images have 1, 3 or 4 channels; the spec's input has {channels}")
    try:
        raw = tf.io.read_file(str(path))
        img = tf.io.decode_image(raw, channels=channels, expand_animations=False)
    except (tf.errors.InvalidArgumentError, tf.errors.NotFoundError) as e:
        reason = _reason(str(e.message or type(e).__name__))
        raise PreviewError(f"{path}: not an image TensorFlow can read ({reason})") from None
    return tf.image.resize(img, (height, width), method="bilinear")


def augment(analysis, image: Path, count: int, seed: int | None):
    """(image, tiles) as float32 (H, W, C) and (N, H, W, C), pixels 0..255."""
    import keras

    if seed is not None:
        keras.utils.set_random_seed(seed)
    h, w, c = analysis.input_shape
    x = read_image(image, h, w, c)
    pipeline = augmentation_layers(analysis)
    if not pipeline:
        raise PreviewError(f"{analysis.spec.source or analysis.spec.name}: no augmentation")
    batch = x[None]
    tiles = []
    for _ in range(count):
        y = batch
        for layer in pipeline:
            y = layer(y, training=True)
        tiles.append(keras.ops.convert_to_numpy(y[0]))
    return np.asarray(x), np.stack(tiles)


if __name__ == "__main__":
    sys.exit(preview_main(augment))
