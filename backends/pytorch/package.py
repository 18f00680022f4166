"""The PyTorch package: model.py, data.py, train.py and the spec they were generated from.

How the files are written is shared by every backend (:mod:`specdsl.backends.package`); the
spec copy keeps the comments of the spec file.
"""

from __future__ import annotations

from pathlib import Path

from specdsl.backends.package import with_spec
from specdsl.backends.pytorch.data import data_source
from specdsl.backends.pytorch.model import model_source
from specdsl.backends.pytorch.train import train_source
from specdsl.check.analysis import Analysis
from specdsl.fileio import write_all


def package_sources(analysis: Analysis) -> dict[str, str]:
    """File name -> text of every file of the package (nothing is written)."""
    code = {
        "model.py": model_source(analysis),
        "data.py": data_source(analysis),
        "train.py": train_source(analysis),
    }
    return with_spec(analysis, code, comments=True)


def write_package(analysis: Analysis, out: Path) -> list[Path]:
    """Write the package into ``out``: all files or none (:func:`specdsl.fileio.write_all`)."""
    return write_all(package_sources(analysis), out)
