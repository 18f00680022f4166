"""The diff as JSON: every aligned layer with old/new values, the settings, the totals."""

from __future__ import annotations

from typing import Any

from specdsl.review.diff import LayerDiff, ModelDiff


def _pair(a: Any, b: Any, delta: bool = False) -> dict:
    out = {"old": _plain(a), "new": _plain(b)}
    if delta:
        out["delta"] = (b or 0) - (a or 0)
    return out


def _plain(v: Any) -> Any:
    if isinstance(v, tuple):
        return list(v)
    if hasattr(v, "as_json"):
        return v.as_json()
    return v


def layer_json(d: LayerDiff) -> dict:
    out = {
        "status": d.status,
        "name": d.name,
        "path": d.path,
        "kind": d.kind,
        "differs": d.differs,
        "statement": _pair(d.statement("old"), d.statement("new")),
        "changes": [c.as_json() for c in d.changes],
        "shape_changed": d.shape_changed,
        "trainable_changed": d.trainable_changed,
        "input_shape": _pair(*d.pair("input_shape")),
        "output_shape": _pair(*d.pair("output_shape")),
        "params": _pair(*d.pair("params"), delta=True),
        "trainable_params": _pair(*d.pair("trainable_params"), delta=True),
        "trainable": _pair(*d.pair("trainable")),
        "macs": _pair(*d.cost_pair("macs"), delta=True),
        "activation_bytes": _pair(*d.cost_pair("activation_bytes"), delta=True),
        "receptive_field": _pair(*d.cost_pair("field")),
    }
    if d.children:
        out["layers"] = [layer_json(c) for c in d.children]
    return out


def as_json(diff: ModelDiff) -> dict:
    return {
        "old": {
            "file": diff.old.label,
            "model": diff.old.analysis.spec.name,
            "origin": diff.old.origin,
        },
        "new": {
            "file": diff.new.label,
            "model": diff.new.analysis.spec.name,
            "origin": diff.new.origin,
        },
        "same": diff.same,
        "counts": diff.counts(),
        "batch_size": diff.batch_size,
        "not_compared": diff.not_compared,
        "layers": [layer_json(d) for d in diff.layers],
        "settings": {s.name: [c.as_json() for c in s.changes] for s in diff.sections},
        "totals": totals_json(diff),
        "receptive_field": _pair(diff.old_cost.output_field, diff.new_cost.output_field),
        "cost": {"old": diff.old_cost.as_json(), "new": diff.new_cost.as_json()},
    }


def totals_json(diff: ModelDiff) -> dict:
    a, b = diff.old.analysis, diff.new.analysis
    ca, cb = diff.old_cost, diff.new_cost
    out = {"params": _pair(a.total_params, b.total_params, delta=True)}
    if "freezing" not in diff.unknown:
        out["trainable_params"] = _pair(a.trainable_params, b.trainable_params, delta=True)
        out["non_trainable_params"] = _pair(
            a.non_trainable_params, b.non_trainable_params, delta=True
        )
    out["macs"] = _pair(a.macs, b.macs, delta=True)
    out["activation_bytes"] = _pair(ca.activation_bytes, cb.activation_bytes, delta=True)
    out["peak_activation_bytes"] = _pair(ca.peak_bytes, cb.peak_bytes, delta=True)
    return out
