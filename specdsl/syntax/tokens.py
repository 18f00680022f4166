"""Small helpers over Lark tokens and trees: spans, numbers, pairs, strings."""

from __future__ import annotations

import re

from lark import Token, Tree

from specdsl import ir

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


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


def num(tok: Token) -> float:
    return float(str(tok))


def pair(text: str) -> tuple[int, int]:
    """``3`` -> (3, 3); ``3x5`` -> (3, 5)."""
    parts = [int(p) for p in text.split("x")]
    return (parts[0], parts[-1]) if len(parts) <= 2 else (parts[0], parts[1])


def unquote(tok: Token) -> str:
    s = str(tok)
    if tok.type == "STRING":
        return bytes(s[1:-1], "utf-8").decode("unicode_escape")
    return s


def stmt_word(t: Tree) -> str:
    """How to name a statement in a message."""
    words = {"layer_stmt": "a layer", "augment_stmt": "'augment'"}
    return words.get(t.data, "'" + t.data.removesuffix("_stmt") + "'")
