"""Image files -> uint8 HxWxC arrays, the pixels Keras's ``image_dataset_from_directory`` sees.

Keras decodes with ``tf.io.decode_image(channels=C, expand_animations=False)``; this does the
same with Pillow: JPEGs through :mod:`specdsl.run.jpeg` (TF's fast IDCT and fancy upsampling),
PNGs as libpng transforms them for TF: palettes expanded, transparency kept only for 4
channels, 16-bit samples cut to their high byte, 1/2/4-bit gray scaled to 0..255, color to
gray with libpng's integer weights (0.299, 0.587, 0.114). Animated files give their first
frame. Pillow's decompression-bomb guard refuses images over ``Image.MAX_IMAGE_PIXELS``.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np


class ImageError(Exception):
    """One image cannot be used; the message is one line and does not repeat the path."""


def _gray_from_rgb(rgb: np.ndarray) -> np.ndarray:
    """libpng's ``png_set_rgb_to_gray(.., 0.299, 0.587)`` on 8-bit samples (what TF uses)."""
    c = rgb.astype(np.int32)
    return ((9797 * c[..., 0] + 19234 * c[..., 1] + 3737 * c[..., 2]) >> 15).astype(np.uint8)


def _with_channels(gray, rgb, alpha, channels: int) -> np.ndarray:
    """Assemble the wanted channels from what the file holds (gray or rgb, maybe alpha)."""
    if channels == 1:
        g = gray if gray is not None else _gray_from_rgb(rgb)
        return g[..., None]
    if rgb is None:
        rgb = np.repeat(gray[..., None], 3, axis=-1)
    if channels == 3:
        return rgb
    if alpha is None:
        alpha = np.full(rgb.shape[:2], 255, np.uint8)
    return np.concatenate([rgb, alpha[..., None]], axis=-1)


def _turbo_rgb(im, space: str | None) -> np.ndarray | None:
    """TF's RGB pixels of a color JPEG straight from libjpeg-turbo with TF's settings (fast
    IDCT, fancy upsampling; CMYK made RGB as TF does) when the optional ``simplejpeg`` is
    installed: several times faster than the emulation in :mod:`specdsl.run.jpeg`. None when
    it is absent or declines."""
    if space not in ("YCbCr", "RGB", "CMYK", "YCCK"):
        return None
    try:
        import simplejpeg
    except ImportError:
        return None
    from specdsl.run.jpeg import cmyk_to_rgb_like_tf

    cmyk = space in ("CMYK", "YCCK")
    try:
        im.fp.seek(0)
        data = im.fp.read()
        out = simplejpeg.decode_jpeg(
            data, colorspace="CMYK" if cmyk else "RGB", fastdct=True, fastupsample=False
        )
    except (OSError, ValueError, AttributeError):
        return None  # truncated, corrupt, ...: the Pillow path says why
    return cmyk_to_rgb_like_tf(out, "adobe_transform" in im.info) if cmyk else out


def _jpeg(im, channels: int) -> np.ndarray:
    from specdsl.run.jpeg import color_space, decode_gray_like_tf, decode_rgb_like_tf

    space = color_space(im)
    if space in ("CMYK", "YCCK") and channels == 1:
        raise ImageError(
            "a CMYK JPEG has no grayscale decoding in TensorFlow (tf.io.decode_jpeg refuses "
            "channels=1 for it, so Keras cannot load it for this 1-channel model)"
        )
    if channels == 1:
        return decode_gray_like_tf(im)[..., None]
    if space == "L" or im.mode == "L":
        return _with_channels(decode_gray_like_tf(im), None, None, channels)
    rgb = _turbo_rgb(im, space)
    rgb = decode_rgb_like_tf(im) if rgb is None else rgb
    if rgb is None:
        rgb = np.asarray(im.convert("RGB"))
    return _with_channels(None, rgb, None, channels)


def _png_bit_depth(im) -> int:
    """The bit depth in a PNG's header (8 when unknown)."""
    try:
        im.fp.seek(0)
        head = im.fp.read(25)
    except (AttributeError, OSError, ValueError):
        return 8
    return head[24] if len(head) == 25 and head[12:16] == b"IHDR" else 8


def _filler_alpha(bits: int, shape) -> np.ndarray | None:
    """The alpha TensorFlow adds to an opaque PNG: libpng's filler is ``2**bit_depth - 1``,
    so 1-, 2- and 4-bit gray or palette images get alpha 1, 3 or 15 (a TF quirk, kept)."""
    return np.full(shape, (1 << bits) - 1, np.uint8) if bits < 8 else None


def _other(im, channels: int) -> np.ndarray:
    mode = im.mode
    gray = rgb = alpha = None
    bits = _png_bit_depth(im) if im.format == "PNG" and channels == 4 else 8  # before loading
    if channels == 4 and mode in ("1", "L", "RGB") and "transparency" in im.info:
        alpha = np.asarray(im.convert("RGBA"))[..., 3]  # a tRNS color key
    if mode.startswith("I;16"):
        gray = (np.asarray(im).astype(np.uint16) >> 8).astype(np.uint8)
    elif mode in ("I", "F"):
        raise ImageError(f"32-bit {'float' if mode == 'F' else 'integer'} pixels are not supported")
    elif mode in ("1", "L"):
        gray = np.asarray(im.convert("L"))
        if channels == 4 and alpha is None:
            alpha = _filler_alpha(bits, gray.shape)
    elif mode == "LA":
        la = np.asarray(im)
        gray, alpha = la[..., 0], la[..., 1]
    elif mode == "RGB":
        rgb = np.asarray(im.convert("RGB"))
    elif mode == "P" and "transparency" not in im.info:
        rgb = np.asarray(im.convert("RGB"))
        alpha = _filler_alpha(bits, rgb.shape[:2]) if channels == 4 else None
    else:  # RGBA, palettes with transparency (it becomes alpha), CMYK, YCbCr, ...
        rgba = np.asarray(im.convert("RGBA"))
        rgb, alpha = rgba[..., :3], rgba[..., 3]
    return _with_channels(gray, rgb, alpha, channels)


def _bomb_message(e: Exception) -> str:
    from PIL import Image

    found = re.search(r"\((\d+) pixels\)", str(e))
    size = f"{int(found.group(1)):,} pixels" if found else "too many pixels"
    return (
        f"refused: {size}, over Pillow's decompression-bomb limit of "
        f"{Image.MAX_IMAGE_PIXELS:,} pixels"
    )


def _read(path: str | Path, work):
    """``work(im)`` on the opened image, its failures turned into one-line ImageErrors."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                return work(im)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise ImageError(_bomb_message(e)) from None
    except UnidentifiedImageError:
        raise ImageError("not an image (Pillow cannot read this format)") from None
    except FileNotFoundError:
        raise ImageError("no such file") from None
    except IsADirectoryError:
        raise ImageError("is a folder") from None
    except PermissionError:
        raise ImageError("permission denied") from None
    except ImageError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, MemoryError) as e:
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ImageError(f"cannot decode: {reason}") from None


def _decoded(im, channels: int) -> np.ndarray:
    return _jpeg(im, channels) if im.format == "JPEG" else _other(im, channels)


def decode(path: str | Path, channels: int) -> np.ndarray:
    """The image at ``path`` as uint8 HxWx``channels`` (1, 3 or 4); ImageError if unusable."""
    return _read(path, lambda im: _decoded(im, channels))


def decode_sized(path: str | Path, channels: int, height: int, width: int) -> np.ndarray:
    """The image at ``path`` at ``height`` x ``width``: as :func:`decode` gives it (uint8) when
    it has that size, else ``tf.image.resize`` of that (float32, TF's numbers)."""
    from specdsl.run.resize import resize_bilinear

    img = decode(path, channels)
    return img if img.shape[:2] == (height, width) else resize_bilinear(img, height, width)
