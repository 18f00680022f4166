"""Blocks before the grammar: take block bodies and ``for`` lines out of the text.

A block's body is a template (``{name}_1_conv: conv {filters} k1 s{stride}``): it becomes
statements of the language only when a call fills its placeholders in, so the grammar cannot
read it where it is written. Before the text is parsed, :func:`take_blocks` finds every
``block NAME(...):`` ... ``end`` and every ``for i in A..B: call(...)`` line, keeps their
pieces (text and position) and blanks them in the text (spaces, lines kept), so that the
parse of the rest, its positions and its speed are as before. The lowering
(:mod:`specdsl.syntax.lower_blocks`) fills the templates in and parses what they give.

Written by hand, not in Lark: the placeholders are text inside tokens (``conv2_block{i}``),
which no grammar of the language's tokens can hold.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from specdsl import ir
from specdsl.diagnostics import Diagnostic
from specdsl.syntax.errors import placed_chunks
from specdsl.syntax.format_comments import comment_start

# A text with neither a block nor a loop skips the work (one regex scan).
_MAYBE = re.compile(r"(?:^|[;\n])[ \t]*(?:block|for)[ \t]", re.MULTILINE)
_BLOCK = re.compile(r"[ \t]*block[ \t]+[A-Za-z_]")
_FOR = re.compile(r"[ \t]*for[ \t]")
_END = re.compile(r"[ \t]*end[ \t]*")
# for i in 2..4 (whole numbers) or for x in b..d (letters: EfficientNet's block2b, block2c)
LOOP = re.compile(
    r"for[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]+in[ \t]+(\d{1,6}|[a-z])[ \t]*\.\.[ \t]*"
    r"(\d{1,6}|[a-z])[ \t]*:[ \t]*(\S.*)"
)
LOOP_FORM = "for i in 1..3: block_name(arguments using {i})  (or a letter range: b..d)"


def loop_values(a: str, b: str) -> list[str] | None:
    """The values of ``a..b``: whole numbers or single letters, both ends included; None
    when the ends are of different kinds."""
    if a.isdigit() and b.isdigit():
        return [str(i) for i in range(int(a), int(b) + 1)]
    if a.isalpha() and b.isalpha():
        return [chr(c) for c in range(ord(a), ord(b) + 1)]
    return None


@dataclass(frozen=True)
class Piece:
    """A statement taken out of the text: its text (comment removed, stripped) and span."""

    start: int
    text: str
    span: ir.Span


@dataclass
class Taken:
    bodies: dict[int, list[Piece]] = field(default_factory=dict)  # header offset -> body
    ends: dict[int, ir.Span] = field(default_factory=dict)  # header offset -> its 'end'
    loops: list[Piece] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)


def take_blocks(text: str) -> tuple[str, Taken]:
    """The text with block bodies, their 'end' and loop lines blanked, and what was taken."""
    taken = Taken()
    if not _MAYBE.search(text):
        return text, taken
    out = list(text)
    header: int | None = None
    header_span: ir.Span | None = None
    for start, end, line, line_column in placed_chunks(text):
        raw = text[start:end]
        body = _without_comment(raw).rstrip()
        if not body.strip():
            continue
        lead = len(body) - len(body.lstrip())
        column = line_column + lead
        span = ir.Span(
            line=line, column=column, end_line=line, end_column=column + len(body) - lead
        )
        piece = Piece(start + lead, body.strip(), span)
        if header is not None:
            if _END.fullmatch(body):
                taken.ends[header] = span
                header = None
            elif _BLOCK.match(body):
                taken.errors.append(
                    Diagnostic(
                        "a block cannot be defined inside another block",
                        span,
                        hint="close the block above with 'end' first",
                    )
                )
            else:
                taken.bodies[header].append(piece)
            _blank(out, start, end)
        elif _BLOCK.match(body):
            header, header_span = start + lead, span
            taken.bodies[header] = []
        elif _FOR.match(body):
            taken.loops.append(piece)
            _blank(out, start, end)
    if header is not None:
        taken.errors.append(
            Diagnostic(
                "this block has no 'end'",
                header_span,
                hint="write 'end' on a line of its own after the block's last statement",
            )
        )
    return "".join(out), taken


def _blank(out: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        if out[i] != "\n":
            out[i] = " "


def _without_comment(piece: str) -> str:
    pos = comment_start(piece)
    return piece if pos is None else piece[:pos]


# ---- templates ----------------------------------------------------------------------------
_PLACEHOLDER = re.compile(r"\{([^{}\n]*)\}")
_MAX_EXPR = 80  # characters in one placeholder


class TemplateError(ValueError):
    pass


def fill(template: str, values: dict[str, str]) -> str:
    """``template`` with every ``{expr}`` replaced: a parameter's text, or whole-number
    arithmetic (+ - * // and parentheses) over parameters that are whole numbers."""

    def one(m: re.Match) -> str:
        return _evaluate(m.group(1).strip(), values)

    filled = _PLACEHOLDER.sub(one, template)
    if "{" in filled or "}" in filled:
        raise TemplateError("a '{' or '}' without its pair: a placeholder is '{name}'")
    return filled


def _evaluate(expr: str, values: dict[str, str]) -> str:
    if expr in values:
        return values[expr]
    if not expr:
        raise TemplateError("an empty placeholder '{}'")
    if len(expr) > _MAX_EXPR:
        raise TemplateError(f"placeholder '{{{expr[:20]}...}}' is too long")
    try:
        tree = ast.parse(expr, mode="eval").body
    except SyntaxError:
        raise TemplateError(
            f"cannot read '{{{expr}}}': a placeholder is a parameter or arithmetic "
            "such as '{4*filters}'"
        ) from None
    return str(_arith(tree, values, expr))


_OPS = {ast.Add: int.__add__, ast.Sub: int.__sub__, ast.Mult: int.__mul__}


def _arith(node: ast.AST, values: dict[str, str], expr: str) -> int:
    """Whole-number arithmetic over the parameters (Python's parser reads the expression;
    only names, whole numbers, + - * // and parentheses are allowed)."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in values:
            known = ", ".join(sorted(values)) or "none"
            raise TemplateError(f"'{node.id}' in '{{{expr}}}' is not a parameter (known: {known})")
        text = values[node.id]
        if not re.fullmatch(r"-?\d{1,12}", text):
            raise TemplateError(
                f"'{node.id}' is '{text}' here: '{{{expr}}}' needs it to be a whole number"
            )
        return int(text)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_arith(node.operand, values, expr)
    if isinstance(node, ast.BinOp):
        a, b = _arith(node.left, values, expr), _arith(node.right, values, expr)
        if isinstance(node.op, ast.FloorDiv):
            if b == 0:
                raise TemplateError(f"'{{{expr}}}' divides by zero")
            return a // b
        op = _OPS.get(type(node.op))
        if op is not None:
            r = op(a, b)
            if abs(r) > 2**40:
                raise TemplateError(f"'{{{expr}}}' is too large")
            return r
    raise TemplateError(
        f"cannot compute '{{{expr}}}': only parameters, whole numbers, + - * // and parentheses"
    )
