"""Turn Lark's syntax errors into diagnostics, recovering to report every bad statement."""

from __future__ import annotations

import re

from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.lexer import PatternStr

from specdsl.check.diagnostics import Diagnostic, did_you_mean
from specdsl.ir.span import Span
from specdsl.syntax.grammar import TERMINAL_WORDS, parser

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def keywords() -> list[str]:
    """Every literal keyword of the grammar (``conv``, ``pool``, ``freeze``, ...)."""
    words = []
    for term in parser().terminals:
        if isinstance(term.pattern, PatternStr) and _WORD.fullmatch(term.pattern.value):
            words.append(term.pattern.value)
    return sorted(set(words))


STATEMENT_WORDS = (
    "model input classes conv pool avgpool globalavgpool globalmaxpool gap gmp flatten dense "
    "dropout batchnorm bn activation rescale preprocess augment flip rotate zoom contrast "
    "translate base freeze unfreeze loss optimizer metrics epochs batch checkpoint strategy stage"
).split()


def _word_for(terminal: str) -> str:
    try:
        term = parser().get_terminal(terminal)
    except KeyError:
        return TERMINAL_WORDS.get(terminal, terminal)
    if isinstance(term.pattern, PatternStr):
        return f"'{term.pattern.value}'"
    return TERMINAL_WORDS.get(terminal, terminal.lower())


def _expected_text(names) -> str | None:
    words = sorted({_word_for(n) for n in names if n not in ("WS", "COMMENT")})
    if not words:
        return None
    if len(words) > 8:
        words = words[:8] + ["..."]
    return ", ".join(words)


def split_statements(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each statement: split on ';' and newlines, outside comments
    and strings."""
    chunks = []
    start = 0
    i = 0
    in_string = False
    n = len(text)
    while i < n:
        c = text[i]
        if in_string:
            if c == "\\":
                i += 1
            elif c == '"' or c == "\n":
                in_string = False
        elif c == '"':
            in_string = True
        elif c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        elif c in ";\n":
            chunks.append((start, i))
            start = i + 1
        i += 1
    chunks.append((start, n))
    return [
        (a, b) for a, b in chunks if text[a:b].strip() and not text[a:b].strip().startswith("#")
    ]


def mask(text: str, start: int, end: int) -> str:
    """The text with everything outside [start, end) blanked, newlines kept: positions stay."""
    out = [c if (start <= i < end or c == "\n") else " " for i, c in enumerate(text)]
    return "".join(out)


def _unknown_statement(chunk: str, offset: int, text: str) -> Diagnostic | None:
    """``convv 32 k3`` -> unknown statement 'convv', did you mean 'conv'?"""
    stripped = chunk.lstrip()
    m = _WORD.match(stripped)
    if not m:
        return None
    word = m.group(0)
    rest = stripped[m.end() :].lstrip()
    if word in STATEMENT_WORDS:
        return None
    if rest.startswith(":"):
        # A layer name; check the word after it.
        after = rest[1:]
        inner = _unknown_statement(after, offset + (len(chunk) - len(after)), text)
        return inner
    pos = offset + (len(chunk) - len(stripped))
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return Diagnostic(
        f"unknown layer or statement '{word}'",
        Span(line=line, column=col, end_line=line, end_column=col + len(word)),
        hint=did_you_mean(word, STATEMENT_WORDS),
        expected="a layer (conv, pool, dense, ...) or a statement (model, input, freeze, ...)",
    )


def to_diagnostic(
    err: UnexpectedInput, text: str, chunk: tuple[int, int] | None = None
) -> Diagnostic:
    if chunk is not None:
        unknown = _unknown_statement(text[chunk[0] : chunk[1]], chunk[0], text)
        if unknown is not None:
            return unknown
    line, col = getattr(err, "line", 1), getattr(err, "column", 1)
    if isinstance(err, UnexpectedCharacters):
        ch = text[err.pos_in_stream] if err.pos_in_stream < len(text) else ""
        span = Span(line=line, column=col, end_line=line, end_column=col + 1)
        return Diagnostic(
            f"unexpected character {ch!r}", span, expected=_expected_text(err.allowed or ())
        )
    if isinstance(err, (UnexpectedToken, UnexpectedEOF)):
        token = getattr(err, "token", None)
        expected = getattr(err, "expected", None) or getattr(err, "accepts", None) or ()
        if token is None or token.type == "$END" or token.type == "_NL" or str(token) == ";":
            # End of the statement came too early: point just after the last token.
            where = _end_of_statement(text, chunk) if chunk else (line, col)
            span = Span(line=where[0], column=where[1], end_line=where[0], end_column=where[1] + 1)
            return Diagnostic("statement ends too early", span, expected=_expected_text(expected))
        value = str(token)
        span = Span(
            line=token.line,
            column=token.column,
            end_line=token.end_line or token.line,
            end_column=token.end_column or token.column + len(value),
        )
        hint = None
        if _WORD.fullmatch(value):
            choices = [_word_for(e).strip("'") for e in expected]
            hint = did_you_mean(value, [c for c in choices if _WORD.fullmatch(c)])
        return Diagnostic(
            f"unexpected '{value}'", span, expected=_expected_text(expected), hint=hint
        )
    return Diagnostic(
        str(err).splitlines()[0], Span(line=line, column=col, end_line=line, end_column=col + 1)
    )


def _end_of_statement(text: str, chunk: tuple[int, int]) -> tuple[int, int]:
    body = text[chunk[0] : chunk[1]]
    pos = chunk[0] + len(body.split("#")[0].rstrip())
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return line, col
