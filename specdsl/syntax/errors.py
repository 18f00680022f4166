"""Turn Lark's syntax errors into diagnostics, recovering to report every bad statement."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.lexer import PatternStr

from specdsl.diagnostics import Diagnostic, did_you_mean
from specdsl.ir.kinds import KINDS
from specdsl.ir.span import Span
from specdsl.syntax.grammar import TERMINAL_WORDS, parse_slice, parser

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def keywords() -> list[str]:
    """Every literal keyword of the grammar (``conv``, ``pool``, ``freeze``, ...)."""
    words = []
    for term in parser().terminals:
        if isinstance(term.pattern, PatternStr) and _WORD.fullmatch(term.pattern.value):
            words.append(term.pattern.value)
    return sorted(set(words))


# The words that start a statement: the header's, every layer kind's (the kind table), and the
# freezing and training statements'.
STATEMENT_WORDS = (
    "model",
    "input",
    "classes",
    *(word for kind in KINDS for word in kind.keywords),
    "augment",
    *"freeze unfreeze loss optimizer metrics epochs batch checkpoint strategy precision".split(),
    "stage",
)


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


_SPECIAL = re.compile(r'[";#\n]')
_STRING_BODY = re.compile(r'(?:[^"\\\n]|\\[\s\S])*')


def statement_chunks(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of every piece between separators: split on ';' and newlines,
    outside comments and strings; blank and comment-only pieces included.

    A string ends at its closing quote or at the end of its line (that newline does not
    separate); a backslash escapes the next character. Linear: one regex scan.
    """
    chunks = []
    start = pos = 0
    n = len(text)
    search = _SPECIAL.search
    while True:
        m = search(text, pos)
        if m is None:
            break
        i = m.start()
        c = text[i]
        if c == '"':
            j = _STRING_BODY.match(text, i + 1).end()
            # j is at the closing quote, the newline that ends the string, a backslash that
            # is the text's last character, or the end of the text.
            pos = j + 1 if j < n and text[j] != "\\" else n
        elif c == "#":
            j = text.find("\n", i)
            if j < 0:
                break
            pos = j  # the newline ends the comment and separates
        else:
            chunks.append((start, i))
            start = pos = i + 1
    chunks.append((start, n))
    return chunks


def placed_chunks(text: str) -> Iterator[tuple[int, int, int, int]]:
    """Each piece of :func:`statement_chunks` with the line and column (1-based) it starts
    at: (start, end, line, column). Newlines are counted between pieces only, so the whole
    text is counted once."""
    line, line_start, counted = 1, 0, 0
    for start, end in statement_chunks(text):
        newlines = text.count("\n", counted, start)
        if newlines:
            line += newlines
            line_start = text.rindex("\n", counted, start) + 1
        counted = start
        yield start, end, line, start - line_start + 1


def is_blank(piece: str) -> bool:
    """A piece with no statement: only spaces and perhaps a comment."""
    s = piece.strip()
    return not s or s.startswith("#")


def split_statements(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each statement: split on ';' and newlines, outside comments
    and strings."""
    return [(a, b) for a, b in statement_chunks(text) if not is_blank(text[a:b])]


def diagnose_statement(
    text: str, start: int, end: int, line: int, column: int
) -> tuple[list, Diagnostic | None]:
    """Parse the statement at [start, end) (``line``, ``column`` is where it starts) on its
    own, as if the rest of the text were blank, which is how recovery has always seen it:
    after a separator, followed by its own ';' or newline (or by the end of the text where
    no newline comes after it). Its trees if it parses, else a diagnostic for it. The cost
    is the statement's, not the text's."""
    stop = end + 1 if text.find("\n", end) >= 0 else end
    try:
        trees = parse_slice(text, start, stop, line, column, after_separator=line > 1)
    except UnexpectedInput as err:
        return [], to_diagnostic(err, text, (start, end), (line, column))
    return trees.children, None  # pragma: no cover - a piece fails alone where it fails


def _position(text: str, pos: int, anchor: tuple[int, int, int]) -> tuple[int, int]:
    """Line and column of ``pos``, counted from ``anchor`` = (offset, line, column) before it."""
    offset, line, column = anchor
    newlines = text.count("\n", offset, pos)
    if not newlines:
        return line, column + pos - offset
    return line + newlines, pos - text.rindex("\n", offset, pos)


@lru_cache(maxsize=4096)
def _suggest(word: str, choices: tuple[str, ...]) -> str | None:
    """did_you_mean, once per word and choices: a file of many wrong lines repeats them."""
    return did_you_mean(word, choices)


def _unknown_statement(
    chunk: str, offset: int, text: str, anchor: tuple[int, int, int]
) -> Diagnostic | None:
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
        return _unknown_statement(after, offset + (len(chunk) - len(after)), text, anchor)
    pos = offset + (len(chunk) - len(stripped))
    line, col = _position(text, pos, anchor)
    return Diagnostic(
        f"unknown layer or statement '{word}'",
        Span(line=line, column=col, end_line=line, end_column=col + len(word)),
        hint=_suggest(word, tuple(STATEMENT_WORDS)),
        expected="a layer (conv, pool, dense, ...) or a statement (model, input, freeze, ...)",
    )


def to_diagnostic(
    err: UnexpectedInput,
    text: str,
    chunk: tuple[int, int] | None = None,
    where: tuple[int, int] | None = None,
) -> Diagnostic:
    """The diagnostic for a syntax error in the statement ``chunk`` (start, end) of the text;
    ``where``: the (line, column) of its start, if known (else counted from the top)."""
    anchor = (0, 1, 1) if chunk is None or where is None else (chunk[0], *where)
    if chunk is not None:
        unknown = _unknown_statement(text[chunk[0] : chunk[1]], chunk[0], text, anchor)
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
            where = _end_of_statement(text, chunk, anchor) if chunk else (line, col)
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
            hint = _suggest(value, tuple(sorted(c for c in choices if _WORD.fullmatch(c))))
        return Diagnostic(
            f"unexpected '{value}'", span, expected=_expected_text(expected), hint=hint
        )
    return Diagnostic(
        str(err).splitlines()[0], Span(line=line, column=col, end_line=line, end_column=col + 1)
    )


def _end_of_statement(
    text: str, chunk: tuple[int, int], anchor: tuple[int, int, int]
) -> tuple[int, int]:
    body = text[chunk[0] : chunk[1]]
    pos = chunk[0] + len(body.split("#")[0].rstrip())
    return _position(text, pos, anchor)
