"""Values as a spec writes them: numbers in their shortest form, strings quoted under the string
rules of :mod:`specdsl.syntax.tokens`, class labels bare when they read back the same."""

from __future__ import annotations

import re


def fmt_num(x: float) -> str:
    if float(x).is_integer() and abs(x) < 1e6:
        return str(int(x))
    r = repr(float(x))
    if "e" in r:
        mant, exp = r.split("e")
        r = f"{mant}e{int(exp)}"
    return r


def quote(s: str) -> str:
    r"""A STRING token for ``s`` under the string rules of :mod:`specdsl.syntax.tokens`:
    ``\\`` and ``\"`` escaped, invisible characters as ``\uXXXX`` or ``\UXXXXXXXX``."""
    out = []
    for c in s:
        if c in '"\\':
            out.append("\\" + c)
        elif c == " " or c.isprintable():
            out.append(c)
        elif ord(c) <= 0xFFFF:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(f"\\U{ord(c):08x}")
    return '"' + "".join(out) + '"'


BARE_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*|\d+")  # NAME or INT: reads back as is
BARE_VALUE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def label(s: str) -> str:
    """A class label bare when it reads back as the same label, else quoted."""
    return s if BARE_LABEL.fullmatch(s) else quote(s)
