"""Lower a Lark parse tree to the IR, collecting every semantic diagnostic on the way."""

from __future__ import annotations

import re
from collections.abc import Callable

from lark import Token, Tree

from specdsl import ir
from specdsl.check.diagnostics import Diagnostics, did_you_mean
from specdsl.ir.vocab import (
    ACTIVATIONS,
    CHECKPOINT_MONITORS,
    LOSSES,
    METRICS,
    OPTIMIZERS,
    PREPROCESS_MODES,
    STRATEGIES,
)

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
STAGE_STATEMENTS = ("freeze_stmt", "unfreeze_stmt", "optimizer", "epochs")


def span_of(node: Tree | Token) -> ir.Span | None:
    if isinstance(node, Token):
        if node.line is None:
            return None
        return ir.Span(
            line=node.line,
            column=node.column,
            end_line=node.end_line or node.line,
            end_column=node.end_column or node.column + len(node),
        )
    meta = node.meta
    if getattr(meta, "empty", True):
        return None
    return ir.Span(
        line=meta.line, column=meta.column, end_line=meta.end_line, end_column=meta.end_column
    )


def _num(tok: Token) -> float:
    return float(str(tok))


def _pair(text: str) -> tuple[int, int]:
    parts = [int(p) for p in text.split("x")]
    return (parts[0], parts[-1]) if len(parts) <= 2 else (parts[0], parts[1])


def _unquote(tok: Token) -> str:
    s = str(tok)
    if tok.type == "STRING":
        return bytes(s[1:-1], "utf-8").decode("unicode_escape")
    return s


BaseLoader = Callable[[str], "ir.ModelSpec | None"]


class Lowerer:
    """Walks the statements in order and builds a :class:`ir.ModelSpec`."""

    def __init__(self, diags: Diagnostics, default_name: str, load_base: BaseLoader):
        self.d = diags
        self.default_name = default_name
        self.load_base = load_base
        self.name: str | None = None
        self.input_shape: tuple[int, int, int] | None = None
        self.classes: tuple[str, ...] = ()
        self.layers: list[tuple[str | None, dict, type, ir.Span | None]] = []
        self.freeze: list[ir.FreezeOp] = []
        self.training: dict = {}
        self.field_spans: dict = {}
        self.training_span: ir.Span | None = None
        self.stages: list[dict] = []
        self.seen: dict[str, ir.Span | None] = {}

    # ---- driver ------------------------------------------------------------------
    def lower(self, tree: Tree) -> ir.ModelSpec:
        for stmt in tree.children:
            if not isinstance(stmt, Tree):
                continue
            if self.stages and stmt.data not in STAGE_STATEMENTS and stmt.data != "stage_stmt":
                self.d.error(
                    f"{_stmt_word(stmt)} cannot appear inside stage '{self.stages[-1]['name']}'",
                    span_of(stmt),
                    expected="freeze, unfreeze, optimizer or epochs (or a new 'stage NAME:')",
                    hint="put layers and the other training settings before the first stage",
                )
                continue
            getattr(self, "s_" + stmt.data)(stmt)
        return self.build()

    def build(self) -> ir.ModelSpec:
        layers = self._name_layers()
        training = ir.Training(
            span=self.training_span,
            stages=tuple(ir.Stage(**s) for s in self.stages),
            field_spans={k: v for k, v in self.field_spans.items() if v is not None},
            **self.training,
        )
        return ir.ModelSpec(
            name=self.name or self.default_name,
            input_shape=self.input_shape,
            classes=self.classes,
            layers=tuple(layers),
            freeze=tuple(self.freeze),
            training=training,
        )

    def _name_layers(self) -> list:
        counters: dict[str, int] = {}
        out = []
        names: dict[str, ir.Span | None] = {}
        for explicit, fields, cls, span in self.layers:
            kind = cls.model_fields["kind"].default
            if explicit is None:
                prefix = fields.get("arch") if kind == "base" else ir.KERAS_AUTONAME[kind]
                n = counters.get(prefix, 0)
                counters[prefix] = n + 1
                name = prefix if n == 0 else f"{prefix}_{n}"
            else:
                name = explicit
            if name in names:
                self.d.error(
                    f"duplicate layer name '{name}'",
                    span,
                    hint="give the layer its own name with 'NAME: ...'",
                )
            names[name] = span
            out.append(cls(name=name, span=span, **fields))
        return out

    # ---- header ------------------------------------------------------------------
    def s_model_stmt(self, t: Tree) -> None:
        tok = t.children[0]
        if self.name is not None:
            self.d.error("the model is named twice", span_of(t))
        if not _IDENT.match(str(tok)):
            self.d.error(
                f"model name '{tok}' is not an identifier",
                span_of(tok),
                expected="letters, digits and '_', not starting with a digit",
            )
        self.name = str(tok)

    def s_input_stmt(self, t: Tree) -> None:
        tok = t.children[0]
        dims = tuple(int(p) for p in str(tok).split("x"))
        if self.input_shape is not None:
            self.d.error("'input' is given twice", span_of(t))
        if len(dims) != 3:
            self.d.error(
                f"input shape '{tok}' needs height x width x channels",
                span_of(tok),
                hint=f"write 'input {dims[0]}x{dims[-1]}x1' for grayscale or '...x3' for RGB",
            )
            return
        if any(v <= 0 for v in dims):
            self.d.error(f"input shape '{tok}' has a zero dimension", span_of(tok))
            return
        self.input_shape = dims  # type: ignore[assignment]

    def s_classes_stmt(self, t: Tree) -> None:
        labels = tuple(_unquote(c) for c in t.children)
        if len(set(labels)) != len(labels):
            self.d.error("class labels repeat", span_of(t))
        self.classes = labels

    # ---- layers ------------------------------------------------------------------
    def s_layer_stmt(self, t: Tree) -> None:
        explicit = None
        kids = t.children
        if isinstance(kids[0], Token):
            explicit = str(kids[0])
            if not _IDENT.match(explicit):
                self.d.error(f"layer name '{explicit}' is not an identifier", span_of(kids[0]))
            kids = kids[1:]
        layer = kids[0]
        result = getattr(self, "l_" + layer.data)(layer)
        if result is not None:
            cls, fields = result
            self.layers.append((explicit, fields, cls, span_of(t)))

    def _activation(self, tok: Token) -> str:
        name = str(tok)
        if name not in ACTIVATIONS:
            self.d.error(
                f"unknown activation '{name}'",
                span_of(tok),
                hint=did_you_mean(name, ACTIVATIONS + ("same", "valid", "nobias")),
                expected="a Keras activation: " + ", ".join(ACTIVATIONS[:6]) + ", ...",
            )
        return name

    def _options(self, opts: list[Tree], allowed: dict[str, str], what: str) -> dict:
        """key=value options; ``allowed`` maps each key to a type: float, int, str."""
        out = {}
        for o in opts:
            key, val = o.children
            k = str(key)
            if k not in allowed:
                self.d.error(
                    f"{what} has no option '{k}'",
                    span_of(key),
                    hint=did_you_mean(k, allowed),
                    expected=", ".join(allowed) if allowed else "no options",
                )
                continue
            kind = allowed[k]
            if kind == "float":
                if val.type not in ("FLOAT", "INT", "NEG_NUMBER"):
                    self.d.error(f"option '{k}' needs a number", span_of(val))
                    continue
                out[k] = float(str(val))
            else:
                out[k] = _unquote(val)
        return out

    def _once(self, seen: set, key: str, node, what: str) -> bool:
        if key in seen:
            self.d.error(f"{what} is given twice", span_of(node))
            return False
        seen.add(key)
        return True

    def l_conv(self, t: Tree):
        filters = int(t.children[0])
        fields: dict = {"filters": filters}
        seen: set = set()
        if filters <= 0:
            self.d.error("conv needs at least 1 filter", span_of(t.children[0]))
        for opt in t.children[1:]:
            self._conv_opt(opt, fields, seen)
        if "kernel" not in fields:
            self.d.error("conv needs a kernel size", span_of(t), hint=f"write 'conv {filters} k3'")
            fields["kernel"] = (3, 3)
        return ir.Conv2D, fields

    def _conv_opt(self, opt: Tree, fields: dict, seen: set) -> None:
        kind = opt.data
        if kind == "kernel":
            if self._once(seen, "kernel", opt, "the kernel size"):
                fields["kernel"] = _pair(str(opt.children[0])[1:])
                if min(fields["kernel"]) <= 0:
                    self.d.error("kernel size must be at least 1", span_of(opt))
        elif kind == "stride":
            if self._once(seen, "stride", opt, "the stride"):
                fields["strides"] = _pair(str(opt.children[0])[1:])
                if min(fields["strides"]) <= 0:
                    self.d.error("stride must be at least 1", span_of(opt))
        elif kind == "padding":
            if self._once(seen, "padding", opt, "the padding"):
                fields["padding"] = str(opt.children[0])
        elif kind == "nobias":
            fields["use_bias"] = False
        elif kind == "act":
            if self._once(seen, "act", opt, "the activation"):
                fields["activation"] = self._activation(opt.children[0])
        elif kind == "option":
            self._options([opt], {}, "this layer")

    def _pool(self, t: Tree):
        size = int(t.children[0])
        fields: dict = {"pool": (size, size)}
        if size <= 0:
            self.d.error("pool size must be at least 1", span_of(t.children[0]))
        seen: set = set()
        for opt in t.children[1:]:
            self._conv_opt(opt, fields, seen)
        return fields

    def l_pool(self, t: Tree):
        return ir.MaxPool2D, self._pool(t)

    def l_avgpool(self, t: Tree):
        return ir.AvgPool2D, self._pool(t)

    def l_globalpool(self, t: Tree):
        word = str(t.children[0])
        cls = ir.GlobalMaxPool2D if word in ("globalmaxpool", "gmp") else ir.GlobalAvgPool2D
        return cls, {}

    def l_flatten(self, t: Tree):
        return ir.Flatten, {}

    def l_dense(self, t: Tree):
        units = int(t.children[0])
        fields: dict = {"units": units}
        if units <= 0:
            self.d.error(
                f"dense needs at least 1 unit, got {units}",
                span_of(t.children[0]),
                hint="'dense 1 sigmoid' for a binary output",
            )
        seen: set = set()
        for opt in t.children[1:]:
            self._conv_opt(opt, fields, seen)
        return ir.Dense, fields

    def l_dropout(self, t: Tree):
        tok = t.children[0]
        rate = _num(tok)
        if not 0.0 <= rate < 1.0:
            self.d.error(
                f"dropout rate {tok} is outside [0, 1)",
                span_of(tok),
                hint="the fraction of inputs to drop, e.g. 'dropout 0.5'",
            )
        return ir.Dropout, {"rate": rate}

    def l_batchnorm(self, t: Tree):
        opts = self._options(t.children, {"momentum": "float", "epsilon": "float"}, "batchnorm")
        return ir.BatchNorm, opts

    def l_activation(self, t: Tree):
        return ir.Activation, {"activation": self._activation(t.children[0])}

    def l_rescale(self, t: Tree):
        nums = [c for c in t.children if isinstance(c, Token)]
        opts = self._options(
            [c for c in t.children if isinstance(c, Tree)], {"offset": "float"}, "rescale"
        )
        scale = _num(nums[0])
        text = str(nums[0])
        if len(nums) == 2:
            den = _num(nums[1])
            if den == 0:
                self.d.error("rescale divides by zero", span_of(nums[1]))
                den = 1.0
            scale = scale / den
            text = f"{nums[0]}/{nums[1]}"
        return ir.Rescale, {"scale": scale, "text": text, **opts}

    def l_preprocess(self, t: Tree):
        tok = t.children[0]
        mode = str(tok)
        if mode not in PREPROCESS_MODES:
            self.d.error(
                f"unknown preprocessing '{mode}'",
                span_of(tok),
                hint=did_you_mean(mode, PREPROCESS_MODES),
                expected=", ".join(PREPROCESS_MODES) + " (caffe is VGG16's)",
            )
            mode = "caffe"
        return ir.Preprocess, {"mode": mode}

    # ---- augmentation ------------------------------------------------------------
    def s_augment_stmt(self, t: Tree) -> None:
        for op in t.children:
            if op.data == "flip":
                mode = str(op.children[0].children[0]) if op.children else "horizontal_and_vertical"
                self.layers.append((None, {"mode": mode}, ir.RandomFlip, span_of(op)))
            else:
                word = str(op.children[0].children[0])
                tok = op.children[1]
                factor = _num(tok)
                if factor <= 0 or (word == "rotate" and factor > 1):
                    self.d.error(
                        f"{word} factor {tok} is out of range",
                        span_of(tok),
                        expected="a positive fraction (rotate 0.1 = up to 10% of a full turn)",
                    )
                cls = {
                    "rotate": ir.RandomRotation,
                    "zoom": ir.RandomZoom,
                    "contrast": ir.RandomContrast,
                    "translate": ir.RandomTranslation,
                }[word]
                self.layers.append((None, {"factor": factor}, cls, span_of(op)))

    # ---- base and freezing -------------------------------------------------------
    def s_base_stmt(self, t: Tree) -> None:
        arch_tok = t.children[0]
        arch = str(arch_tok)
        opts = self._options(t.children[1:], {"weights": "str", "name": "str"}, "base")
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
        inner = (ir.InputLayer(name="input_layer", shape=zoo.input_shape or ()),) + tuple(
            zoo.layers
        )
        fields = {"arch": arch, "weights": weights, "layers": inner}
        self.layers.append((opts.get("name"), fields, ir.Base, span_of(t)))

    def _target(self, t: Tree, action: str) -> ir.FreezeOp:
        target = t.children[0]
        name_tok = target.children[0]
        sl = None
        if len(target.children) > 1:
            s = target.children[1]
            if s.data == "index":
                sl = ir.Slice(index=int(s.children[0]), span=span_of(s))
            else:
                parts = {c.data: int(c.children[0]) for c in s.children}
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
            self.d.error(f"{_stmt_word(t)} is given twice", span_of(t))
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
        opts = self._options(t.children[1:], {"lr": "float", "learning_rate": "float"}, "optimizer")
        lr = opts.get("lr", opts.get("learning_rate"))
        if lr is not None and lr <= 0:
            self.d.error("the learning rate must be positive", span_of(t))
        opt = ir.Optimizer(name=name, learning_rate=lr, span=span_of(t))
        if self.stages:
            self.stages[-1]["optimizer"] = opt
        else:
            self._set_training("optimizer", opt, t)

    def s_metrics(self, t: Tree) -> None:
        names = tuple(self._word(c, METRICS, "metric") for c in t.children)
        self._set_training("metrics", names, t)

    def _positive(self, t: Tree, what: str) -> int:
        value = int(t.children[0])
        if value <= 0:
            self.d.error(f"{what} must be at least 1", span_of(t.children[0]))
        return value

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

    def s_stage_stmt(self, t: Tree) -> None:
        name = str(t.children[0])
        if any(s["name"] == name for s in self.stages):
            self.d.error(f"stage '{name}' is defined twice", span_of(t))
        self.stages.append({"name": name, "freeze": (), "span": span_of(t)})


def _stmt_word(t: Tree) -> str:
    words = {"layer_stmt": "a layer", "augment_stmt": "'augment'"}
    return words.get(t.data, "'" + t.data.removesuffix("_stmt") + "'")
