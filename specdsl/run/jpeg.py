"""Decode a JPEG to the exact pixels TensorFlow's ``decode_image`` gives (Keras's loader).

TensorFlow decodes JPEGs with libjpeg-turbo's fast integer IDCT (``JDCT_IFAST``, its chosen
default) and fancy (triangle-filter) chroma upsampling. Pillow decodes with the accurate IDCT;
its "draft" mode switches to the fast IDCT but also turns fancy upsampling off. So: decode in
draft mode to YCbCr (fast IDCT, chroma merely replicated), take the chroma planes back at their
stored resolution, and redo libjpeg-turbo's fancy upsampling (``jdsample.c``) and its
YCbCr -> RGB conversion (``jdcolor.c``) here in integer arithmetic, step for step.
"""

from __future__ import annotations

import functools

import numpy as np

SCALEBITS = 16
ONE_HALF = 1 << (SCALEBITS - 1)


def _fix(x: float) -> int:
    return int(x * (1 << SCALEBITS) + 0.5)


@functools.cache
def _offsets() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every ``cb * 256 + cr`` the R, G and B offsets added to Y, as libjpeg-turbo's
    ``jdcolor.c`` tables give them (``Cr_r_tab``, ``Cb_g_tab + Cr_g_tab``, ``Cb_b_tab``)."""
    x = np.arange(256, dtype=np.int64) - 128  # sample - CENTERJSAMPLE
    r = (_fix(1.40200) * x + ONE_HALF) >> SCALEBITS
    b = (_fix(1.77200) * x + ONE_HALF) >> SCALEBITS
    g = ((-_fix(0.34414) * x[:, None] + ONE_HALF) + (-_fix(0.71414) * x[None, :])) >> SCALEBITS
    planes = (np.broadcast_to(r[None, :], (256, 256)), g, np.broadcast_to(b[:, None], (256, 256)))
    return tuple(np.ascontiguousarray(p, dtype=np.int16).reshape(-1) for p in planes)


def ycc_to_rgb(y: np.ndarray, cb: np.ndarray, cr: np.ndarray) -> np.ndarray:
    """libjpeg-turbo's ``ycc_rgb_convert`` on uint8 planes: Y plus the tables' offsets,
    clamped to 0..255."""
    pair = cb.astype(np.intp) << 8
    pair |= cr
    y16 = y.astype(np.int16)
    out = np.empty((*y.shape, 3), np.uint8)
    channel = np.empty(y.shape, np.int16)
    for k, table in enumerate(_offsets()):
        np.take(table, pair, out=channel)
        channel += y16
        np.clip(channel, 0, 255, out=channel)
        out[..., k] = channel
    return out


def _edge_rows(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows above and below each row, the edge rows repeated (libjpeg's context rows)."""
    above = np.concatenate([c[:1], c[:-1]], axis=0)
    below = np.concatenate([c[1:], c[-1:]], axis=0)
    return above, below


def _h2_fancy(colsum: np.ndarray, scale: int, bias_near: int, bias_far: int, shift: int):
    """Horizontal 2x fancy upsampling of per-column values (shared by h2v1 and h2v2)."""
    last = np.concatenate([colsum[:, :1], colsum[:, :-1]], axis=1)
    nxt = np.concatenate([colsum[:, 1:], colsum[:, -1:]], axis=1)
    even = (colsum * 3 + last + bias_near) >> shift
    odd = (colsum * 3 + nxt + bias_far) >> shift
    # first and last columns: "pretend column -1 (or w) is the same as column 0 (or w-1)"
    even[:, 0] = (colsum[:, 0] * scale + bias_near) >> shift
    odd[:, -1] = (colsum[:, -1] * scale + bias_far) >> shift
    out = np.empty((colsum.shape[0], colsum.shape[1] * 2), np.int16)
    out[:, 0::2] = even
    out[:, 1::2] = odd
    return out


def h2v1_fancy(c: np.ndarray) -> np.ndarray:
    """``h2v1_fancy_upsample``: 3/4 nearer + 1/4 further sample, biases 1 and 2."""
    return _h2_fancy(c.astype(np.int16), 4, 1, 2, 2)


def h1v2_fancy(c: np.ndarray) -> np.ndarray:
    """``h1v2_fancy_upsample``: 3/4 nearer + 1/4 further row, biases 1 and 2."""
    c = c.astype(np.int16)
    above, below = _edge_rows(c)
    out = np.empty((c.shape[0] * 2, c.shape[1]), np.int16)
    out[0::2] = (c * 3 + above + 1) >> 2
    out[1::2] = (c * 3 + below + 2) >> 2
    return out


def h2v2_fancy(c: np.ndarray) -> np.ndarray:
    """``h2v2_fancy_upsample``: vertical 3:1 column sums, then horizontal 3:1, biases 8 and 7."""
    c = c.astype(np.int16)
    above, below = _edge_rows(c)
    out = np.empty((c.shape[0] * 2, c.shape[1] * 2), np.int16)
    out[0::2] = _h2_fancy(c * 3 + above, 4, 8, 7, 4)
    out[1::2] = _h2_fancy(c * 3 + below, 4, 8, 7, 4)
    return out


def _upsample(plane: np.ndarray, h: int, v: int, height: int, width: int) -> np.ndarray:
    """Chroma replicated by ``h`` x ``v`` -> libjpeg-turbo's fancy upsampling of it."""
    stored = plane[::v, ::h]  # the samples as decoded, before replication
    if (h, v) == (2, 1) and stored.shape[1] > 2:
        up = h2v1_fancy(stored)
    elif (h, v) == (1, 2):
        up = h1v2_fancy(stored)
    elif (h, v) == (2, 2) and stored.shape[1] > 2:
        up = h2v2_fancy(stored)
    else:  # libjpeg replicates every other ratio, fancy or not
        return plane
    return up[:height, :width].astype(np.uint8)


def is_ycbcr(im) -> bool:
    """Whether a Pillow JPEG (opened as RGB) stores 3 YCbCr components (not RGB, not CMYK)."""
    layers = getattr(im, "layer", None)
    if im.mode != "RGB" or not layers or len(layers) != 3:
        return False
    return im.info.get("adobe_transform") != 0 and [c[0] for c in layers] != ["R", "G", "B"]


def decode_rgb_like_tf(im) -> np.ndarray | None:
    """RGB pixels of a baseline/progressive YCbCr JPEG as TensorFlow decodes them.

    ``im`` is a freshly opened, not yet loaded Pillow JPEG. Returns None for JPEGs this does
    not cover (not 3-component YCbCr); the caller then decodes them another way.
    """
    if not is_ycbcr(im):
        return None
    layers = im.layer
    max_h = max(c[1] for c in layers)
    max_v = max(c[2] for c in layers)
    if layers[0][1] != max_h or layers[0][2] != max_v:
        return None  # luma subsampled: unusual, leave it to the generic path
    im.draft("YCbCr", None)
    if im.mode != "YCbCr":
        return None  # Pillow would not decode it that way
    im.decoderconfig = (1, 1)  # scale 1, fast IDCT (and no fancy upsampling: redone below)
    ycc = np.asarray(im)
    height, width = ycc.shape[:2]
    planes = [ycc[..., 0]]
    for comp, k in zip(layers[1:], (1, 2), strict=True):
        h, v = max_h // comp[1], max_v // comp[2]
        planes.append(_upsample(ycc[..., k], h, v, height, width))
    return ycc_to_rgb(*planes)


def decode_gray_like_tf(im) -> np.ndarray:
    """The luma plane (grayscale output) with the fast IDCT, as TensorFlow decodes it."""
    if im.mode in ("RGB", "L"):
        im.draft("L", None)
        im.decoderconfig = (1, 1)
    arr = np.asarray(im if im.mode == "L" else im.convert("L"))
    return arr
