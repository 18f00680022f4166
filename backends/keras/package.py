"""The Keras package: model.py, train.py and the spec they were generated from.

How the files are written is shared by every backend (:mod:`specdsl.backends.package`); the
spec copy is the canonical text without comments.
"""

from __future__ import annotations

from pathlib import Path

from specdsl.backends.keras.codefmt import CodeError
from specdsl.backends.keras.model import model_source
from specdsl.backends.keras.train import train_source
from specdsl.backends.package import with_spec, write_files
from specdsl.backends.registry import BackendError
from specdsl.check.analysis import Analysis


def package_sources(analysis: Analysis) -> dict[str, str]:
    """File name -> text of every file of the package (nothing is written)."""
    try:
        code = {
            "model.py": model_source(analysis),
            "train.py": train_source(analysis),
        }
    except CodeError as e:
        raise BackendError(f"{analysis.spec.source or '<spec>'}: {e}") from None
    return with_spec(analysis, code, comments=False)


def write_package(analysis: Analysis, out: Path) -> list[Path]:
    """Write the package into ``out``: all files or none, nothing if any cannot be made."""
    return write_files(package_sources(analysis), out)
