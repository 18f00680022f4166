"""Write the package: model.py, data.py, train.py and the spec they were generated from.

Everything is generated (and checked) before the first file is written; each file is written
atomically, so a failed build never leaves a half-written package.
"""

from __future__ import annotations

from pathlib import Path

from specdsl.backends.pytorch.data import data_source
from specdsl.backends.pytorch.model import model_source
from specdsl.backends.pytorch.train import train_source
from specdsl.check.analysis import Analysis
from specdsl.fileio import write_atomic


def spec_text(analysis: Analysis) -> str:
    """The spec in canonical form (comments kept), the file train.py reloads and hashes."""
    from specdsl.syntax.format import format_spec

    source = None
    if analysis.spec.source and Path(analysis.spec.source).is_file():
        source = Path(analysis.spec.source).read_text(encoding="utf-8")
    return format_spec(analysis.spec, source)


def sources(analysis: Analysis) -> dict[str, str]:
    """File name -> text of every file of the package (nothing is written)."""
    return {
        "model.py": model_source(analysis),
        "data.py": data_source(analysis),
        "train.py": train_source(analysis),
        f"{analysis.spec.name}.spec": spec_text(analysis),
    }


def write_package(analysis: Analysis, out: Path) -> list[Path]:
    files = sources(analysis)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in files.items():
        paths.append(write_atomic(out / name, text))
    return paths
