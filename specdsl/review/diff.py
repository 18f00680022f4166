"""The architecture diff of two models: aligned layers, changed settings, cost deltas.

``diff_models(old, new)`` compares two :class:`ModelSource` s (specs or imported model files)
through their analyses, never their text: formatting and comments make no difference. The
result is plain data that the renderers in ``diff_render``, ``diff_markdown`` and
``diff_json`` print.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from specdsl import ir
from specdsl.check.analysis import LayerInfo
from specdsl.review.align import align, hyperparams, is_auto_name, layer_score
from specdsl.review.cost import CostReport, LayerCost, cost_report, default_batch_size
from specdsl.review.diff_settings import Change, Section, settings_sections
from specdsl.review.sources import ASPECTS, ModelSource
from specdsl.syntax.format import layer_text


@dataclass
class LayerDiff:
    status: str  # same, changed, added, removed
    old: LayerInfo | None
    new: LayerInfo | None
    old_cost: LayerCost | None
    new_cost: LayerCost | None
    changes: list[Change] = field(default_factory=list)  # hyperparameters and name
    children: list[LayerDiff] = field(default_factory=list)  # a base's own layers
    depth: int = 0

    @property
    def info(self) -> LayerInfo:
        return self.new if self.new is not None else self.old  # type: ignore[return-value]

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def kind(self) -> str:
        return self.info.kind

    @property
    def path(self) -> str:
        return self.info.path

    def statement(self, side: str) -> str | None:
        info = self.old if side == "old" else self.new
        return None if info is None else layer_text(info.layer)

    def pair(self, attr: str) -> tuple[Any, Any]:
        """(old, new) of a LayerInfo attribute; None on the side where the layer is absent."""
        a = getattr(self.old, attr) if self.old is not None else None
        b = getattr(self.new, attr) if self.new is not None else None
        return a, b

    def cost_pair(self, attr: str) -> tuple[Any, Any]:
        a = getattr(self.old_cost, attr) if self.old_cost is not None else None
        b = getattr(self.new_cost, attr) if self.new_cost is not None else None
        return a, b

    def delta(self, attr: str, cost: bool = False) -> int:
        a, b = self.cost_pair(attr) if cost else self.pair(attr)
        return (b or 0) - (a or 0)

    @property
    def shape_changed(self) -> bool:
        if self.old is None or self.new is None:
            return False
        return (
            self.old.input_shape != self.new.input_shape
            or self.old.output_shape != self.new.output_shape
        )

    @property
    def trainable_changed(self) -> bool:
        """Frozen <-> trainable, for layers that have weights (others have nothing to train)."""
        if self.old is None or self.new is None:
            return False
        if self.children:
            return self.old.trainable_params != self.new.trainable_params
        if not (self.old.params or self.new.params):
            return False
        return self.old.trainable != self.new.trainable

    @property
    def differs(self) -> bool:
        return (
            self.status != "same"
            or self.shape_changed
            or self.trainable_changed
            or any(c.differs for c in self.children)
        )


@dataclass
class ModelDiff:
    old: ModelSource
    new: ModelSource
    old_cost: CostReport
    new_cost: CostReport
    layers: list[LayerDiff]
    sections: list[Section]  # model header, augmentation, preprocessing, base, freezing, ...
    not_compared: list[str]  # aspects one of the files does not record
    unknown: frozenset[str] = frozenset()

    @property
    def same(self) -> bool:
        return not any(d.differs for d in self.layers) and not any(s.changes for s in self.sections)

    @property
    def batch_size(self) -> int:
        return self.new_cost.batch_size

    def all_layers(self) -> list[LayerDiff]:
        out = []
        for d in self.layers:
            out.append(d)
            out.extend(d.children)
        return out

    def totals(self) -> list[tuple[str, int, int]]:
        """(what, old, new) for the model-wide numbers."""
        a, b = self.old.analysis, self.new.analysis
        ca, cb = self.old_cost, self.new_cost
        rows = [("params", a.total_params, b.total_params)]
        if "freezing" not in self.unknown:
            rows.append(("trainable params", a.trainable_params, b.trainable_params))
            rows.append(("non-trainable params", a.non_trainable_params, b.non_trainable_params))
        batch = ca.batch_size
        return rows + [
            ("MACs per example", a.macs, b.macs),
            (f"activation memory (batch {batch})", ca.activation_bytes, cb.activation_bytes),
            (f"peak activations (batch {batch})", ca.peak_bytes, cb.peak_bytes),
        ]

    def counts(self) -> dict[str, int]:
        """How many top-level layers were added, removed and changed."""
        out = {"added": 0, "removed": 0, "changed": 0}
        for d in self.layers:
            # an added or removed base counts once; a kept one by its own layers
            inner = d.children if d.status in ("same", "changed") else []
            for x in [d, *inner]:
                if x.status in out:
                    out[x.status] += 1
                elif x.differs and not x.children:
                    out["changed"] += 1
        return out


def _costs_by_path(report: CostReport) -> dict[str, LayerCost]:
    return {c.path: c for c in report.layers}


def _changes(a: LayerInfo, b: LayerInfo, ignore: tuple[str, ...] = ()) -> list[Change]:
    out = []
    # Keras's automatic names shift when a layer is inserted before: not a change of its own
    if a.name != b.name and not (is_auto_name(a.layer) and is_auto_name(b.layer)):
        out.append(Change("name", a.name, b.name))
    ha, hb = hyperparams(a.layer), hyperparams(b.layer)
    for key in ignore:
        ha.pop(key, None)
        hb.pop(key, None)
    for key in sorted(set(ha) | set(hb), key=lambda k: list(hb).index(k) if k in hb else 99):
        if ha.get(key) != hb.get(key):
            out.append(Change(key, ha.get(key), hb.get(key)))
    return out


def _diff_layers(
    old: list[LayerInfo],
    new: list[LayerInfo],
    old_costs: dict[str, LayerCost],
    new_costs: dict[str, LayerCost],
    depth: int = 0,
    skip: tuple[str, ...] = (),
    ignore: tuple[str, ...] = (),
) -> list[LayerDiff]:
    skip = ("input", *skip)
    old = [i for i in old if i.kind not in skip]
    new = [i for i in new if i.kind not in skip]
    out = []
    for p in align(old, new, lambda x, y: layer_score(x.layer, y.layer)):
        a, b = p.old, p.new
        ca = old_costs.get(a.path) if a is not None else None
        cb = new_costs.get(b.path) if b is not None else None
        if a is None:
            d = LayerDiff("added", None, b, None, cb, depth=depth)
        elif b is None:
            d = LayerDiff("removed", a, None, ca, None, depth=depth)
        else:
            changes = _changes(a, b, ignore)
            d = LayerDiff("changed" if changes else "same", a, b, ca, cb, changes, depth=depth)
        if (a is not None and a.children) or (b is not None and b.children):
            d.children = _diff_layers(
                a.children if a is not None else [],
                b.children if b is not None else [],
                old_costs,
                new_costs,
                depth + 1,
                skip,
                ignore,
            )
        out.append(d)
    return out


def diff_models(old: ModelSource, new: ModelSource, batch_size: int | None = None) -> ModelDiff:
    """Compare two models. ``batch_size`` for activation memory: default the new spec's."""
    if batch_size is None:
        batch_size = default_batch_size(new.analysis)
        if new.origin != "spec" and old.origin == "spec":
            batch_size = default_batch_size(old.analysis)
    ca = cost_report(old.analysis, batch_size)
    cb = cost_report(new.analysis, batch_size)
    unknown = set(old.unknown) | set(new.unknown)
    if old.origin == "empty" or new.origin == "empty":
        unknown = set()
    skip = (*ir.AUGMENT_KINDS, "dropout") if "training_layers" in unknown else ()
    layers = _diff_layers(
        old.analysis.layers,
        new.analysis.layers,
        _costs_by_path(ca),
        _costs_by_path(cb),
        skip=skip,
        ignore=("weights",) if "base_weights" in unknown else (),
    )
    sections = settings_sections(old.analysis, new.analysis, unknown)
    if "freezing" in unknown:
        _ignore_trainable(layers, old.unknown, new.unknown)
    not_compared = [ASPECTS[k] for k in ASPECTS if k in unknown]
    return ModelDiff(old, new, ca, cb, layers, sections, not_compared, frozenset(unknown))


def _ignore_trainable(layers: list[LayerDiff], old_unknown, new_unknown) -> None:
    """When one side does not record trainable flags, read them from the side that does."""
    for d in layers:
        if d.old is not None and d.new is not None:
            if "freezing" in new_unknown:
                d.new = _with_flags(d.new, d.old)
            else:
                d.old = _with_flags(d.old, d.new)
        _ignore_trainable(d.children, old_unknown, new_unknown)


def _with_flags(target: LayerInfo, source: LayerInfo) -> LayerInfo:
    from dataclasses import replace

    clone = replace(target, trainable=source.trainable)
    if target.children:
        flags = {c.name: c.trainable for c in source.children}
        clone.children = [
            replace(c, trainable=flags.get(c.name, c.trainable)) for c in target.children
        ]
    return clone
