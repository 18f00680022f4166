"""The model-wide part of a diff: header, augmentation, preprocessing, base, freezing, training.

Each part is a :class:`Section` of :class:`Change` s (what, old, new). Values are compared as
the spec means them (``lr=1e-5`` and ``lr=0.00001`` are the same) and shown as a spec writes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from specdsl import ir
from specdsl.check.analysis import Analysis, StageInfo
from specdsl.ir.vocab import OPTIMIZERS
from specdsl.syntax.format import fmt_num, layer_text

ABSENT = "(none)"


@dataclass(frozen=True)
class Change:
    what: str
    old: Any
    new: Any

    def as_json(self) -> dict:
        return {"field": self.what, "old": self.old, "new": self.new}


@dataclass
class Section:
    name: str
    changes: list[Change] = field(default_factory=list)

    def add(self, what: str, old: Any, new: Any) -> None:
        if old != new:
            self.changes.append(Change(what, old, new))


def value_text(v: Any) -> str:
    """A value the way a spec writes it."""
    if v is None:
        return ABSENT
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return fmt_num(v)
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, (list, tuple)):
        if v and all(isinstance(x, int) for x in v):
            return "x".join(map(str, v))
        return ", ".join(value_text(x) for x in v) if v else ABSENT
    return str(v)


def _texts(a: Analysis, kinds: tuple[str, ...]) -> str | None:
    items = [layer_text(i.layer) for i in a.layers if i.kind in kinds]
    return "; ".join(items) if items else None


def _base(a: Analysis):
    info = a.base
    return info.layer if info is not None else None


def _optimizer(opt: ir.Optimizer | None) -> tuple[str | None, float | None]:
    """(name, learning rate); an unwritten rate is Keras's default for that optimizer."""
    if opt is None:
        return None, None
    lr = opt.learning_rate if opt.learning_rate is not None else OPTIMIZERS.get(opt.name)
    return opt.name, lr


def settings_sections(a: Analysis, b: Analysis, unknown: set[str]) -> list[Section]:
    sa, sb = a.spec, b.spec
    model = Section("model")
    model.add("name", sa.name, sb.name)
    model.add("input", sa.input_shape, sb.input_shape)
    if "classes" not in unknown:
        model.add("classes", " ".join(sa.classes) or None, " ".join(sb.classes) or None)
    model.add("output", a.output_shape, b.output_shape)

    aug = Section("augmentation")
    if "training_layers" not in unknown:
        aug.add("augment", _texts(a, ir.AUGMENT_KINDS), _texts(b, ir.AUGMENT_KINDS))

    pre = Section("preprocessing")
    pre.add(
        "preprocessing", _texts(a, ("rescale", "preprocess")), _texts(b, ("rescale", "preprocess"))
    )

    base = Section("base")
    ba, bb = _base(a), _base(b)
    base.add("arch", ba.arch if ba else None, bb.arch if bb else None)
    if "base_weights" not in unknown and (ba or bb):
        base.add("weights", ba.weights if ba else None, bb.weights if bb else None)

    freezing = Section("freezing")
    if "freezing" not in unknown and "freeze_ops" not in unknown:
        freezing.add(
            "freeze",
            "; ".join(op.text() for op in sa.freeze) or None,
            "; ".join(op.text() for op in sb.freeze) or None,
        )
    if "freezing" not in unknown and (sa.freeze or sb.freeze):
        freezing.add("trainable params", a.trainable_params, b.trainable_params)

    sections = [model, aug, pre, base, freezing]
    sections.append(_training(sa, sb, unknown))
    if "training_loop" not in unknown:
        sections.append(_stages(a.stages, b.stages, "freezing" in unknown))
    return sections


def _final_optimizer(spec: ir.ModelSpec) -> ir.Optimizer:
    """The optimizer the last stage trains with: what a model saved after training holds."""
    for stage in reversed(spec.training.stages):
        if stage.optimizer is not None:
            return stage.optimizer
    return spec.training.optimizer


def _training(sa: ir.ModelSpec, sb: ir.ModelSpec, unknown: set[str]) -> Section:
    s = Section("training")
    ta, tb = sa.training, sb.training
    if "compile" not in unknown:
        s.add("loss", ta.loss, tb.loss)
        if "training_loop" in unknown:  # a saved model: compare with the last stage's optimizer
            oa, ob = _optimizer(_final_optimizer(sa)), _optimizer(_final_optimizer(sb))
        else:
            oa, ob = _optimizer(ta.optimizer), _optimizer(tb.optimizer)
        s.add("optimizer", oa[0], ob[0])
        s.add("learning rate", oa[1], ob[1])
        s.add("metrics", list(ta.metrics) or None, list(tb.metrics) or None)
    if "training_loop" in unknown:
        return s
    s.add("epochs", ta.epochs, tb.epochs)
    s.add("batch", ta.batch_size, tb.batch_size)
    s.add("checkpoint", _checkpoint(ta.checkpoint), _checkpoint(tb.checkpoint))
    s.add("strategy", ta.strategy, tb.strategy)
    s.add("precision", ta.precision, tb.precision)
    return s


def _checkpoint(c: ir.Checkpoint | None) -> str | None:
    if c is None:
        return None
    return f"best {c.monitor}" if c.monitor else "none"


def _stage_values(st: StageInfo | None, skip_trainable: bool) -> dict[str, Any]:
    if st is None:
        return {}
    name, lr = _optimizer(st.stage.optimizer)
    out = {
        "freeze": "; ".join(op.text() for op in st.stage.freeze) or None,
        "optimizer": name,
        "learning rate": lr,
        "epochs": st.stage.epochs,
    }
    if not skip_trainable:
        out["trainable params"] = st.trainable_params
    return out


def _stages(a: list[StageInfo], b: list[StageInfo], skip_trainable: bool) -> Section:
    s = Section("stages")
    names_a = [st.stage.name for st in a]
    names_b = [st.stage.name for st in b]
    s.add("stages", names_a or None, names_b or None)
    by_a = {st.stage.name: st for st in a}
    by_b = {st.stage.name: st for st in b}
    for name in list(dict.fromkeys(names_a + names_b)):
        va = _stage_values(by_a.get(name), skip_trainable)
        vb = _stage_values(by_b.get(name), skip_trainable)
        for key in dict.fromkeys(list(va) + list(vb)):
            s.add(f"{name}: {key}", va.get(key), vb.get(key))
    return s
