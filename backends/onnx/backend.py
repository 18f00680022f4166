"""``specdsl build SPEC --backend onnx``: the model as one ``.onnx`` file, with fresh weights or
those of ``--weights``."""

from __future__ import annotations

from pathlib import Path

from specdsl.backends.registry import BackendError, register
from specdsl.check.analysis import Analysis

INSTALL_HINT = "the onnx backend needs the onnx package: pip install specdsl[onnx]"


def _load():
    try:
        from specdsl.backends.onnx.model import export
        from specdsl.backends.onnx.table import CONVERT
    except ImportError as e:
        if e.name == "onnx":
            raise BackendError(INSTALL_HINT) from None
        raise
    return export, CONVERT


@register("onnx")
class OnnxBackend:
    def build(self, analysis: Analysis, out: Path, weights=None) -> list[Path]:
        """Write ``<out>/<name>.onnx`` with ``weights`` (canonical tensors, as
        :func:`specdsl.weights.files.read_weights` gives them) or fresh (Glorot-uniform,
        seed 0) ones."""
        from specdsl.fileio import ensure_folder
        from specdsl.weights.checkpoint import random_weights

        export, CONVERT = _load()
        CONVERT.check_all(analysis)
        path = ensure_folder(out) / f"{analysis.spec.name}.onnx"
        if path.is_dir():
            raise BackendError(f"{path}: is a folder; the model file cannot be written there")
        tensors = random_weights(analysis) if weights is None else weights
        return [export(analysis, tensors, path)]
