"""Small helpers that write Python source the way ``ruff format`` would (line length 100).

The emitted files must be byte-identical for the same spec and already formatted, so the
few constructs the emitters produce (assignments of calls, literals) are laid out here.
"""

from __future__ import annotations

import json
import math
import re

LINE_LENGTH = 100
INDENT = "    "

_LAYER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")


class CodeError(ValueError):
    """Something from the spec cannot be written safely into code."""


def py_str(text: str) -> str:
    """A double-quoted Python string literal (escaped; ASCII only)."""
    return json.dumps(text, ensure_ascii=True)


def py_num(value: float | int) -> str:
    """A number literal: ints as ints, floats by ``repr`` (round-trips exactly)."""
    if isinstance(value, bool):
        raise CodeError(f"expected a number, got {value!r}")
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        raise CodeError(f"cannot write the number {value!r} into code")
    text = repr(float(value))
    return text.replace("e-0", "e-").replace("e+0", "e+").replace("e+", "e")


def py_tuple(values) -> str:
    items = [py_num(v) if not isinstance(v, str) else py_str(v) for v in values]
    if len(items) == 1:
        return f"({items[0]},)"
    return "(" + ", ".join(items) + ")"


def py_list(values) -> str:
    items = [py_num(v) if not isinstance(v, str) else py_str(v) for v in values]
    return "[" + ", ".join(items) + "]"


def check_identifier(name: str, what: str) -> str:
    if not name.isidentifier() or name.startswith("__"):
        raise CodeError(f"{what} '{name}' is not a Python identifier")
    return name


def check_layer_name(name: str) -> str:
    """Keras layer names: letters, digits, '_', '.', '-' (never '/')."""
    if not _LAYER_NAME.match(name):
        raise CodeError(f"layer name {name!r} cannot be a Keras layer name")
    return name


def call_line(indent: str, lead: str, func: str, args: list[str], tail: str = "") -> list[str]:
    """``<lead>func(args)tail`` as ruff lays it out: one line, hugged args, or one per line.

    ``lead`` is what comes before the call: ``"x = "``, ``"return "`` or ``""``.
    """
    head = f"{indent}{lead}{func}("
    one = head + ", ".join(args) + ")" + tail
    if len(one) <= LINE_LENGTH:
        return [one]
    inner = indent + INDENT
    if tail.startswith("(") and tail.endswith(")"):  # ruff splits the last call's parens first
        first = head + ", ".join(args) + ")("
        if len(first) <= LINE_LENGTH:
            return [first, inner + tail[1:-1], indent + ")"]
    hugged = inner + ", ".join(args)
    if len(hugged) <= LINE_LENGTH:
        return [head, hugged, indent + ")" + tail]
    return [head, *(f"{inner}{a}," for a in args), indent + ")" + tail]


def docstring(indent: str, text: str) -> list[str]:
    """A one-line docstring (the caller keeps it short enough)."""
    line = f'{indent}"""{text}"""'
    if len(line) > LINE_LENGTH:
        raise CodeError(f"docstring too long for one line: {text!r}")
    return [line]


def comment(indent: str, text: str) -> list[str]:
    """A comment, wrapped at word boundaries to the line length."""
    words = text.split()
    lines: list[str] = []
    current = f"{indent}#"
    for w in words:
        if len(current) + 1 + len(w) > LINE_LENGTH and current != f"{indent}#":
            lines.append(current)
            current = f"{indent}#"
        current += " " + w
    lines.append(current)
    return lines
