"""``specdsl build SPEC --backend onnx``: the model as one ``.onnx`` file with fresh weights."""

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
    def build(self, analysis: Analysis, out: Path) -> list[Path]:
        """Write ``<out>/<name>.onnx`` with fresh (Glorot-uniform, seed 0) weights."""
        from specdsl.weights.checkpoint import random_weights

        export, CONVERT = _load()
        CONVERT.check_all(analysis)
        return [
            export(analysis, random_weights(analysis), Path(out) / f"{analysis.spec.name}.onnx")
        ]
