"""Bilinear resizing exactly as ``tf.image.resize`` (Keras's ``image_dataset_from_directory``).

TensorFlow 2's default: bilinear, half-pixel centers, no antialiasing, no aspect-ratio crop.
TF's kernel (``resize_bilinear_op.cc``) computes in float32, per output pixel::

    in    = (out + 0.5) * (in_size / out_size) - 0.5
    lower = max(floor(in), 0);  upper = min(ceil(in), in_size - 1);  lerp = in - floor(in)
    top   = tl + (tr - tl) * x_lerp;  bottom = bl + (br - bl) * x_lerp
    value = top + (bottom - top) * y_lerp

Here the same float32 operations run in the same order, a whole axis at a time (along each
input row first, then between rows), so the results are the same numbers.
"""

from __future__ import annotations

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


def resize_bilinear(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """An HxWxC image (any dtype) -> float32 ``height`` x ``width`` x C, TF's numbers."""
    img = np.asarray(image)
    in_h, in_w = img.shape[:2]
    y0, y1, yl = weights(in_h, height)
    x0, x1, xl = weights(in_w, width)
    xl = xl[None, :, None]

    def horizontal(rows: np.ndarray) -> np.ndarray:
        left = np.take(rows, x0, axis=1).astype(F)  # gather first, convert only what is used
        right = np.take(rows, x1, axis=1).astype(F)
        right -= left
        right *= xl
        right += left
        return right

    used = np.bincount(np.concatenate([y0, y1]), minlength=in_h)  # np.unique imports numpy.ma
    rows = np.flatnonzero(used)
    if 2 * len(rows) <= len(y0):  # upscaling: interpolate each input row once, then copy
        across = horizontal(img[rows])
        top = across[np.searchsorted(rows, y0)]
        bottom = across[np.searchsorted(rows, y1)]
    else:
        top = horizontal(img[y0])
        bottom = horizontal(img[y1])
    bottom -= top
    bottom *= yl[:, None, None]
    bottom += top
    return bottom


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Round a float image (values 0..255) to the nearest uint8, as the ONNX input wants."""
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)
