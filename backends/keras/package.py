"""The Keras package: model.py, train.py and the spec they were generated from; with weights
(``specdsl build --weights``) also ``model.weights.h5``, which ``build_model().load_weights``
reads.

How the files are written is shared by every backend (:mod:`specdsl.backends.package`); the
spec copy is the canonical text without comments.
"""

from __future__ import annotations

from pathlib import Path

from specdsl.backends.keras.codefmt import CodeError
from specdsl.backends.keras.model import model_source
from specdsl.backends.keras.train import train_source
from specdsl.backends.package import with_spec
from specdsl.backends.package import write_package as write_package_files
from specdsl.backends.registry import BackendError
from specdsl.check.analysis import Analysis


def package_sources(analysis: Analysis, *, train: bool = True) -> dict[str, str]:
    """File name -> text of every file of the package (nothing is written); without ``train``
    no train.py (a spec with no loss is a model to run, not to train)."""
    try:
        code = {
            "model.py": model_source(analysis),
        }
        if train:
            code["train.py"] = train_source(analysis)
    except CodeError as e:
        raise BackendError(f"{analysis.spec.source or '<spec>'}: {e}") from None
    return with_spec(analysis, code, comments=False)


WEIGHTS_FILE = "model.weights.h5"  # Keras's own format: build_model().load_weights(...)


def weights_file(analysis: Analysis, tensors: dict) -> bytes:
    """``tensors`` (canonical, every weight of the model) as the emitted model's
    ``model.weights.h5``: the model is built by the emitted code and saves itself, so the file
    is exactly what ``build_model().load_weights`` expects. Imports Keras."""
    import tempfile

    from specdsl.backends.keras.runtime import build_keras_model, set_weights

    model = build_keras_model(analysis)
    set_weights(model, analysis, tensors)
    with tempfile.TemporaryDirectory(prefix="specdsl-build-") as tmp:
        path = Path(tmp) / WEIGHTS_FILE
        model.save_weights(path)
        return path.read_bytes()


def write_package(analysis: Analysis, out: Path, weights: dict | None = None) -> list[Path]:
    """The package in ``out`` (:func:`specdsl.backends.package.write_package`); ``weights``
    adds ``model.weights.h5``."""
    own = (WEIGHTS_FILE, weights_file)
    return write_package_files(analysis, out, package_sources, weights, own)
