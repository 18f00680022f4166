"""``specdsl augment``: the lecture's Figure 8.10 (Listing 8.15), nine random augmentations of
one image in a 3x3 grid, as a backend applies the spec's augmentation in training.

Each backend runs in its own process (TensorFlow and torchvision are never imported together,
and never into the CLI's own process): ``python -m specdsl.backends.<name>.augment_preview``
decodes and resizes the image as that backend's training does, applies the augmentation
(Keras: the emitted model's augmentation layers called with ``training=True``; PyTorch: the
emitted data.py's ``train_augmentation()``), and writes the arrays to an .npz file. This
module starts that process and lays the tiles out in a PNG with Pillow.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

BACKENDS = ("keras", "pytorch")
COUNT = 9  # a 3x3 grid, as in Figure 8.10
COLUMNS = 3
GAP = 4  # white pixels between tiles
# TensorFlow's start-up notices, which TF_CPP_MIN_LOG_LEVEL does not silence
NOISE = ("WARNING: All log messages before absl::InitializeLog()", "I0000 ", "To enable the")


class PreviewError(Exception):
    """One line for the user: the spec, the image or the backend cannot make the grid."""


def augment_kinds(analysis) -> list[str]:
    """The kinds of the spec's augmentation layers, in order (empty: no augmentation)."""
    from specdsl import ir

    return [info.kind for info in analysis.flat() if info.kind in ir.AUGMENT_KINDS]


def augment_images(
    spec: Path, image: Path, backend: str, seed: int | None = None, count: int = COUNT
) -> tuple[np.ndarray, np.ndarray]:
    """(image, tiles): the decoded, resized image (H, W, C) and ``count`` augmentations of it
    (N, H, W, C), float32 pixels 0..255, from ``backend`` in a process of its own."""
    if backend not in BACKENDS:
        raise PreviewError(f"unknown backend '{backend}'; choose one of: {', '.join(BACKENDS)}")
    with tempfile.TemporaryDirectory(prefix="specdsl-augment-") as tmp:
        out = Path(tmp) / "tiles.npz"
        cmd = [sys.executable, "-m", f"specdsl.backends.{backend}.augment_preview"]
        cmd += [str(spec), str(image), str(out), "--count", str(count)]
        if seed is not None:
            cmd += ["--seed", str(seed)]
        env = {"TF_CPP_MIN_LOG_LEVEL": "2", **os.environ}
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, errors="replace")
        if done.returncode != 0 or not out.is_file():
            raise PreviewError(_failure(done, backend))
        with np.load(out) as arrays:
            return arrays["image"], arrays["tiles"]


def _failure(done: subprocess.CompletedProcess, backend: str) -> str:
    """The preview process's 'error: ...' line, else its last words."""
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    for line in reversed(lines):
        if line.startswith("error: "):
            return line[len("error: ") :]
    said = [line for line in lines if not line.startswith(NOISE)]
    last = said[-1].strip() if said else f"exit code {done.returncode}"
    return f"the {backend} augmentation preview failed: {last}"


def to_pixels(tiles: np.ndarray) -> np.ndarray:
    """float 0..255 -> uint8, rounded and clipped (what the PNG holds)."""
    return np.clip(np.rint(tiles), 0, 255).astype(np.uint8)


def grid_image(tiles: np.ndarray, scale: int = 1, columns: int = COLUMNS):
    """A Pillow image of the tiles (N, H, W, C) in rows of ``columns``, white gaps between
    them; each tile keeps its size (times ``scale``, nearest neighbour)."""
    from PIL import Image

    pixels = to_pixels(tiles)
    if scale > 1:
        pixels = pixels.repeat(scale, axis=1).repeat(scale, axis=2)
    n, h, w, c = pixels.shape
    rows = -(-n // columns)
    canvas = np.full((rows * h + (rows - 1) * GAP, columns * w + (columns - 1) * GAP, c), 255)
    for k in range(n):
        top, left = (k // columns) * (h + GAP), (k % columns) * (w + GAP)
        canvas[top : top + h, left : left + w] = pixels[k]
    canvas = canvas.astype(np.uint8)
    if c == 1:
        return Image.fromarray(canvas[:, :, 0], mode="L")
    return Image.fromarray(canvas, mode="RGBA" if c == 4 else "RGB")


def tiles_of(grid: np.ndarray, shape: tuple[int, int], count: int = COUNT) -> np.ndarray:
    """The tiles (N, H, W[, C]) cut back out of a grid's pixels, given the tiles' (H, W)."""
    h, w = shape
    cut = []
    for k in range(count):
        top, left = (k // COLUMNS) * (h + GAP), (k % COLUMNS) * (w + GAP)
        cut.append(grid[top : top + h, left : left + w])
    return np.stack(cut)


def save_png(image, path: Path) -> None:
    """Write the PNG atomically (a half-written picture is never left behind)."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        image.save(tmp, format="PNG")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


# The preview processes' shared front end (``python -m specdsl.backends.X.augment_preview``).


def preview_main(augment: Callable, argv: list[str] | None = None) -> int:
    """Parse SPEC IMAGE OUT.npz [--seed N] [--count N], load the spec, run ``augment(analysis,
    image, count, seed)`` -> (image, tiles) and save them; an error is one 'error:' line."""
    p = argparse.ArgumentParser(description="Augmentations of one image, as an .npz file.")
    p.add_argument("spec")
    p.add_argument("image")
    p.add_argument("out")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--count", type=int, default=COUNT)
    args = p.parse_args(argv)
    try:
        from specdsl.api import load
        from specdsl.diagnostics import SpecError

        try:
            analysis = load(args.spec)
        except SpecError as e:
            raise PreviewError(f"{args.spec}: {e}") from None
        image, tiles = augment(analysis, Path(args.image), args.count, args.seed)
        np.savez(args.out, image=np.asarray(image, np.float32), tiles=np.asarray(tiles, np.float32))
    except PreviewError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except ModuleNotFoundError as e:
        print(f"error: {e.name} is not installed (this backend's extra has it)", file=sys.stderr)
        return 1
    except Exception as e:  # a bug or an unexpected file: still one line
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    return 0
