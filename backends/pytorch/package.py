"""The PyTorch package: model.py, data.py, train.py and the spec they were generated from;
with weights (``specdsl build --weights``) also ``model.pt``, the state dict the model class
loads (the same file a training run leaves).

How the files are written is shared by every backend (:mod:`specdsl.backends.package`); the
spec copy keeps the comments of the spec file.
"""

from __future__ import annotations

from pathlib import Path

from specdsl.backends.package import with_spec
from specdsl.backends.package import write_package as write_package_files
from specdsl.backends.pytorch.data import data_source
from specdsl.backends.pytorch.model import model_source
from specdsl.backends.pytorch.train import train_source
from specdsl.check.analysis import Analysis


def package_sources(analysis: Analysis, *, train: bool = True) -> dict[str, str]:
    """File name -> text of every file of the package (nothing is written); without ``train``
    no train.py (a spec with no loss is a model to run, not to train)."""
    code = {
        "model.py": model_source(analysis),
        "data.py": data_source(analysis),
    }
    if train:
        code["train.py"] = train_source(analysis)
    return with_spec(analysis, code, comments=True)


WEIGHTS_FILE = "model.pt"  # as a training run names it (snippets/run.py)


def weights_file(analysis: Analysis, tensors: dict) -> bytes:
    """``tensors`` (canonical) as the model class's state dict, saved by ``torch.save``
    (``torch.load(..., weights_only=True)`` reads it). Imports PyTorch."""
    import io

    import numpy as np
    import torch

    from specdsl.backends.pytorch.layout import canonical_to_torch

    state = canonical_to_torch(tensors, analysis)
    buffer = io.BytesIO()
    torch.save({k: torch.from_numpy(np.array(v)) for k, v in state.items()}, buffer)
    return buffer.getvalue()


def write_package(analysis: Analysis, out: Path, weights: dict | None = None) -> list[Path]:
    """The package in ``out`` (:func:`specdsl.backends.package.write_package`); ``weights``
    adds ``model.pt``."""
    own = (WEIGHTS_FILE, weights_file)
    return write_package_files(analysis, out, package_sources, weights, own)
