"""Lowering of the base, freezing and training statements (and stages)."""

from __future__ import annotations

from lark import Token, Tree

from specdsl import ir
from specdsl.diagnostics import did_you_mean
from specdsl.ir.graph import as_keras_list
from specdsl.ir.vocab import (
    CHECKPOINT_MONITORS,
    LOSSES,
    METRICS,
    OPTIMIZERS,
    PRECISIONS,
    STRATEGIES,
)
from specdsl.syntax.tokens import MAX_COUNT, POSITIVE, span_of, stmt_word, to_int


class TrainingLowering:
    """Mixin of :class:`specdsl.syntax.lower.Lowerer`: base, freeze, training, stages."""

    def s_base_stmt(self, t: Tree) -> None:
        arch_tok = t.children[0]
        arch = str(arch_tok)
        opts = self._options(t.children[1:], {"weights": "str", "name": "str"}, "base")
        for o in t.children[1:]:
            if str(o.children[0]) == "name" and "name" in opts:
                self._name_rule(o.children[1], "layer name", opts["name"])
        zoo = self.load_base(arch)
        if zoo is None:
            from specdsl.zoo import zoo_names

            self.d.error(
                f"unknown base '{arch}'",
                span_of(arch_tok),
                hint=did_you_mean(arch, zoo_names()),
                expected="a model of the zoo: " + ", ".join(zoo_names()),
            )
            return
        weights = opts.get("weights")
        if weights == "none":
            weights = None
        inner = (ir.InputLayer(name="input_layer", shape=zoo.input_shape or ()),) + as_keras_list(
            zoo.layers
        )
        fields = {"arch": arch, "weights": weights, "layers": inner}
        self._add_layer(opts.get("name"), fields, ir.Base, span_of(t))

    def _target(self, t: Tree, action: str) -> ir.FreezeOp:
        target = t.children[0]
        name_tok = target.children[0]
        sl = None
        if len(target.children) > 1:
            s = target.children[1]

            def index(tok):
                return to_int(tok, self.d, "slice index", lo=-MAX_COUNT, hi=MAX_COUNT)

            if s.data == "index":
                sl = ir.Slice(index=index(s.children[0]), span=span_of(s))
            else:
                parts = {c.data: index(c.children[0]) for c in s.children}
                sl = ir.Slice(
                    start=parts.get("slice_start"), stop=parts.get("slice_stop"), span=span_of(s)
                )
        return ir.FreezeOp(action=action, target=str(name_tok), slice=sl, span=span_of(t))

    def s_freeze_stmt(self, t: Tree) -> None:
        self._add_freeze(self._target(t, "freeze"))

    def s_unfreeze_stmt(self, t: Tree) -> None:
        self._add_freeze(self._target(t, "unfreeze"))

    def _add_freeze(self, op: ir.FreezeOp) -> None:
        if self.stages:
            self.stages[-1]["freeze"] = self.stages[-1]["freeze"] + (op,)
        else:
            self.freeze.append(op)

    # ---- training ----------------------------------------------------------------
    def _set_training(self, key: str, value, t: Tree) -> None:
        if key in self.training:
            self.d.error(f"{stmt_word(t)} is given twice", span_of(t))
        self.training[key] = value
        self.field_spans[key] = span_of(t)
        if self.training_span is None:
            self.training_span = span_of(t)

    def _word(self, tok: Token, choices, what: str) -> str:
        word = str(tok)
        if word not in choices:
            self.d.error(
                f"unknown {what} '{word}'",
                span_of(tok),
                hint=did_you_mean(word, choices),
                expected=", ".join(choices),
            )
        return word

    def s_loss(self, t: Tree) -> None:
        self._set_training("loss", self._word(t.children[0], LOSSES, "loss"), t)

    def s_optimizer(self, t: Tree) -> None:
        name = self._word(t.children[0], list(OPTIMIZERS), "optimizer")
        allowed = {"lr": "float", "learning_rate": "float"}
        bounds = {"lr": POSITIVE, "learning_rate": POSITIVE}
        opts = self._options(t.children[1:], allowed, "optimizer", bounds)
        lr = opts.get("lr", opts.get("learning_rate"))
        opt = ir.Optimizer(name=name, learning_rate=lr, span=span_of(t))
        if self.stages:
            self.stages[-1]["optimizer"] = opt
        else:
            self._set_training("optimizer", opt, t)

    def s_metrics(self, t: Tree) -> None:
        names = tuple(self._word(c, METRICS, "metric") for c in t.children)
        self._set_training("metrics", names, t)

    def _positive(self, t: Tree, what: str) -> int:
        return to_int(t.children[0], self.d, what, low=f"{what} must be at least 1")

    def s_epochs(self, t: Tree) -> None:
        value = self._positive(t, "epochs")
        if self.stages:
            self.stages[-1]["epochs"] = value
        else:
            self._set_training("epochs", value, t)

    def s_batch(self, t: Tree) -> None:
        self._set_training("batch_size", self._positive(t, "batch size"), t)

    def s_checkpoint(self, t: Tree) -> None:
        monitor = None
        if t.children:
            monitor = self._word(t.children[0], CHECKPOINT_MONITORS, "checkpoint monitor")
        self._set_training("checkpoint", ir.Checkpoint(monitor=monitor, span=span_of(t)), t)

    def s_strategy(self, t: Tree) -> None:
        word = self._word(t.children[0], STRATEGIES, "strategy")
        self._set_training("strategy", word if word in STRATEGIES else "fit", t)

    def s_precision(self, t: Tree) -> None:
        word = self._word(t.children[0], PRECISIONS, "precision")
        self._set_training("precision", word if word in PRECISIONS else "float32", t)

    def s_stage_stmt(self, t: Tree) -> None:
        name = str(t.children[0])
        if any(s["name"] == name for s in self.stages):
            self.d.error(f"stage '{name}' is defined twice", span_of(t))
        self.stages.append({"name": name, "freeze": (), "span": span_of(t)})
