"""Decode a JPEG to the exact pixels TensorFlow's ``decode_image`` gives (Keras's loader).

TensorFlow decodes JPEGs with libjpeg-turbo's fast integer IDCT (``JDCT_IFAST``, its chosen
default) and fancy (triangle-filter) chroma upsampling. Pillow decodes with the accurate IDCT;
its "draft" mode switches to the fast IDCT but also turns fancy upsampling off. So: decode in
draft mode to YCbCr (fast IDCT, chroma merely replicated), take the chroma planes back at their
stored resolution, and redo libjpeg-turbo's fancy upsampling (``jdsample.c``) and its
YCbCr -> RGB conversion (``jdcolor.c``) here in integer arithmetic, step for step.

JPEGs stored as RGB, CMYK or YCCK (Adobe files) are decoded the same way from their stored
components (fast IDCT, no color conversion in Pillow), upsampled here as libjpeg-turbo does.
libjpeg cannot turn CMYK into RGB: TensorFlow asks it for CMYK (YCCK made CMYK by libjpeg)
and converts that itself (``tensorflow/core/lib/jpeg/jpeg_mem.cc``), in integer arithmetic
that truncates: ``r = k * c / 255`` when the file has an Adobe marker (Photoshop stores the
samples inverted), else ``r = (255 - k) * (255 - c) / 255``; likewise g from m, b from y.
Pillow's own conversion rounds and uses the accurate IDCT: up to a few grey levels off.
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


RGB_IDS = [ord("R"), ord("G"), ord("B")]


def color_space(im) -> str | None:
    """What a Pillow JPEG's components hold, decided as libjpeg does
    (``default_decompress_parms`` in ``jdapimin.c``): ``L``, ``YCbCr``, ``RGB``, ``CMYK`` or
    ``YCCK``; None for anything else. Pillow keeps ``adobe_transform`` only when the Adobe
    marker is long enough for libjpeg to have seen it."""
    layers = getattr(im, "layer", None) or []
    transform = im.info.get("adobe_transform")
    if len(layers) == 1:
        return "L"
    if len(layers) == 3:
        if "jfif" in im.info:  # JFIF implies YCbCr, whatever an Adobe marker says
            return "YCbCr"
        if transform is not None:
            return "RGB" if transform == 0 else "YCbCr"
        return "RGB" if [c[0] for c in layers] == RGB_IDS else "YCbCr"
    if len(layers) == 4:  # no Adobe marker: straight CMYK; transform 1 or 2: YCCK
        return "CMYK" if transform in (None, 0) else "YCCK"
    return None


def is_ycbcr(im) -> bool:
    """Whether a Pillow JPEG (opened as RGB) stores 3 YCbCr components (not RGB, not CMYK)."""
    return im.mode == "RGB" and color_space(im) == "YCbCr"


def cmyk_to_rgb_like_tf(cmyk: np.ndarray, adobe: bool) -> np.ndarray:
    """TensorFlow's conversion of libjpeg's CMYK output (uint8 HxWx4) to RGB."""
    x = cmyk.astype(np.uint16)  # 255 * 255 fits
    if not adobe:
        x = 255 - x
    return (x[..., :3] * x[..., 3:] // 255).astype(np.uint8)


def _stored_planes(im, mode: str) -> list[np.ndarray] | None:
    """The components as stored (fast IDCT, no color conversion), each at full size with
    libjpeg-turbo's fancy upsampling; None when Pillow's tile is not the usual single one."""
    layers = im.layer
    max_h = max(c[1] for c in layers)
    max_v = max(c[2] for c in layers)
    if len(im.tile) != 1 or any(max_h % c[1] or max_v % c[2] for c in layers):
        return None
    tile, args = im.tile[0], (mode, mode)  # Pillow's raw mode and the file's color space
    im.tile = [tile._replace(args=args) if hasattr(tile, "_replace") else (*tile[:3], args)]
    im.decoderconfig = (1, 1)  # scale 1, fast IDCT (and no fancy upsampling: redone below)
    raw = np.asarray(im)
    height, width = raw.shape[:2]
    return [
        _upsample(raw[..., k], max_h // c[1], max_v // c[2], height, width)
        for k, c in enumerate(layers)
    ]


def _rgb_from_stored(im, space: str) -> np.ndarray | None:
    """RGB of a JPEG stored as RGB, CMYK or YCCK, as TensorFlow decodes it."""
    planes = _stored_planes(im, "RGB" if space == "RGB" else "CMYK")
    if planes is None:
        return None
    if space == "RGB":
        return np.stack(planes, axis=-1)
    if space == "YCCK":  # libjpeg's ycck_cmyk_convert: 255 - (YCbCr -> RGB), K kept
        cmy = 255 - ycc_to_rgb(*planes[:3])
        planes = [cmy[..., 0], cmy[..., 1], cmy[..., 2], planes[3]]
    return cmyk_to_rgb_like_tf(np.stack(planes, axis=-1), "adobe_transform" in im.info)


def decode_rgb_like_tf(im) -> np.ndarray | None:
    """RGB pixels of a baseline/progressive color JPEG as TensorFlow decodes them.

    ``im`` is a freshly opened, not yet loaded Pillow JPEG. Returns None for JPEGs this does
    not cover (grayscale, luma subsampled); the caller then decodes them another way.
    """
    space = color_space(im)
    if space in ("RGB", "CMYK", "YCCK") and im.mode in ("RGB", "CMYK"):
        return _rgb_from_stored(im, space)
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
