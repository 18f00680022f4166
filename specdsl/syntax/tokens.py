"""Small helpers over Lark tokens and trees: spans, numbers, pairs, strings.

Every INT, FLOAT, SHAPE, KERNEL, STRIDE and STRING token becomes a value here and nowhere
else, so no caller can get the conversion wrong: a number that is not finite or outside its
range, or a string that breaks the string rules, is a located error (line:col of the
number or of the bad character), and the caller gets a safe value in range to go on with.
"""

from __future__ import annotations

import builtins
import keyword
import math
import re
import unicodedata
from dataclasses import dataclass

from lark import Token, Tree

from specdsl import ir
from specdsl.diagnostics import Diagnostics

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

MAX_COUNT = 2**31 - 1  # sizes, filters, units, epochs, batch: what an int32 holds
_MAX_DIGITS = len(str(MAX_COUNT))  # longer digit strings are out of range unconverted


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


def part_span(tok: Token, start: int, end: int) -> ir.Span | None:
    """The span of ``tok[start:end]`` (tokens with numbers and strings are on one line)."""
    if tok.line is None:
        return None
    return ir.Span(
        line=tok.line, column=tok.column + start, end_line=tok.line, end_column=tok.column + end
    )


def shown(text: str, limit: int = 24) -> str:
    """A number or string as a message shows it: long ones cut in the middle."""
    return text if len(text) <= limit else f"{text[:10]}...{text[-6:]} ({len(text)} characters)"


# ---- numbers -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Bound:
    """A closed or half-open interval of numbers, as messages write it: ``[0, 1)``."""

    lo: float
    hi: float
    lo_open: bool = False
    hi_open: bool = False

    def __contains__(self, x: float) -> bool:
        if not math.isfinite(x):
            return False
        above = x > self.lo if self.lo_open else x >= self.lo
        below = x < self.hi if self.hi_open else x <= self.hi
        return above and below

    def __str__(self) -> str:
        def f(v: float) -> str:
            return "inf" if math.isinf(v) else (str(int(v)) if float(v).is_integer() else str(v))

        left, right = "(" if self.lo_open else "[", ")" if self.hi_open else "]"
        return f"{left}{f(self.lo)}, {f(self.hi)}{right}"

    def clamp(self, x: float) -> float:
        """A value inside the bound near ``x`` (to go on after an error)."""
        if math.isnan(x):
            x = self.lo
        x = min(max(x, self.lo), self.hi)
        if x not in self:
            return (self.lo + self.hi) / 2 if math.isfinite(self.hi) else self.lo + 1
        return x


FINITE = Bound(-math.inf, math.inf, True, True)
POSITIVE = Bound(0, math.inf, True, True)
FRACTION = Bound(0, 1, True)  # (0, 1]: augmentation factors, as Keras checks them
RATE = Bound(0, 1, hi_open=True)  # [0, 1): dropout
MOMENTUM = Bound(0, 1, hi_open=True)


def int_text(
    text: str,
    d: Diagnostics,
    what: str,
    span,
    lo: int = 1,
    hi: int = MAX_COUNT,
    low: str | None = None,
    hint: str | None = None,
) -> int:
    """Digits -> int in ``[lo, hi]``; otherwise an error at ``span`` and a value in range."""
    digits = text.lstrip("+-").lstrip("0") or "0"
    if len(digits) > _MAX_DIGITS:
        value = hi + 1 if not text.startswith("-") else lo - 1
    else:
        value = int(text)
    if value < lo:
        d.error(low or f"{what} {shown(text)} must be at least {lo}", span, hint=hint)
        return lo
    if value > hi:
        d.error(f"{what} {shown(text)} is too large (at most {hi:,})", span, hint=hint)
        return hi
    return value


def to_int(
    tok: Token,
    d: Diagnostics,
    what: str,
    lo: int = 1,
    hi: int = MAX_COUNT,
    low: str | None = None,
    hint: str | None = None,
) -> int:
    """An INT or SIGNED_INT token -> int in ``[lo, hi]`` (located error otherwise)."""
    return int_text(str(tok), d, what, span_of(tok), lo, hi, low, hint)


def ints_of(
    tok: Token, d: Diagnostics, what: str, skip: int = 0, lo: int = 1, hi: int = MAX_COUNT
) -> list[int]:
    """The numbers of ``28x28x1`` (SHAPE), ``k3x5`` (KERNEL, ``skip=1``), each located."""
    text = str(tok)
    out, pos = [], skip
    for part in text[skip:].split("x"):
        span = part_span(tok, pos, pos + len(part))
        out.append(int_text(part, d, what, span, lo, hi))
        pos += len(part) + 1
    return out


def to_float(
    tok: Token,
    d: Diagnostics,
    what: str,
    bound: Bound = FINITE,
    hint: str | None = None,
    expected: str | None = None,
) -> float:
    """A FLOAT, INT or NEG_NUMBER token -> a finite float inside ``bound``."""
    text = str(tok)
    value = float(text)  # float() has no digit limit: huge numbers become inf
    if value not in bound:
        problem = "is too large" if math.isinf(value) else f"is outside {bound}"
        d.error(
            f"{what} {shown(text)} {problem}",
            span_of(tok),
            hint=hint,
            expected=expected or f"a number in {bound}",
        )
        return bound.clamp(value)
    return value


def num(tok: Token) -> float:
    """A number token as written (no range: use :func:`to_float` for values of the spec)."""
    return float(str(tok))


def pair(values: list[int]) -> tuple[int, int]:
    """``[3]`` -> (3, 3); ``[3, 5]`` -> (3, 5)."""
    return (values[0], values[-1]) if len(values) <= 2 else (values[0], values[1])


# ---- strings -----------------------------------------------------------------------------
# A quoted string holds UTF-8 text with no control characters (Unicode categories Cc, Zl, Zp:
# no tab, line break or NUL) and no lone surrogates; its escapes are \\ \" \uXXXX and
# \UXXXXXXXX (hex digits, the character must itself be allowed). Anything else after a
# backslash is an error. grammars/specdsl.lark and README ("The language") say the same;
# the formatter (specdsl.syntax.format_values.quote) writes strings back under the same rules.
_HEX = {"u": 4, "U": 8}


def bad_char(c: str) -> str | None:
    """Why a character cannot stand in a string (None when it can)."""
    cat = unicodedata.category(c)
    if cat == "Cs":
        return f"a lone surrogate (U+{ord(c):04X}) is not text"
    if cat in ("Cc", "Zl", "Zp"):
        return f"a string cannot hold a control character or line break (U+{ord(c):04X})"
    return None


def unquote(tok: Token, d: Diagnostics | None = None) -> str:
    """A token's text as a value: a STRING without its quotes, its escapes resolved and its
    characters checked (errors at the bad character); other tokens as written."""
    s = str(tok)
    if tok.type != "STRING":
        return s
    d = d if d is not None else Diagnostics()
    out: list[str] = []
    i, end = 1, len(s) - 1
    while i < end:
        c = s[i]
        if c != "\\":
            why = bad_char(c)
            if why:
                d.error(why, part_span(tok, i, i + 1), hint="use \\uXXXX for an invisible one")
            else:
                out.append(c)
            i += 1
            continue
        e = s[i + 1] if i + 1 < end else ""
        if e in ('"', "\\"):
            out.append(e)
            i += 2
        elif e in _HEX:
            n = _HEX[e]
            digits = s[i + 2 : i + 2 + n]
            if len(digits) != n or not all(h in "0123456789abcdefABCDEF" for h in digits):
                d.error(
                    f"'\\{e}' needs {n} hex digits",
                    part_span(tok, i, min(i + 2 + n, end)),
                    expected=f"\\{e}{'0' * (n - 2)}e9 (for é)",
                )
                i += 2
                continue
            code = int(digits, 16)
            why = "not a Unicode character" if code > 0x10FFFF else bad_char(chr(code))
            if why:
                d.error(f"'\\{e}{digits}': {why}", part_span(tok, i, i + 2 + n))
            else:
                out.append(chr(code))
            i += 2 + n
        else:
            esc = "\\" + e
            d.error(
                f"unknown escape '{esc}' in a string",
                part_span(tok, i, i + len(esc)),
                expected='\\\\, \\", \\uXXXX or \\UXXXXXXXX',
                hint="strings hold no control characters (no \\n or \\t)"
                if e in "ntrabfv0"
                else "write a backslash as \\\\",
            )
            i += len(esc) or 1
    return "".join(out)


# ---- names ------------------------------------------------------------------------------
# A model or layer name is emitted as a Keras layer or model name, a PyTorch attribute or
# class, an ONNX node name, a file name (<model>.spec, <model>.onnx) and a weight key, so it
# must suit all of them at once. This is the rule for one name; specdsl.check.names applies
# the rules between names (a layer named like one of a base's layers).
MAX_NAME = 100  # characters; file names add a suffix and must stay under 255 bytes
RESERVED_LAYER_NAMES = frozenset({"input_layer"})  # Keras: the Input specdsl generates
NAME_RULE = "ASCII letters, digits and '_', not starting with a digit or '__', no Python keyword"
_BUILTINS = frozenset(n for n in dir(builtins) if not n.startswith("_"))


def name_problem(name: str, what: str = "layer name") -> str | None:
    """Why ``name`` cannot be a ``what`` ("model name", "layer name"); None when it can.

    An ASCII identifier (the NAME token always writes it back), at most :data:`MAX_NAME`
    characters, not a Python keyword in any capitalization (``None``, ``none``: the PyTorch
    class), not starting with ``__``; a layer is not ``input_layer`` (specdsl's input, in the
    model and in each base); a model is not a Python builtin (the code imports the model).
    """
    if len(name) > MAX_NAME:
        return f"{what} is {len(name):,} characters long (at most {MAX_NAME})"
    if not IDENT.match(name):
        return f"{what} '{name}' is not an identifier"
    if keyword.iskeyword(name) or keyword.iskeyword(name.capitalize()):
        return f"{what} '{name}' is a Python keyword"
    if name.startswith("__"):
        return f"{what} '{name}' starts with '__' (Python's special names)"
    if what == "model name" and name in _BUILTINS:
        return f"{what} '{name}' is a Python builtin that the emitted code would shadow"
    if what != "model name" and name in RESERVED_LAYER_NAMES:
        return f"{what} '{name}' is the name specdsl gives the model's input"
    return None


def default_model_name(stem: str) -> str:
    """A valid model name from a file name (``my-net`` -> ``my_net``, ``None`` ->
    ``None_model``, ``名前`` -> ``model``): whatever the file is called, it passes the rule."""
    name = re.sub(r"[^A-Za-z0-9_]+", "_", stem).strip("_")[: MAX_NAME - 12]
    if not name:
        return "model"
    if name[0].isdigit():
        name = f"model_{name}"
    if name_problem(name, "model name") is not None:
        name = f"{name}_model"
    return name if name_problem(name, "model name") is None else "model"


def stmt_word(t: Tree) -> str:
    """How to name a statement in a message."""
    words = {"layer_stmt": "a layer", "augment_stmt": "'augment'"}
    return words.get(t.data, "'" + t.data.removesuffix("_stmt") + "'")
