"""CMYK, YCCK and RGB-stored JPEGs decode to TensorFlow's pixels, bit for bit.

TensorFlow asks libjpeg-turbo for CMYK and makes it RGB itself (``jpeg_mem.cc``); Pillow's
own conversion is a few grey levels off. TensorFlow runs in a subprocess, once for all files
(this module imports onnxruntime; TF is never imported here)."""

from __future__ import annotations

import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from specdsl.run.images import ImageError, decode
from specdsl.run.jpeg import color_space
from tests.conftest import ROOT
from tests.onnx import tiny_models
from tests.onnx.conftest import session
from tests.onnx.test_run_cli import parse, specdsl_run

TF_SCRIPT = """
import json, sys
import numpy as np
import tensorflow as tf
out, refused = {}, {}
for path in sys.argv[2:]:
    data = open(path, "rb").read()
    keras = tf.io.decode_image(data, channels=3, expand_animations=False).numpy()
    jpeg = tf.io.decode_jpeg(data, channels=3).numpy()
    assert (keras == jpeg).all(), path
    out[path] = jpeg
    try:
        tf.io.decode_jpeg(data, channels=1)
    except tf.errors.InvalidArgumentError as e:
        refused[path] = e.message.splitlines()[0]
np.savez(sys.argv[1], **{str(i): out[p] for i, p in enumerate(sys.argv[2:])})
print(json.dumps(refused))
"""


def photo_like(width=53, height=37) -> Image.Image:
    """Smooth color gradients, a sharp disc and a little noise: every IDCT path matters."""
    img = Image.new("RGB", (width, height))
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    rgb = np.stack([x / width * 255, y / height * 255, (x + y) % 64 * 4], axis=-1)
    rgb[(x - width / 2) ** 2 + (y - height / 2) ** 2 < (height / 3) ** 2] = (250, 30, 90)
    rgb += np.random.default_rng(0).normal(0, 12, rgb.shape)
    img.paste(Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)))
    return img


def jpeg_bytes(img: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", **kw)
    return buf.getvalue()


def without_adobe_marker(data: bytes) -> bytes:
    """The APP14 Adobe marker cut out: libjpeg then takes the samples as plain CMYK."""
    at = data.index(b"\xff\xee")  # APP14
    length = int.from_bytes(data[at + 2 : at + 4], "big")
    return data[:at] + data[at + 2 + length :]


def make_jpegs() -> dict[str, bytes]:
    cmyk = photo_like().convert("CMYK")
    files = {
        "cmyk_444": jpeg_bytes(cmyk, quality=90),
        "cmyk_422": jpeg_bytes(cmyk, quality=90, subsampling=1),
        "cmyk_420": jpeg_bytes(cmyk, quality=75, subsampling=2),
        "cmyk_progressive": jpeg_bytes(cmyk, quality=85, progressive=True),
        "cmyk_no_adobe": without_adobe_marker(jpeg_bytes(cmyk, quality=90)),
        "cmyk_1x1": jpeg_bytes(photo_like(1, 1).convert("CMYK"), subsampling=2),
        "cmyk_3x2": jpeg_bytes(photo_like(3, 2).convert("CMYK"), subsampling=2),
        "rgb_stored": jpeg_bytes(photo_like(), quality=90, keep_rgb=True),
    }
    try:  # libjpeg-turbo writes CMYK as YCCK, subsampled as asked
        import simplejpeg
    except ImportError:
        return files
    pixels = np.ascontiguousarray(np.asarray(cmyk))
    for sub in ("444", "420", "411"):
        files[f"ycck_{sub}"] = simplejpeg.encode_jpeg(
            pixels, quality=85, colorspace="CMYK", colorsubsampling=sub
        )
    return files


@pytest.fixture(scope="module")
def jpegs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cmyk")
    paths = {}
    for name, data in make_jpegs().items():
        paths[name] = folder / f"{name}.jpg"
        paths[name].write_bytes(data)
    return paths


@pytest.fixture(scope="module")
def tf_decoded(jpegs, tmp_path_factory) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """(name -> tf.io.decode_jpeg(channels=3), name -> why TF refuses channels=1)."""
    if importlib.util.find_spec("tensorflow") is None:
        pytest.skip("TensorFlow is not installed: no reference decoder to compare with")
    out = tmp_path_factory.mktemp("tf") / "pixels.npz"
    names = list(jpegs)
    cmd = [sys.executable, "-c", TF_SCRIPT, str(out), *(str(jpegs[n]) for n in names)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert res.returncode == 0, res.stderr[-3000:]
    arrays = np.load(out)
    refused = json.loads(res.stdout.strip().splitlines()[-1])
    return (
        {n: arrays[str(i)] for i, n in enumerate(names)},
        {n: refused[str(jpegs[n])] for n in names if str(jpegs[n]) in refused},
    )


def test_files_are_what_they_claim(jpegs):
    expect = {"cmyk": "CMYK", "ycck": "YCCK", "rgb": "RGB"}
    for name, path in jpegs.items():
        with Image.open(path) as im:
            assert color_space(im) == expect[name.split("_")[0]], name
            adobe = "adobe_transform" in im.info
        assert adobe == (name != "cmyk_no_adobe"), name


def test_decode_matches_tensorflow(jpegs, tf_decoded):
    reference, _ = tf_decoded
    for name, path in jpegs.items():
        got = decode(path, 3)
        np.testing.assert_array_equal(got, reference[name], err_msg=name)
        rgba = decode(path, 4)  # as for every JPEG: opaque alpha
        np.testing.assert_array_equal(rgba[..., :3], reference[name], err_msg=name)
        assert (rgba[..., 3] == 255).all()


def test_pillow_emulation_matches_tensorflow_without_simplejpeg(jpegs, tf_decoded, monkeypatch):
    monkeypatch.setitem(sys.modules, "simplejpeg", None)  # as if not installed
    reference, _ = tf_decoded
    for name, path in jpegs.items():
        np.testing.assert_array_equal(decode(path, 3), reference[name], err_msg=name)


def test_pillow_conversion_alone_is_off(jpegs, tf_decoded):
    """What decode() did before: Pillow's CMYK -> RGB, grey levels from TensorFlow's."""
    reference, _ = tf_decoded
    with Image.open(jpegs["cmyk_444"]) as im:
        pillow = np.asarray(im.convert("RGB")).astype(int)
    assert np.abs(pillow - reference["cmyk_444"]).max() >= 2


def test_gray_model_gets_an_error_like_tensorflow(jpegs, tf_decoded):
    _, refused = tf_decoded
    for name, path in jpegs.items():
        if name.startswith(("cmyk", "ycck")):
            assert "Uncompress failed" in refused[name], name  # TF's channels=1 refusal
            with pytest.raises(ImageError, match="CMYK JPEG has no grayscale decoding"):
                decode(path, 1)
        else:
            assert name not in refused
            assert decode(path, 1).shape == (37, 53, 1)


def test_run_classifies_a_cmyk_jpeg_on_tensorflow_pixels(jpegs, tf_decoded, tmp_path):
    reference, _ = tf_decoded
    meta = dict(tiny_models.GOOD_META, input_size="37x53")
    model = tiny_models.classifier(tmp_path / "color.onnx", meta, shape=["N", 37, 53, 3])
    path = jpegs["cmyk_420"]
    res = specdsl_run(model, path, "--top", "2")
    assert res.returncode == 0, res.stderr
    want = session(model).run(None, {"images": reference["cmyk_420"][None]})[0][0]
    _, top = parse(res.stdout.strip())
    assert dict(top) == pytest.approx({"cat": want[0], "dog": want[1]}, abs=6e-5)
    gray = dict(meta, input_channels="1")
    model = tiny_models.classifier(tmp_path / "gray.onnx", gray, shape=["N", 37, 53, 1])
    res = specdsl_run(model, path)
    assert res.returncode == 1 and res.stdout == ""
    assert f"error: {path}: a CMYK JPEG has no grayscale decoding" in res.stderr
