"""Load the Lark grammar (shipped as ``specdsl/grammars/specdsl.lark``) and build the parser."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lark import Lark, Token, Tree
from lark.lexer import LexerState, LineCounter

try:
    from lark import TextSlice
except ImportError:  # pragma: no cover - lark < 1.3: the lexer reads a copy up to the end
    TextSlice = None

from specdsl.resources import resource_path


def grammar_path() -> Path:
    return resource_path("grammars", "specdsl.lark")


@lru_cache(maxsize=1)
def parser() -> Lark:
    return Lark(
        grammar_path().read_text(encoding="utf-8"),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=False,
        cache=False,
    )


def parse_slice(
    text: str, start: int, stop: int, line: int, column: int, *, after_separator: bool = False
) -> Tree:
    """Parse ``text[start:stop]`` in place: every token and tree has the line, column and
    offset it has in the whole text (``line``, ``column`` are those of ``start``), and
    nothing outside the slice is read or counted, so the cost is the slice's.

    ``after_separator``: parse as the whole text would after a newline: the parser is first
    fed one. Raises Lark's ``UnexpectedInput`` as ``Lark.parse`` does.
    """
    counter = LineCounter("\n")
    counter.char_pos, counter.line, counter.column = start, line, column
    counter.line_start_pos = start - column + 1
    session = parser().parse_interactive()
    source = TextSlice(text, start, stop) if TextSlice is not None else text[:stop]
    session.lexer_thread.state = LexerState(source, counter)
    if after_separator:
        session.feed_token(Token("_NL", "\n", start, line, column, line, column, start))
    return session.resume_parse()


# Terminals in Lark's expected sets, as words for people.
TERMINAL_WORDS = {
    "INT": "a whole number",
    "FLOAT": "a number",
    "SIGNED_INT": "a whole number",
    "SHAPE": "a shape like 28x28x1",
    "NAME": "a name",
    "STRING": "a quoted string",
    "PATH": "a file path",
    "KERNEL": "a kernel size like k3",
    "STRIDE": "a stride like s2",
    "PADDING": "'same' or 'valid'",
    "GLOBALPOOL": "'globalavgpool'",
    "FLIP_KW": "'flip'",
    "FLIP_MODE": "'horizontal', 'vertical' or 'horizontal_and_vertical'",
    "AUG_KW": "'rotate', 'zoom', 'contrast' or 'translate'",
    "_NL": "end of line",
    "SEMICOLON": "';'",
    "COLON": "':'",
    "EQUAL": "'='",
    "COMMA": "','",
    "SLASH": "'/'",
    "LSQB": "'['",
    "RSQB": "']'",
    "$END": "end of file",
}
