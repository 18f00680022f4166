"""Importers: a model file -> the IR (:class:`specdsl.ir.ModelSpec`), checked like a spec.

``import_model(path)`` picks the importer by the file's suffix: ``.keras`` (read as a zip, no
TensorFlow needed) or ``.onnx`` (the graphs ``specdsl export``/``build --backend onnx`` write).
"""

from __future__ import annotations

from pathlib import Path

from specdsl.review.importers.common import Imported, ImportFailed

SUFFIXES = (".keras", ".onnx")


def import_model(path: str | Path) -> Imported:
    p = Path(path)
    if not p.is_file():
        raise ImportFailed(f"no such file: {p}")
    suffix = p.suffix.lower()
    if suffix == ".keras":
        from specdsl.backends.keras.reader import import_keras

        return import_keras(p)
    if suffix == ".onnx":
        from specdsl.backends.onnx.reader import import_onnx

        return import_onnx(p)
    raise ImportFailed(f"{p}: cannot import a '{suffix}' file (give a .keras or .onnx file)")


__all__ = ["SUFFIXES", "ImportFailed", "Imported", "import_model"]
