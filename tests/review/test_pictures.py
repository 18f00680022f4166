"""The lecture's pictures (issue 15): `specdsl augment` (Figure 8.10, nine augmentations of one
image as each backend applies the spec's augmentation) and `specdsl curves` (Listing 8.12's
accuracy and loss curves of one or several run folders).

TensorFlow and torchvision never share a process: `augment` runs each backend in its own, and
this test process imports neither.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from specdsl.review import augment_grid as ag
from tests.review.conftest import cli, spec

HAVE = {
    "keras": importlib.util.find_spec("keras") is not None,
    "pytorch": importlib.util.find_spec("torchvision") is not None,
}
BACKENDS = [
    pytest.param(b, marks=pytest.mark.skipif(not HAVE[b], reason=f"{b} is not installed"))
    for b in ag.BACKENDS
]
FLIP_SPEC = """model flip_only
input 96x128x3
augment flip horizontal
rescale 1/255
conv 4 k3 relu
flatten
dense 2 softmax
"""


@pytest.fixture(scope="module")
def photo(shared_data: Path) -> Path:
    path = shared_data / "images" / "chelsea.jpg"
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    return path


def one_line_error(code: int, out: str, err: str, expected_code: int, *words: str) -> None:
    assert code == expected_code, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for w in words:
        assert w in lines[0], lines[0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_augment_grid_of_nine_different_tiles(backend, photo, tmp_path):
    """rotate 0.1; zoom 0.2 (and a flip): nine 180x180 tiles, no two alike."""
    out = tmp_path / "grid.png"
    code, stdout, err = cli(
        "augment", spec("dogs_cats_aug"), photo, "-o", out, "--backend", backend, "--seed", "3"
    )
    assert code == 0, err
    assert "9 augmentations" in stdout and "180x180" in stdout
    grid = np.asarray(Image.open(out).convert("RGB"))
    assert grid.shape == (3 * 180 + 2 * ag.GAP, 3 * 180 + 2 * ag.GAP, 3)
    tiles = ag.tiles_of(grid, (180, 180)).astype(np.float32)
    assert tiles.shape == (9, 180, 180, 3)
    for i in range(9):
        assert tiles[i].std() > 20  # a photo, not a blank tile
        for j in range(i):
            assert np.abs(tiles[i] - tiles[j]).mean() > 3, f"tiles {j} and {i} look alike"
    gaps = grid[180 : 180 + ag.GAP]
    assert (gaps == 255).all()  # white gutters between the tiles


@pytest.mark.skipif(not all(HAVE.values()), reason="needs both keras and torchvision")
def test_flip_only_gives_the_image_and_its_mirror_in_both_backends(photo, tmp_path):
    """`flip horizontal` alone: each tile is exactly the decoded image or its mirror, both
    appear; Keras and PyTorch decode and resize the photo alike (as their training does)."""
    path = tmp_path / "flip.spec"
    path.write_text(FLIP_SPEC)
    decoded = {}
    for backend in ag.BACKENDS:
        image, tiles = ag.augment_images(path, photo, backend, seed=5)
        assert image.shape == (96, 128, 3) and tiles.shape == (9, 96, 128, 3)
        mirror = image[:, ::-1]
        flipped = [bool(np.array_equal(t, mirror)) for t in tiles]
        same = [bool(np.array_equal(t, image)) for t in tiles]
        assert all(a != b for a, b in zip(flipped, same, strict=True)), backend
        assert any(flipped) and any(same), backend
        # the PNG holds the same pixels
        grid = np.asarray(ag.grid_image(tiles))
        cut = ag.tiles_of(grid, (96, 128))
        for k, t in enumerate(cut):
            expected = mirror if flipped[k] else image
            assert np.array_equal(t, ag.to_pixels(expected)), (backend, k)
        decoded[backend] = image
    # TensorFlow's and Pillow's JPEG decoders differ by about one level per pixel
    assert np.abs(decoded["keras"] - decoded["pytorch"]).mean() < 3.0
    # a fixed seed draws the same flips again
    _, again = ag.augment_images(path, photo, "pytorch", seed=5)
    assert np.array_equal(again, tiles)


def test_grid_layout_gray_and_scaled():
    tiles = np.stack([np.full((28, 28, 1), 10.0 * k) for k in range(9)])
    img = ag.grid_image(tiles, scale=2)
    assert img.mode == "L" and img.size == (3 * 56 + 2 * ag.GAP, 3 * 56 + 2 * ag.GAP)
    cut = ag.tiles_of(np.asarray(img), (56, 56))
    assert [int(t.mean()) for t in cut] == [10 * k for k in range(9)]


@pytest.mark.skipif(not HAVE["pytorch"], reason="torchvision is not installed")
def test_augment_errors_are_one_line(photo, tmp_path):
    out = tmp_path / "g.png"
    r = cli("augment", spec("mnist_convnet"), photo, "-o", out)
    one_line_error(*r, 1, "no augmentation", "augment flip horizontal")
    r = cli("augment", spec("dogs_cats_aug"), tmp_path / "missing.jpg", "-o", out)
    one_line_error(*r, 2, "no such image file")
    r = cli("augment", spec("dogs_cats_aug"), photo, "-o", out, "--backend", "jax")
    one_line_error(*r, 2, "unknown backend 'jax'")
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture")
    r = cli("augment", spec("dogs_cats_aug"), text, "-o", out, "--backend", "pytorch")
    one_line_error(*r, 1, "notes.jpg", "not a readable image")
    assert not out.exists()


# curves: run folders as both backends write them (the structure of a real run's history.json)


def write_run(folder: Path, epochs: int, stages=None, validation=True, offset=0.0) -> Path:
    folder.mkdir(parents=True)
    history = {
        "loss": [1.0 / (k + 1) + offset for k in range(epochs)],
        "accuracy": [0.5 + 0.04 * k - offset for k in range(epochs)],
    }
    if validation:
        history["val_loss"] = [1.1 / (k + 1) + 0.2 + offset for k in range(epochs)]
        history["val_accuracy"] = [0.5 + 0.03 * k - offset for k in range(epochs)]
    record = {
        "spec": "dogs_cats_aug.spec",
        "spec_hash": "0123456789abcdef",
        "stage": stages or ["train"] * epochs,
        "history": history,
        "test": {"loss": 0.5, "accuracy": 0.8},
        "epoch_seconds": [1.5] * epochs,
        "epoch_cpu_seconds": [1.4] * epochs,
    }
    (folder / "history.json").write_text(json.dumps(record, indent=2) + "\n")
    return folder


def test_curves_of_one_run_and_two_overlaid(tmp_path):
    from specdsl.review.curves import read_run

    scratch = write_run(tmp_path / "scratch", 6, offset=0.05)
    finetuned = write_run(tmp_path / "finetune", 8, stages=["feature_head"] * 3 + ["finetune"] * 5)
    mnist = write_run(tmp_path / "mnist", 2, validation=False)
    assert read_run(finetuned).boundaries() == [(3, "finetune")]
    assert read_run(mnist / "history.json").epochs == 2
    for runs, name in (([scratch, finetuned], "both.png"), ([mnist], "one.png")):
        out = tmp_path / name
        code, stdout, err = cli("curves", *runs, "-o", out)
        assert code == 0, err
        with Image.open(out) as img:
            assert img.format == "PNG" and img.size == (1200, 450)
            pixels = np.asarray(img.convert("RGB"))
        assert "1200x450" in stdout
        assert (pixels < 250).any(axis=2).mean() > 0.02  # axes, dots and lines were drawn
    both = np.asarray(Image.open(tmp_path / "both.png").convert("RGB")).astype(int)
    orange = (
        (both[..., 0] > 200) & (both[..., 1] > 100) & (both[..., 1] < 160) & (both[..., 2] < 60)
    )
    assert orange.sum() > 100  # the second run has its own colour


def test_curves_errors_are_one_line(tmp_path):
    out = tmp_path / "c.png"
    empty = tmp_path / "empty"
    empty.mkdir()
    r = cli("curves", empty, "-o", out)
    one_line_error(*r, 1, "not a run folder", "history.json")
    r = cli("curves", tmp_path / "nowhere", "-o", out)
    one_line_error(*r, 1, "no such run folder")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "history.json").write_text('{"history": ')
    r = cli("curves", broken, "-o", out)
    one_line_error(*r, 1, "not a readable history.json")
    unfinished = write_run(tmp_path / "unfinished", 0)
    r = cli("curves", unfinished, "-o", out)
    one_line_error(*r, 1, "no 'loss' per epoch")
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    (wrong / "history.json").write_text('{"history": {"loss": ["high"]}}')
    r = cli("curves", wrong, "-o", out)
    one_line_error(*r, 1, "'loss' holds 'high'")
    assert not out.exists()
