"""``--decode fast``: JPEGs decoded at a reduced DCT scale, then the same resize as ``exact``.

libjpeg can decode a JPEG at 1/2, 1/4 or 1/8 of its size straight from the DCT coefficients,
which skips most of the inverse DCT and of the color conversion. The scale is the smallest
whose image is still at least twice the model's input on both sides, so the bilinear resize
that follows (``tf.image.resize``'s, as in ``exact``) still averages over real pixels. The
pixels differ from TensorFlow's (that is the point); everything that is not a color JPEG big
enough to gain (PNGs, grayscale and CMYK JPEGs, small photos) takes the exact path.

Through ``simplejpeg`` (libjpeg-turbo, the same fast IDCT and fancy upsampling as TF) when it
is installed, else Pillow's ``draft`` mode.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from specdsl.run.images import ImageError, _read, decode_sized

MARGIN = 2  # the decoded image is at least this many times the target size


def _scaled_rgb(im, height: int, width: int) -> np.ndarray | None:
    """A color JPEG's RGB pixels at a reduced scale, or None when it would not be reduced."""
    from specdsl.run.jpeg import color_space

    if im.format != "JPEG" or color_space(im) not in ("YCbCr", "RGB"):
        return None
    want_h, want_w = MARGIN * height, MARGIN * width
    if im.height < 2 * want_h or im.width < 2 * want_w:
        return None  # not even 1/2 would keep twice the target size
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

    if channels == 3:
        rgb = _read(path, lambda im: _scaled_rgb(im, height, width))
        if rgb is not None:
            if rgb.ndim != 3 or rgb.shape[2] != 3:
                raise ImageError("cannot decode: unexpected pixel layout")
            return resize_bilinear(rgb, height, width)
    return decode_sized(path, channels, height, width)
