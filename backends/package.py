"""What every backend's package writer shares: the spec copy, and writing the files.

A backend makes all the text of its package in memory first (every check of the spec runs
then); only then is anything written, each file atomically, so a failed build never leaves a
half-written package. ``specdsl build`` writes the package into its folder, ``specdsl train``
into the run folder (see :mod:`specdsl.backends.launch`).
"""

from __future__ import annotations

from pathlib import Path

from specdsl.backends.registry import BackendError
from specdsl.check.analysis import Analysis
from specdsl.fileio import write_atomic


def spec_file_name(analysis: Analysis) -> str:
    """The spec copy's name: ``<model>.spec``, beside train.py, which reloads and hashes it."""
    return f"{analysis.spec.name}.spec"


def spec_text(analysis: Analysis, *, comments: bool) -> str:
    """The spec in canonical form (same hash); with ``comments``, those of its source file."""
    from specdsl.syntax.format import format_spec

    source = None
    if comments and analysis.spec.source and Path(analysis.spec.source).is_file():
        source = Path(analysis.spec.source).read_text(encoding="utf-8")
    return format_spec(analysis.spec, source)


def with_spec(analysis: Analysis, code: dict[str, str], *, comments: bool) -> dict[str, str]:
    """File name -> text of a whole package: the code files, then the spec copy."""
    return {**code, spec_file_name(analysis): spec_text(analysis, comments=comments)}


def write_files(files: dict[str, str], out: Path) -> list[Path]:
    """Write each file into ``out`` (made if missing) atomically; their paths, in order."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise BackendError(f"{out}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    return [write_atomic(out / name, text) for name, text in files.items()]
