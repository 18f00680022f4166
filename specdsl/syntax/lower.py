"""Lower a Lark parse tree to the IR, collecting every semantic diagnostic on the way.

The :class:`Lowerer` walks the statements in order. Header statements and naming live here;
layers are in :mod:`specdsl.syntax.lower_layers`, the base, freezing and training statements
in :mod:`specdsl.syntax.lower_training`.
"""

from __future__ import annotations

from collections.abc import Callable

from lark import Token, Tree

from specdsl import ir
from specdsl.diagnostics import Diagnostics, did_you_mean
from specdsl.syntax.lower_layers import LayerLowering
from specdsl.syntax.lower_training import TrainingLowering
from specdsl.syntax.tokens import IDENT, span_of, stmt_word, unquote

STAGE_STATEMENTS = ("freeze_stmt", "unfreeze_stmt", "optimizer", "epochs")

BaseLoader = Callable[[str], "ir.ModelSpec | None"]


class Lowerer(LayerLowering, TrainingLowering):
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
                    f"{stmt_word(stmt)} cannot appear inside stage '{self.stages[-1]['name']}'",
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
        auto = ir.AutoNames()
        out = []
        names: dict[str, ir.Span | None] = {}
        for explicit, fields, cls, span in self.layers:
            kind = cls.model_fields["kind"].default
            if explicit is None:
                name = auto.take(auto.prefix(kind, fields.get("arch")))
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
        if not IDENT.match(str(tok)):
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
        labels = tuple(unquote(c) for c in t.children)
        if len(set(labels)) != len(labels):
            self.d.error("class labels repeat", span_of(t))
        self.classes = labels

    # ---- layers ------------------------------------------------------------------
    def s_layer_stmt(self, t: Tree) -> None:
        explicit = None
        kids = t.children
        if isinstance(kids[0], Token):
            explicit = str(kids[0])
            if not IDENT.match(explicit):
                self.d.error(f"layer name '{explicit}' is not an identifier", span_of(kids[0]))
            kids = kids[1:]
        layer = kids[0]
        result = getattr(self, "l_" + layer.data)(layer)
        if result is not None:
            cls, fields = result
            self.layers.append((explicit, fields, cls, span_of(t)))

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
            elif kind == "count":  # zero or more
                if val.type != "INT":
                    self.d.error(f"option '{k}' needs a whole number", span_of(val))
                    continue
                out[k] = int(str(val))
            elif kind == "int":  # a count: a positive integer
                if val.type != "INT" or int(str(val)) < 1:
                    self.d.error(f"option '{k}' needs a whole number of at least 1", span_of(val))
                    continue
                out[k] = int(str(val))
            else:
                out[k] = unquote(val)
        return out

    def _once(self, seen: set, key: str, node, what: str) -> bool:
        if key in seen:
            self.d.error(f"{what} is given twice", span_of(node))
            return False
        seen.add(key)
        return True
