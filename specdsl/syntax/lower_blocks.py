"""Lowering of blocks: definitions, calls and ``for`` lines (see :mod:`specdsl.syntax.blocks`).

A call fills the block's placeholders with its arguments (and ``{in}`` with the name of the
tensor it is called on: the layer above, or ``input``), parses each filled-in statement with
the language's grammar, and lowers it as if it were written where the call is: the layers it
gives carry the call's span, so every error in them points at the call, with the block's line.
"""

from __future__ import annotations

import dataclasses
import re

from lark import Token, Tree
from lark.exceptions import UnexpectedInput
from lark.tree import Meta

from specdsl import ir
from specdsl.diagnostics import did_you_mean
from specdsl.syntax.blocks import LOOP, LOOP_FORM, Piece, Taken, TemplateError, fill, loop_values
from specdsl.syntax.errors import to_diagnostic
from specdsl.syntax.grammar import parse_slice
from specdsl.syntax.tokens import span_of

IN = "in"  # the placeholder for the tensor a block is called on
MAX_DEPTH = 16  # blocks calling blocks
MAX_ROUNDS = 1_000  # rounds of one loop
MAX_STATEMENTS = 20_000  # statements all calls together may expand to (ResNet50: 160)


class _Abort(Exception):
    """Raised inside an expansion after its first error: the rest of the call would repeat
    it (a block used 16 times, or called by a block called many times)."""


_SPACES = re.compile(r"[ \t]+")


@dataclasses.dataclass
class _Block:
    name: str
    params: list[tuple[str, str | None]]  # name, default text
    body: list[Piece]
    span: ir.Span | None


class BlockLowering:
    """Mixin of :class:`specdsl.syntax.lower.Lowerer`: blocks, calls and loops."""

    taken: Taken

    def _init_blocks(self, taken: Taken) -> None:
        self.taken = taken
        self.block_defs: dict[str, _Block] = {}
        self.block_records: list[ir.BlockDef] = []
        self.call_records: list[ir.BlockCall] = []
        self.call_stack: list[str] = []
        self.expanded = 0
        self.d.extend(taken.errors)

    # ---- definitions ---------------------------------------------------------------
    def s_block_stmt(self, t: Tree) -> None:
        name_tok, *params = t.children
        name = str(name_tok)
        body = self.taken.bodies.get(t.meta.start_pos, [])
        seen: dict[str, None] = {}
        out: list[tuple[str, str | None]] = []
        for p in params:
            ptok = p.children[0]
            pname = str(ptok)
            if pname in seen or pname == IN:
                why = "is given twice" if pname in seen else "is the tensor the block is called on"
                self.d.error(f"parameter '{pname}' {why}", span_of(ptok))
                continue
            seen[pname] = None
            default = str(p.children[1]) if len(p.children) > 1 else None
            if default is None and out and out[-1][1] is not None:
                self.d.error(
                    f"parameter '{pname}' needs a default: it follows one with a default",
                    span_of(ptok),
                )
            out.append((pname, default))
        if name in self.block_defs:
            first = self.block_defs[name].span
            self.d.error(
                f"block '{name}' is defined twice (first at line {first.line if first else '?'})",
                span_of(name_tok),
            )
            return
        self.block_defs[name] = _Block(name, out, body, span_of(t))
        self.block_records.append(
            ir.BlockDef(
                name=name,
                params=tuple(ir.BlockParam(name=n, default=d) for n, d in out),
                body=tuple(ir.BlockStatement(stmt=p.text, span=p.span) for p in body),
                at=len(self.layers),
                span=span_of(t),
                end_span=self.taken.ends.get(t.meta.start_pos),
            )
        )

    def s_end_stmt(self, t: Tree) -> None:
        self.d.error(
            "'end' without a block above it",
            span_of(t),
            hint="a block starts with 'block NAME(parameters):'",
        )

    # ---- calls -----------------------------------------------------------------------
    def s_call_stmt(self, t: Tree, span: ir.Span | None = None):
        """A call; at the top level (not inside a block) it is also recorded for fmt."""
        span = span or span_of(t)
        if self.call_stack:
            self._call(t, span)
            return
        first = len(self.layers)
        try:
            self._call(t, span)
        except _Abort:
            pass
        count = len(self.layers) - first
        self.call_records.append(
            ir.BlockCall(call=self._source_of(t), first=first, count=count, span=span)
        )

    def _source_of(self, t: Tree) -> str:
        parts = []
        name, *args = t.children
        for a in args:
            if len(a.children) == 2:
                parts.append(f"{a.children[0]}={a.children[1]}")
            else:
                parts.append(str(a.children[0]))
        return f"{name}({', '.join(parts)})"

    def _call(self, t: Tree, span: ir.Span | None) -> None:
        name_tok, *args = t.children
        name = str(name_tok)
        block = self.block_defs.get(name)
        if block is None:
            self.d.error(
                f"unknown block '{name}'",
                span_of(name_tok),
                hint=did_you_mean(name, self.block_defs),
                expected="a block defined above: " + (", ".join(self.block_defs) or "none yet"),
            )
            self._stop()
            return
        if name in self.call_stack:
            self.d.error(
                f"block '{name}' calls itself (through {' -> '.join(self.call_stack)})", span
            )
            self._stop()
            return
        if len(self.call_stack) >= MAX_DEPTH:
            self.d.error(f"blocks call blocks more than {MAX_DEPTH} deep", span)
            self._stop()
            return
        values = self._bind(block, args, span)
        if values is None:
            self._stop()
            return
        values[IN] = self.layers[-1][0] if self.layers else ir.INPUT
        self.call_stack.append(name)
        try:
            for piece in block.body:
                self.expanded += 1
                if self.expanded > MAX_STATEMENTS:
                    self.d.error(
                        f"the block calls expand to more than {MAX_STATEMENTS:,} statements", span
                    )
                    raise _Abort
                errors = len(self.d.errors)
                self._expand(block, piece, values, span)
                if len(self.d.errors) > errors:
                    self._stop()
        finally:
            self.call_stack.pop()

    def _bind(self, block: _Block, args: list[Tree], span) -> dict[str, str] | None:
        names = [n for n, _ in block.params]
        values: dict[str, str] = {}
        ok = True
        positional = True
        for i, a in enumerate(args):
            if len(a.children) == 2:
                key_tok, val = a.children
                key = str(key_tok)
                positional = False
                if key not in names:
                    self.d.error(
                        f"block '{block.name}' has no parameter '{key}'",
                        span_of(key_tok),
                        hint=did_you_mean(key, names),
                        expected=", ".join(names) or "no parameters",
                    )
                    ok = False
                    continue
            else:
                (val,) = a.children
                if not positional:
                    self.d.error("a positional argument after a named one", span_of(a))
                    ok = False
                    continue
                if i >= len(names):
                    self.d.error(
                        f"block '{block.name}' takes {len(names)} arguments, not {len(args)}",
                        span_of(a),
                        expected=f"{block.name}({', '.join(names)})",
                    )
                    ok = False
                    continue
                key = names[i]
            if key in values:
                self.d.error(f"argument '{key}' is given twice", span_of(a))
                ok = False
            values[key] = str(val)
        for n, default in block.params:
            if n not in values:
                if default is None:
                    self.d.error(
                        f"block '{block.name}' needs the argument '{n}'",
                        span,
                        expected=f"{block.name}({', '.join(names)})",
                    )
                    ok = False
                else:
                    values[n] = default
        return values if ok else None

    def _expand(self, block: _Block, piece: Piece, values: dict[str, str], span) -> None:
        where = f"in block '{block.name}' (line {piece.span.line})"
        try:
            text = fill(piece.text, values)
        except TemplateError as e:
            self.d.error(f"{where}: {e}", span)
            return
        try:
            tree = parse_slice(text, 0, len(text), 1, 1)
        except UnexpectedInput as err:
            diag = to_diagnostic(err, text, (0, len(text)), (1, 1))
            self.d.error(
                f"{where}: '{text}': {diag.message}", span, hint=diag.hint, expected=diag.expected
            )
            return
        before = len(self.d.items)
        try:
            for stmt in tree.children:
                if not isinstance(stmt, Tree):
                    continue
                stmt = _placed(stmt, span)
                if stmt.data == "layer_stmt":
                    self.s_layer_stmt(stmt)
                elif stmt.data == "call_stmt":
                    self.s_call_stmt(stmt, span)
                else:
                    self.d.error(
                        f"{where}: a block holds layers and block calls, not '{text}'", span
                    )
        finally:
            for k in range(before, len(self.d.items)):  # say where the statement came from
                d = self.d.items[k]
                if not d.message.startswith("in block"):
                    self.d.items[k] = dataclasses.replace(d, message=f"{where}: {d.message}")

    def _stop(self) -> None:
        """After an error inside a call: abandon the top-level call it belongs to."""
        if self.call_stack:
            raise _Abort

    # ---- loops -----------------------------------------------------------------------
    def s_loop(self, piece: Piece) -> None:
        m = LOOP.fullmatch(piece.text)
        if m is None:
            self.d.error(f"cannot read the loop '{piece.text}'", piece.span, expected=LOOP_FORM)
            return
        var, a, b, call = m.groups()
        values = loop_values(a, b)
        if values is None:
            self.d.error(
                f"the loop {a}..{b} mixes a number and a letter", piece.span, expected=LOOP_FORM
            )
            return
        if not values:
            self.d.error(f"the loop {a}..{b} is empty: write the smaller end first", piece.span)
            return
        if len(values) > MAX_ROUNDS:
            self.d.error(f"a loop of {len(values):,} rounds: at most {MAX_ROUNDS:,}", piece.span)
            return
        first = len(self.layers)
        for i in values:
            try:
                text = fill(call, {var: i})
            except TemplateError as e:
                self.d.error(f"in the loop: {e}", piece.span)
                return
            try:
                tree = parse_slice(text, 0, len(text), 1, 1)
                (stmt,) = [c for c in tree.children if isinstance(c, Tree)]
            except (UnexpectedInput, ValueError):
                self.d.error(
                    f"cannot read '{text}' as a block call", piece.span, expected=LOOP_FORM
                )
                return
            if stmt.data != "call_stmt":
                self.d.error(
                    f"a loop repeats a block call, not '{text}'", piece.span, expected=LOOP_FORM
                )
                return
            errors = len(self.d.errors)
            try:
                self._call(_placed(stmt, piece.span), piece.span)
            except _Abort:
                break
            if len(self.d.errors) > errors:
                break  # the same mistake in every round: say it once
        written = _SPACES.sub(" ", piece.text)
        self.call_records.append(
            ir.BlockCall(call=written, first=first, count=len(self.layers) - first, span=piece.span)
        )


def _placed(node, span: ir.Span | None):
    """A copy of a parse tree with every position set to ``span`` (the call's)."""
    if span is None:
        return node
    if isinstance(node, Token):
        return Token(
            node.type, node.value, 0, span.line, span.column, span.end_line, span.end_column, 0
        )
    meta = Meta()
    meta.empty = False
    meta.line, meta.column = span.line, span.column
    meta.end_line, meta.end_column = span.end_line, span.end_column
    meta.start_pos = meta.end_pos = 0
    return Tree(node.data, [_placed(c, span) for c in node.children], meta)
