"""The PyTorch package: model.py, data.py, train.py and the spec they were generated from.

How the files are written is shared by every backend (:mod:`specdsl.backends.package`); the
spec copy keeps the comments of the spec file.
"""

from __future__ import annotations

from pathlib import Path

from specdsl.backends.package import with_spec, write_files
from specdsl.backends.pytorch.data import data_source
from specdsl.backends.pytorch.model import model_source
from specdsl.backends.pytorch.train import train_source
from specdsl.check.analysis import Analysis


def package_sources(analysis: Analysis) -> dict[str, str]:
    """File name -> text of every file of the package (nothing is written)."""
    code = {
        "model.py": model_source(analysis),
        "data.py": data_source(analysis),
        "train.py": train_source(analysis),
    }
    return with_spec(analysis, code, comments=True)


def write_package(analysis: Analysis, out: Path) -> list[Path]:
    """Write the package into ``out``: all files or none, nothing if any cannot be made."""
    return write_files(package_sources(analysis), out)
