"""What every backend's package writer shares: the spec copy, and writing the files.

A backend makes all the text of its package in memory first (every check of the spec runs
then); only then is anything written, all files or none, so a failed build never leaves a
half-written package. ``specdsl build`` writes the package into its folder, ``specdsl train``
into the run folder (see :mod:`specdsl.backends.launch`).
"""

from __future__ import annotations

from collections.abc import Callable
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


def write_package(
    analysis: Analysis,
    out: Path,
    sources: Callable[..., dict[str, str]],
    weights: dict | None = None,
    weights_file: tuple[str, Callable[[Analysis, dict], bytes]] | None = None,
) -> list[Path]:
    """What ``specdsl build`` writes for a code target: ``sources(analysis, train=...)``, the
    package's text (no train.py for a spec without a loss: a model to run), and with
    ``weights`` (canonical tensors) the target's own weights file, ``weights_file`` being its
    name and the function that makes its bytes. All files or none."""
    trains = bool(analysis.spec.training.loss)
    files: dict[str, str | bytes] = dict(sources(analysis, train=trains))
    if weights is not None and weights_file is not None:
        name, make = weights_file
        files[name] = make(analysis, weights)
    return write_files(files, out)


def write_files(files: dict[str, str | bytes], out: Path) -> list[Path]:
    """Write the package into ``out`` (made if missing): all files or none, each atomically
    (:func:`specdsl.fileio.write_all`); their paths, in order. An unwritable ``out`` is one
    BackendError line."""
    try:
        return write_all(files, out)
    except OutputError as e:
        raise BackendError(str(e)) from None
