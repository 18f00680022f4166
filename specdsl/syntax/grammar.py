"""Load the Lark grammar (shipped as ``specdsl/grammars/specdsl.lark``) and build the parser."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lark import Lark

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
