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
from specdsl.syntax.blocks import Taken
from specdsl.syntax.lower_blocks import BlockLowering
from specdsl.syntax.lower_layers import LayerLowering
from specdsl.syntax.lower_training import TrainingLowering
from specdsl.syntax.moved import Repeat
from specdsl.syntax.tokens import (
    FINITE,
    MAX_COUNT,
    NAME_RULE,
    default_model_name,
    ints_of,
    name_problem,
    span_of,
    stmt_word,
    to_float,
    to_int,
    unquote,
)

STAGE_STATEMENTS = ("freeze_stmt", "unfreeze_stmt", "optimizer", "epochs")

BaseLoader = Callable[[str], "ir.ModelSpec | None"]


class Lowerer(LayerLowering, TrainingLowering, BlockLowering):
    """Walks the statements in order and builds a :class:`ir.ModelSpec`."""

    def __init__(
        self,
        diags: Diagnostics,
        default_name: str,
        load_base: BaseLoader,
        taken: Taken | None = None,
    ):
        self.d = diags
        self.default_name = default_model_name(default_name)
        self.load_base = load_base
        self.name: str | None = None
        self.input_shape: tuple[int, int, int] | None = None
        self.classes: tuple[str, ...] = ()
        # (name, fields, IR class, span): unnamed layers get Keras's automatic name at once,
        # so that a block called next knows the name of the tensor it reads ({in})
        self.layers: list[tuple[str, dict, type, ir.Span | None]] = []
        self.auto = ir.AutoNames()
        self.freeze: list[ir.FreezeOp] = []
        self.training: dict = {}
        self.field_spans: dict = {}
        self.training_span: ir.Span | None = None
        self.stages: list[dict] = []
        self.seen: dict[str, ir.Span | None] = {}
        self.refs: dict[int, list[Token]] = {}  # layer index -> its input references
        # id of a statement's tree -> (fields, IR class) of the layer it made, for _replay
        self.replays: dict[int, tuple[dict, type]] = {}
        self._init_blocks(taken or Taken())

    # ---- driver ------------------------------------------------------------------
    def lower(self, tree: Tree) -> ir.ModelSpec:
        loops = self.taken.loops
        k = 0
        for stmt in tree.children:
            if not isinstance(stmt, Tree):
                continue
            while k < len(loops) and loops[k].start < stmt.meta.start_pos:
                self._statement_loop(loops[k])
                k += 1
            if self.stages and stmt.data not in STAGE_STATEMENTS and stmt.data != "stage_stmt":
                self.d.error(
                    f"{stmt_word(stmt)} cannot appear inside stage '{self.stages[-1]['name']}'",
                    span_of(stmt),
                    expected="freeze, unfreeze, optimizer or epochs (or a new 'stage NAME:')",
                    hint="put layers and the other training settings before the first stage",
                )
                continue
            if isinstance(stmt, Repeat):
                if self._replay(stmt):
                    continue
                stmt = stmt.moved()
            self._lower_statement(stmt)
        for loop in loops[k:]:
            self._statement_loop(loop)
        return self.build()

    def _lower_statement(self, stmt: Tree) -> None:
        """One statement; an unnamed layer that reads the previous one and was lowered without
        a word to say is remembered, so that its repeats are replayed (:meth:`_replay`)."""
        said, count = len(self.d), len(self.layers)
        getattr(self, "s_" + stmt.data)(stmt)
        if (
            stmt.data == "layer_stmt"
            and len(self.d) == said
            and len(self.layers) == count + 1
            and isinstance(stmt.children[0], Tree)  # no 'NAME:' before the layer
            and len(stmt.children) == 1  # no 'from NAME'
        ):
            _, fields, cls, _ = self.layers[-1]
            self.replays[id(stmt)] = (fields, cls)

    def _replay(self, stmt: Repeat) -> bool:
        """A repeated statement as its first place was lowered, under its own span and
        automatic name: no copy of its tree, no second lowering. False: not replayable."""
        made = self.replays.get(id(stmt.first))
        if made is None:
            return False
        fields, cls = made
        self._add_layer(None, dict(fields), cls, span_of(stmt))
        return True

    def _statement_loop(self, piece) -> None:
        if self.stages:
            self.d.error(
                f"a loop cannot appear inside stage '{self.stages[-1]['name']}'", piece.span
            )
            return
        self.s_loop(piece)

    def build(self) -> ir.ModelSpec:
        layers = self._name_layers()
        training = ir.Training(
            span=self.training_span,
            stages=tuple(ir.Stage(**s) for s in self.stages),
            field_spans={k: v for k, v in self.field_spans.items() if v is not None},
            **self.training,
        )
        spec = ir.ModelSpec(
            name=self.name or self.default_name,
            input_shape=self.input_shape,
            classes=self.classes,
            layers=tuple(layers),
            freeze=tuple(self.freeze),
            training=training,
            blocks=tuple(self.block_records),
            calls=tuple(self.call_records),
        )
        return spec

    def _add_layer(self, explicit: str | None, fields: dict, cls: type, span) -> None:
        if explicit is None:
            kind = cls.model_fields["kind"].default
            explicit = self.auto.take(self.auto.prefix(kind, fields.get("arch")))
        self.layers.append((explicit, fields, cls, span))

    def _name_layers(self) -> list:
        out = []
        names: dict[str, ir.Span | None] = {}
        for name, fields, cls, span in self.layers:
            if name in names:
                self.d.error(
                    f"duplicate layer name '{name}'",
                    span,
                    hint="give the layer its own name with 'NAME: ...'",
                )
            names[name] = span
            out.append(cls(name=name, span=span, **fields))
        self._check_refs(out)
        return out

    def _check_refs(self, layers: list) -> None:
        """Every name a layer reads is the model's input or a layer above it (so no cycle)."""
        where = {layer.name: i for i, layer in enumerate(layers)}
        for i, refs in self.refs.items():
            for tok in refs:
                name = str(tok)
                j = where.get(name)
                if name == ir.INPUT or (j is not None and j < i):
                    continue
                if j is not None:
                    line = layers[j].span.line if layers[j].span else "?"
                    self.d.error(
                        f"'{name}' is defined later (line {line}): a layer reads only the model's "
                        "input and the layers above it, so a graph has no cycle",
                        span_of(tok),
                        hint="move the layer it names above this one",
                    )
                else:
                    known = [ir.INPUT, *(layer.name for layer in layers[:i])]
                    self.d.error(
                        f"unknown layer '{name}'",
                        span_of(tok),
                        hint=did_you_mean(name, known),
                        expected="'input' or the name of a layer above",
                    )

    # ---- header ------------------------------------------------------------------
    def s_model_stmt(self, t: Tree) -> None:
        tok = t.children[0]
        if self.name is not None:
            self.d.error("the model is named twice", span_of(t))
        self.name = str(tok)
        self._name_rule(tok, "model name")

    def s_input_stmt(self, t: Tree) -> None:
        tok = t.children[0]
        dims = tuple(ints_of(tok, self.d, "input size"))
        if self.input_shape is not None:
            self.d.error("'input' is given twice", span_of(t))
        if len(dims) != 3:
            self.d.error(
                f"input shape '{tok}' needs height x width x channels",
                span_of(tok),
                hint=f"write 'input {dims[0]}x{dims[-1]}x1' for grayscale or '...x3' for RGB",
            )
            return
        self.input_shape = dims  # type: ignore[assignment]

    def s_classes_stmt(self, t: Tree) -> None:
        labels = tuple(unquote(c, self.d) for c in t.children)
        for c in t.children:
            if str(c) == '""':
                self.d.error("a class label cannot be empty", span_of(c))
        if len(set(labels)) != len(labels):
            self.d.error("class labels repeat", span_of(t))
        self.classes = labels

    # ---- layers ------------------------------------------------------------------
    def s_layer_stmt(self, t: Tree) -> None:
        explicit = None
        kids = t.children
        if isinstance(kids[0], Token):
            explicit = str(kids[0])
            self._name_rule(kids[0], "layer name")
            kids = kids[1:]
        layer = kids[0]
        refs = [r for k in kids[1:] if isinstance(k, Tree) for r in k.children]  # from NAME
        result = getattr(self, "l_" + layer.data)(layer)
        if layer.data == "merge":
            refs = list(layer.children[1:])
        if result is not None:
            cls, fields = result
            if refs:
                fields["inputs"] = tuple(str(r) for r in refs)
                self.refs[len(self.layers)] = refs
            self._add_layer(explicit, fields, cls, span_of(t))

    def l_merge(self, t: Tree):
        word = str(t.children[0])
        return ir.kinds.BY_KEYWORD[word].ir_class, {}

    def _options(
        self, opts: list[Tree], allowed: dict[str, str], what: str, bounds: dict | None = None
    ) -> dict:
        """key=value options; ``allowed`` maps each key to a type: float, int, count, str;
        ``bounds`` a float option to its :class:`~specdsl.syntax.tokens.Bound`."""
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
                bound = (bounds or {}).get(k, FINITE)
                out[k] = to_float(val, self.d, f"{what} {k}", bound)
            elif kind == "count":  # zero or more
                if val.type != "INT":
                    self.d.error(f"option '{k}' needs a whole number", span_of(val))
                    continue
                out[k] = to_int(val, self.d, f"option '{k}'", lo=0, hi=MAX_COUNT)
            elif kind == "int":  # a count: a positive integer
                if val.type != "INT":
                    self.d.error(f"option '{k}' needs a whole number of at least 1", span_of(val))
                    continue
                low = f"option '{k}' needs a whole number of at least 1"
                out[k] = to_int(val, self.d, f"option '{k}'", low=low)
            else:
                out[k] = unquote(val, self.d)
        return out

    def _name_rule(self, tok: Token, what: str, value: str | None = None) -> None:
        """A model or layer name (token) against the rule for names, located at the name."""
        problem = name_problem(str(tok) if value is None else value, what)
        if problem:
            self.d.error(problem, span_of(tok), expected=NAME_RULE)

    def _once(self, seen: set, key: str, node, what: str) -> bool:
        if key in seen:
            self.d.error(f"{what} is given twice", span_of(node))
            return False
        seen.add(key)
        return True
