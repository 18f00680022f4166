"""What ``diff`` and ``graph`` read: a ``.spec`` file, or a model file through an importer."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from specdsl.check.analysis import Analysis

# Aspects of a model that a model file may not record; the diff does not compare them then.
# Keys not listed here are not compared either, silently (``freeze_ops``: how the freezing is
# written, when the flags themselves are compared).
ASPECTS = {
    "compile": "loss, optimizer and metrics",
    "training_loop": "training loop (epochs, batch, checkpoint, strategy, stages)",
    "freezing": "trainable/frozen flags",
    "base_weights": "where a base's weights come from",
    "classes": "class names",
    "training_layers": "training-only layers (augmentation, dropout)",
}


class SourceError(Exception):
    """A model that cannot be read: one line for people, naming the file."""


@dataclass
class ModelSource:
    analysis: Analysis
    label: str  # what to call it in a report (the path)
    origin: str = "spec"  # spec, keras, onnx, empty
    unknown: frozenset[str] = field(default_factory=frozenset)  # keys of ASPECTS


def empty_source(label: str, like: Analysis | None = None) -> ModelSource:
    """No model at all (a file added or deleted in git): every layer of the other is new."""
    from specdsl import ir

    name = like.spec.name if like else "empty"
    shape = like.spec.input_shape if like else None
    spec = ir.ModelSpec(name=name, input_shape=shape)
    from specdsl.check.analyze import analyze

    return ModelSource(analyze(spec), label, "empty")


def load_source(path: str | Path) -> ModelSource:
    """Read a spec, a ``.keras`` or an ``.onnx`` file; raise :class:`SourceError` if it fails."""
    from specdsl.diagnostics import SpecError

    p = Path(path)
    if not p.exists():
        raise SourceError(f"no such file: {p}")
    if p.is_dir():
        raise SourceError(f"{p} is a folder; give a .spec, .keras or .onnx file")
    suffix = p.suffix.lower()
    if suffix in (".keras", ".onnx"):
        from specdsl.review.importers import ImportFailed, import_model

        try:
            imported = import_model(p)
        except ImportFailed as e:
            raise SourceError(str(e)) from None
        return ModelSource(imported.analysis, str(p), imported.origin, imported.unknown)
    from specdsl.api import load

    try:
        a = load(p)
    except SpecError as e:
        raise SourceError(_first_error(e, p)) from None
    except UnicodeDecodeError:
        raise SourceError(f"{p}: not a text file (a .spec, .keras or .onnx file?)") from None
    return ModelSource(a, str(p))


def _first_error(e, path: Path) -> str:
    errors = [d for d in e.diagnostics if d.severity == "error"] or list(e.diagnostics)
    if not errors:
        return f"{path}: the spec has errors"
    d = errors[0]
    where = f"{path}:{d.span.line}:{d.span.column}" if d.span else str(path)
    more = f" (and {len(errors) - 1} more error(s); run 'specdsl check')" if len(errors) > 1 else ""
    return f"{where}: {d.message}{more}"
