"""The files of the emitted package, made in memory first and then written atomically."""

from __future__ import annotations

from pathlib import Path

from specdsl.backends.keras.codefmt import CodeError
from specdsl.backends.keras.model import model_source
from specdsl.backends.keras.train import spec_file_name, train_source
from specdsl.backends.registry import BackendError
from specdsl.check.analysis import Analysis
from specdsl.fileio import write_atomic


def package_sources(analysis: Analysis) -> dict[str, str]:
    """File name -> text, for model.py, train.py and the spec (canonical text, same hash)."""
    from specdsl.syntax.format import format_spec

    try:
        files = {
            "model.py": model_source(analysis),
            "train.py": train_source(analysis),
        }
    except CodeError as e:
        raise BackendError(f"{analysis.spec.source or '<spec>'}: {e}") from None
    files[spec_file_name(analysis)] = format_spec(analysis.spec)
    return files


def write_package(analysis: Analysis, out: Path) -> list[Path]:
    """Write the package into ``out``; nothing is written if any file cannot be made."""
    files = package_sources(analysis)
    if out.exists() and not out.is_dir():
        raise BackendError(f"{out}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    return [write_atomic(out / name, text) for name, text in files.items()]
