"""specdsl run decodes every image to the pixels tf.io.decode_image gives (Keras's loader):
JPEGs with TF's fast IDCT and fancy upsampling, all PNG flavours, BMP, GIF; 1/3/4 channels."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from specdsl.run.images import ImageError, decode
from tests.conftest import ROOT
from tests.onnx import images

tf = pytest.importorskip("tensorflow", reason="TensorFlow is not installed")


def tf_decode(data: bytes, channels: int) -> np.ndarray:
    return tf.io.decode_image(data, channels=channels, expand_animations=False).numpy()


def check(tmp_path, name: str, data: bytes, channels=(1, 3, 4)):
    path = images.write(tmp_path / name, data)
    for c in channels:
        got = decode(path, c)
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, tf_decode(data, c), err_msg=f"{name}, {c} channels")


def pil_bytes(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def test_real_photos(tmp_path, shared_data):
    for path in sorted((shared_data / "images").glob("*.jpg")):
        check(tmp_path, path.name, path.read_bytes(), channels=(1, 3))


@pytest.mark.parametrize("subsampling", [0, 1, 2])  # 4:4:4, 4:2:2, 4:2:0
@pytest.mark.parametrize("progressive", [False, True])
def test_jpeg_subsampling_and_odd_sizes(tmp_path, shared_data, subsampling, progressive):
    photo = Image.open(shared_data / "images" / "coffee.jpg").convert("RGB")
    for size in [(451, 300), (97, 31), (3, 5), (2, 2), (1, 1)]:
        data = pil_bytes(
            photo.resize(size), "JPEG", quality=83, subsampling=subsampling, progressive=progressive
        )
        check(tmp_path, f"{size[0]}x{size[1]}.jpg", data, channels=(1, 3))


@pytest.mark.parametrize("name", ["subsampling_440.jpg", "subsampling_411.jpg"])
def test_jpeg_rare_subsampling(tmp_path, name):
    data = (ROOT / "tests" / "golden" / "onnx" / name).read_bytes()
    check(tmp_path, name, data, channels=(1, 3))


def test_grayscale_jpeg(tmp_path, shared_data):
    gray = Image.open(shared_data / "images" / "chelsea.jpg").convert("L")
    check(tmp_path, "gray.jpg", pil_bytes(gray, "JPEG"), channels=(1, 3))


def test_png_modes(tmp_path):
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (17, 23, 3), dtype=np.uint8)
    rgba = rng.integers(0, 256, (17, 23, 4), dtype=np.uint8)
    check(tmp_path, "rgb.png", pil_bytes(Image.fromarray(rgb), "PNG"))
    check(tmp_path, "rgba.png", pil_bytes(Image.fromarray(rgba), "PNG"))
    check(tmp_path, "gray.png", pil_bytes(Image.fromarray(rgb[..., 0]), "PNG"))
    check(tmp_path, "la.png", pil_bytes(Image.fromarray(rgba[..., :2], "LA"), "PNG"))
    palette = Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    check(tmp_path, "palette.png", pil_bytes(palette, "PNG"))
    check(tmp_path, "palette_transparent.png", pil_bytes(palette, "PNG", transparency=3))
    for colors in (2, 4, 256):  # 1-, 2- and 8-bit palettes
        small = Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE, colors=colors)
        check(tmp_path, f"palette{colors}.png", pil_bytes(small, "PNG"))
    for bits in (1, 2, 4):
        values = rng.integers(0, 2**bits, (7, 13))
        check(tmp_path, f"gray{bits}.png", images.low_bit_gray(values, bits))
    gray = Image.fromarray(rgb[..., 1])
    check(tmp_path, "gray_trns.png", pil_bytes(gray, "PNG", transparency=int(rgb[0, 0, 1])))
    color_key = tuple(int(v) for v in rgb[0, 0])
    check(tmp_path, "rgb_trns.png", pil_bytes(Image.fromarray(rgb), "PNG", transparency=color_key))


def test_png_16_bit(tmp_path):
    rng = np.random.default_rng(1)
    check(tmp_path, "gray16.png", images.png16(rng.integers(0, 65536, (9, 11), dtype=np.uint16)))
    la16 = rng.integers(0, 65536, (9, 11, 2), dtype=np.uint16)
    check(tmp_path, "la16.png", images.png16(la16), channels=(3, 4))
    rgb16 = rng.integers(0, 65536, (9, 11, 3), dtype=np.uint16)
    # to grayscale libpng weighs the 16-bit samples, Pillow only hands out their high bytes
    check(tmp_path, "rgb16.png", images.png16(rgb16), channels=(3, 4))
    gray = decode(images.write(tmp_path / "rgb16.png", images.png16(rgb16)), 1)
    assert np.abs(gray.astype(int) - tf_decode(images.png16(rgb16), 1)).max() <= 1


def test_bmp_and_gif(tmp_path):
    rgb = np.random.default_rng(2).integers(0, 256, (10, 14, 3), dtype=np.uint8)
    check(tmp_path, "x.bmp", pil_bytes(Image.fromarray(rgb), "BMP"), channels=(3,))
    gif = Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE, colors=32)
    check(tmp_path, "x.gif", pil_bytes(gif, "GIF"), channels=(3,))


def test_bad_files_give_one_line(tmp_path, shared_data):
    photo = (shared_data / "images" / "chelsea.jpg").read_bytes()
    cases = {
        "missing.jpg": None,
        "text.jpg": b"this is not an image\n",
        "truncated.jpg": photo[: len(photo) // 2],
        "bomb.png": images.bomb_png(),
    }
    expect = {
        "missing.jpg": "no such file",
        "text.jpg": "not an image",
        "truncated.jpg": "truncated",
        "bomb.png": "decompression-bomb",
    }
    for name, data in cases.items():
        path = tmp_path / name
        if data is not None:
            path.write_bytes(data)
        with pytest.raises(ImageError) as info:
            decode(path, 3)
        message = str(info.value)
        assert expect[name] in message and "\n" not in message, message


def test_pillow_emulation_without_simplejpeg(shared_data):
    """decode() prefers libjpeg-turbo through simplejpeg when installed; the Pillow emulation
    it falls back to must give TF's pixels too."""
    from specdsl.run.jpeg import decode_rgb_like_tf

    for path in sorted((shared_data / "images").glob("*.jpg")):
        with Image.open(path) as im:
            got = decode_rgb_like_tf(im)
        np.testing.assert_array_equal(got, tf_decode(path.read_bytes(), 3), err_msg=path.name)
