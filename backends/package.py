"""What every backend's package writer shares: the spec copy, and writing the files.

A backend makes all the text of its package in memory first (every check of the spec runs
then); only then is anything written, all files or none, so a failed build never leaves a
half-written package. ``specdsl build`` writes the package into its folder, ``specdsl train``
into the run folder (see :mod:`specdsl.backends.launch`).
"""

from __future__ import annotations

from pathlib import Path

from specdsl.backends.registry import BackendError
from specdsl.check.analysis import Analysis
from specdsl.fileio import OutputError, write_all


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
    """Write the package into ``out`` (made if missing): all files or none, each atomically
    (:func:`specdsl.fileio.write_all`); their paths, in order. An unwritable ``out`` is one
    BackendError line."""
    try:
        return write_all(files, out)
    except OutputError as e:
        raise BackendError(str(e)) from None
