"""``--decode fast``: JPEGs decoded at a reduced DCT scale, then the same resize as ``exact``.

libjpeg-turbo can decode a JPEG at M/8 of its size (1/8 .. 7/8) straight from the DCT
coefficients, which skips most of the inverse DCT and of the color conversion (the entropy
decoding remains: about 2x faster at 1/4 scale). The scale is the smallest
whose image is still at least twice the model's input on both sides, so the bilinear resize
that follows (``tf.image.resize``'s, as in ``exact``) still averages over real pixels. The
pixels differ from TensorFlow's (that is the point); everything that is not a color JPEG big
enough to gain (PNGs, grayscale and CMYK JPEGs, small photos) takes the exact path.

Through ``simplejpeg`` (libjpeg-turbo, the same fast IDCT and fancy upsampling as TF) when it
is installed, else Pillow's ``draft`` mode (1/2, 1/4, 1/8 only).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from specdsl.run.images import ImageError, _decoded, _read

MARGIN = 2  # the decoded image is at least this many times the target size


def _scaled_rgb(im, height: int, width: int) -> np.ndarray | None:
    """A color JPEG's RGB pixels at a reduced scale, or None when it would not be reduced."""
    from specdsl.run.jpeg import color_space

    if im.format != "JPEG" or color_space(im) not in ("YCbCr", "RGB"):
        return None
    want_h, want_w = MARGIN * height, MARGIN * width
    if im.height * 7 < 8 * want_h or im.width * 7 < 8 * want_w:
        return None  # not even libjpeg's 7/8 scale would keep twice the target size
    try:
        import simplejpeg
    except ImportError:
        simplejpeg = None
    if simplejpeg is not None:
        try:
            im.fp.seek(0)
            data = im.fp.read()
            return simplejpeg.decode_jpeg(
                data,
                colorspace="RGB",
                fastdct=True,
                fastupsample=False,
                min_height=want_h,
                min_width=want_w,
            )
        except (OSError, ValueError, AttributeError):
            return None  # the exact path says what is wrong
    im.draft("RGB", (want_w, want_h))
    return np.asarray(im.convert("RGB"))


def decode_sized_fast(path: str | Path, channels: int, height: int, width: int) -> np.ndarray:
    """As :func:`specdsl.run.images.decode_sized`, with large color JPEGs decoded at a reduced
    DCT scale first (float32 after the resize, uint8 when no resize was needed)."""
    from specdsl.run.resize import resize_bilinear

    def work(im) -> np.ndarray:
        rgb = _scaled_rgb(im, height, width) if channels == 3 else None
        if rgb is not None and (rgb.ndim != 3 or rgb.shape[2] != 3):
            raise ImageError("cannot decode: unexpected pixel layout")
        return _decoded(im, channels) if rgb is None else rgb  # one open either way

    img = _read(path, work)
    return img if img.shape[:2] == (height, width) else resize_bilinear(img, height, width)
