"""``specdsl augment --backend pytorch``: the spec's augmentation as the emitted data.py
applies it (run as ``python -m specdsl.backends.pytorch.augment_preview``, never imported
together with TensorFlow).

The emitted data.py itself is built (:func:`specdsl.backends.pytorch.data.data_source`, whose
transforms come from ``snippets/augmentations.py`` through the shared picker) and executed as
a module; its ``ImageFiles`` decodes and resizes the image as training does and its
``train_augmentation()`` is the training split's transform.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

import numpy as np

from specdsl.review.augment_grid import PreviewError, preview_main

MODULE = "specdsl_augment_preview_data"


def data_module(analysis) -> types.ModuleType:
    """The spec's emitted data.py, executed as a module."""
    from specdsl.backends.pytorch.data import data_source
    from specdsl.backends.registry import BackendError

    try:
        text = data_source(analysis)
    except BackendError as e:
        raise PreviewError(str(e)) from None
    module = types.ModuleType(MODULE)
    module.__file__ = "data.py"
    sys.modules[MODULE] = module
    exec(compile(text, "data.py", "exec"), module.__dict__)  # noqa: S102 - our own emitted code
    return module


def augment(analysis, image: Path, count: int, seed: int | None):
    """(image, tiles) as float32 (H, W, C) and (N, H, W, C), pixels 0..255."""
    import torch

    from specdsl.data import DataError

    data = data_module(analysis)
    data.SCALE_INPUTS = False  # ImageFiles then gives pixels 0..255, as the transforms see them
    try:
        x, _ = data.ImageFiles([(str(image), 0)])[0]
    except DataError as e:
        raise PreviewError(str(e)) from None
    transform = data.train_augmentation()
    if transform is None:
        raise PreviewError(f"{analysis.spec.source or analysis.spec.name}: no augmentation")
    if seed is None:
        torch.seed()  # a fresh one: torch's start-up seed is the same in every process
    else:
        torch.manual_seed(seed)
    tiles = [transform(x.clone()) for _ in range(count)]
    as_hwc = [t.permute(1, 2, 0).numpy() for t in [x, *tiles]]
    return as_hwc[0], np.stack(as_hwc[1:])


if __name__ == "__main__":
    sys.exit(preview_main(augment))
