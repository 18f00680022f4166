"""Helpers over the IR: comparison that ignores where things were written."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def strip_spans(node: BaseModel) -> dict[str, Any]:
    """The node as plain data without source spans, file names or printing hints."""
    return _strip(node.model_dump(mode="json"))


# Fields added after specs were first hashed, left out at their default value so that every
# spec written before them keeps its hash (emitted packages check it).
_NEW_FIELDS: dict[str, Any] = {
    "inputs": [],
    "precision": "float32",
    "blocks": [],
    "calls": [],
    "correct": None,
}


def _strip(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {
            k: _strip(v)
            for k, v in obj.items()
            if k not in ("span", "source", "text", "field_spans", "end_span")
            and not (k in _NEW_FIELDS and v == _NEW_FIELDS[k])
        }
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


# How a spec was written, not what it means: a model written with blocks hashes as its
# expansion does.
_WRITING = ("blocks", "calls")


def ir_equal(a: BaseModel, b: BaseModel) -> bool:
    """True when two IR trees describe the same thing, wherever they were written."""
    return strip_spans(a) == strip_spans(b)


def spec_hash(node: BaseModel) -> str:
    """A short hash of what the spec means (not how it is written): sha256 of canonical JSON."""
    import hashlib
    import json

    meaning = {k: v for k, v in strip_spans(node).items() if k not in _WRITING}
    data = json.dumps(meaning, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()[:16]
