"""``--decode fast``: large color JPEGs decoded at a reduced DCT scale that keeps at least twice
the model's input size, then resized as ``exact`` does; everything else decodes exactly."""

from __future__ import annotations

import numpy as np
import pytest

from specdsl.run.decode_fast import MARGIN, _scaled_rgb, decode_sized_fast
from specdsl.run.images import _read, decode_sized


@pytest.fixture(scope="module")
def photos(shared_data):
    return sorted((shared_data / "images").glob("*.jpg"))


@pytest.mark.parametrize("side", [32, 64, 100])
def test_reduced_scale_keeps_twice_the_target(photos, side):
    from PIL import Image

    for path in photos:
        rgb = _read(path, lambda im: _scaled_rgb(im, side, side))
        with Image.open(path) as im:
            full = im.size
        if rgb is None:  # not reducible at all: the exact path
            assert min(full) < 2 * MARGIN * side
            continue
        h, w = rgb.shape[:2]
        assert h >= MARGIN * side and w >= MARGIN * side
        assert h < full[1] and w < full[0]  # really reduced


def test_close_to_exact_after_resize(photos):
    """Same picture: at most a few grey levels from the exact path on average, and no farther
    than it from an antialiased (box) reduction of the full image (the exact path aliases)."""
    from PIL import Image

    for path in photos:
        fast = decode_sized_fast(path, 3, 64, 64)
        exact = decode_sized(path, 3, 64, 64)
        assert fast.shape == exact.shape == (64, 64, 3) and fast.dtype == np.float32
        assert np.abs(fast - exact).mean() < 12, path.name
        with Image.open(path) as im:
            box = np.asarray(im.convert("RGB").resize((64, 64), Image.BOX), np.float32)
        assert np.abs(fast - box).mean() <= np.abs(exact - box).mean() + 1.0, path.name


def test_small_jpegs_and_pngs_are_exact(photos, shared_data):
    png = shared_data / "tshirt_vs_shirt" / "test" / "shirt" / "shirt.1.png"
    np.testing.assert_array_equal(decode_sized_fast(png, 3, 64, 64), decode_sized(png, 3, 64, 64))
    for path in photos:  # targets too big to gain from a reduced scale
        np.testing.assert_array_equal(
            decode_sized_fast(path, 3, 320, 320), decode_sized(path, 3, 320, 320)
        )
        np.testing.assert_array_equal(
            decode_sized_fast(path, 1, 32, 32), decode_sized(path, 1, 32, 32)
        )


def test_classify_with_fast_decoding(photos, lecture_onnx):
    from specdsl.run.metadata import ModelInfo
    from specdsl.run.predict import classify
    from specdsl.run.sources import Source
    from tests.onnx.conftest import session

    model = lecture_onnx["dogs_cats_scratch"].path
    info = ModelInfo(180, 180, 3, ("cat", "dog"), "sigmoid")
    sess = session(model)
    srcs = [Source(str(p)) for p in photos] + [Source("missing.jpg")]
    fast = list(classify(sess, info, srcs, 2, 2, decode="fast"))
    exact = list(classify(sess, info, srcs, 2, 2, decode="exact"))
    assert [r.path for r in fast] == [r.path for r in exact]
    assert fast[-1].error == exact[-1].error == "no such file"
    for a, b in zip(fast[:-1], exact[:-1], strict=True):
        assert dict(a.top)["dog"] == pytest.approx(dict(b.top)["dog"], abs=0.05)


def test_run_takes_decode_fast(photos, lecture_onnx):
    from tests.onnx.test_quantize import specdsl

    model = lecture_onnx["dogs_cats_scratch"].path
    res = specdsl("run", model, *photos, "--decode", "fast", "--top", "2")
    assert res.returncode == 0, res.stderr
    assert [line.split(":")[0] for line in res.stdout.splitlines()] == [str(p) for p in photos]
    bad = specdsl("run", model, photos[0], "--decode", "turbo")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
