"""Text from untrusted places (an ONNX file's metadata, its node names, file names on disk)
made safe to print on a terminal.

A label such as ``"\\x1b[2J"`` would clear the screen, ``"b\\nerror: fake"`` would forge an
output line and U+202E would reverse what follows it. :func:`printable` writes such characters
as Python escapes (``\\x1b``, ``\\n``, ``\\u202e``); every other character, non-Latin text
included (``café``, ``猫``, ``кошка``), is kept as it is. ``--json`` output needs none of this:
``json.dumps`` escapes them itself and keeps the exact strings.
"""

from __future__ import annotations

import unicodedata

# format characters kept: they join letters in Persian, Indic scripts and emoji sequences
_JOINERS = frozenset("\u200c\u200d")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _unsafe(ch: str) -> bool:
    """C0/C1 controls and DEL (Cc), format characters such as the bidi overrides and
    isolates, zero-width and invisible ones (Cf, but the joiners), lone surrogates from
    undecodable file names (Cs), and the line and paragraph separators (Zl, Zp)."""
    category = unicodedata.category(ch)
    return category in ("Cc", "Cs", "Zl", "Zp") or (category == "Cf" and ch not in _JOINERS)


def _escape(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: str) -> str:
    """``text`` with every control, bidi and invisible format character escaped."""
    if text.isprintable():  # the common case: nothing to do
        return text
    return "".join(_escape(ch) if _unsafe(ch) else ch for ch in text)


def shown(value: str, limit: int = 60) -> str:
    """A metadata value quoted for an error message, cut to ``limit`` characters."""
    cut = value if len(value) <= limit else value[: limit - 1] + "…"
    return "'" + cut + "'"
