"""Bilinear resizing exactly as ``tf.image.resize`` (Keras's ``image_dataset_from_directory``).

TensorFlow 2's default: bilinear, half-pixel centers, no antialiasing, no aspect-ratio crop.
TF's kernel (``resize_bilinear_op.cc``) computes in float32, per output pixel::

    in    = (out + 0.5) * (in_size / out_size) - 0.5
    lower = max(floor(in), 0);  upper = min(ceil(in), in_size - 1);  lerp = in - floor(in)
    top   = tl + (tr - tl) * x_lerp;  bottom = bl + (br - bl) * x_lerp
    value = top + (bottom - top) * y_lerp

Here the same float32 operations run in the same order, a whole axis at a time (along each
input row first, then between rows), so the results are the same numbers. Only the input rows
some output row reads are interpolated along x, each once; the gathers along a row pick single
samples (row-major ``W * C`` indices, cached per size), which numpy copies fastest.
"""

from __future__ import annotations

import functools

import numpy as np

F = np.float32


def weights(in_size: int, out_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lower, upper, lerp) for each output index, as TF's ``compute_interpolation_weights``."""
    scale = F(in_size) / F(out_size)
    x = np.arange(out_size, dtype=F)
    pos = (x + F(0.5)) * scale - F(0.5)
    floor = np.floor(pos)
    lower = np.maximum(floor.astype(np.int64), 0)
    upper = np.minimum(np.ceil(pos).astype(np.int64), in_size - 1)
    return lower, upper, (pos - floor).astype(F)


def _frozen(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    for a in arrays:
        a.flags.writeable = False
    return arrays


@functools.lru_cache(maxsize=256)
def _rows(in_h: int, out_h: int) -> tuple[np.ndarray, ...]:
    """(input rows read, each output row's lower and upper as positions among them, lerp)."""
    lower, upper, lerp = weights(in_h, out_h)
    used = np.flatnonzero(np.bincount(np.concatenate([lower, upper]), minlength=in_h))
    return _frozen(used, np.searchsorted(used, lower), np.searchsorted(used, upper), lerp[:, None])


@functools.lru_cache(maxsize=256)
def _columns(in_w: int, out_w: int, channels: int) -> tuple[np.ndarray, ...]:
    """(lower, upper) as indices into a row of ``in_w * channels`` samples, and each sample's
    lerp: the x weights repeated for every channel."""
    lower, upper, lerp = weights(in_w, out_w)
    c = np.arange(channels)
    lo = (lower[:, None] * channels + c).reshape(-1)
    up = (upper[:, None] * channels + c).reshape(-1)
    return _frozen(lo, up, np.repeat(lerp, channels))


def resize_bilinear(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """An HxWxC image (any dtype) -> float32 ``height`` x ``width`` x C, TF's numbers."""
    img = np.asarray(image)
    in_h, in_w, channels = img.shape
    used, top_at, bottom_at, y_lerp = _rows(in_h, height)
    x_lower, x_upper, x_lerp = _columns(in_w, width, channels)
    rows = img if len(used) == in_h else np.take(img, used, axis=0)
    rows = rows.reshape(len(used), in_w * channels)
    across = np.take(rows, x_upper, axis=1).astype(F)
    left = np.take(rows, x_lower, axis=1).astype(F)
    across -= left
    across *= x_lerp
    across += left  # every used row interpolated along x, once
    top = np.take(across, top_at, axis=0)
    bottom = np.take(across, bottom_at, axis=0)
    bottom -= top
    bottom *= y_lerp
    bottom += top
    return bottom.reshape(height, width, channels)


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Round a float image (values 0..255) to the nearest uint8, as the ONNX input wants."""
    out = np.rint(image)
    np.clip(out, 0, 255, out=out)
    return out.astype(np.uint8)
