"""Parse trees moved to another place in the text: what a repeated statement is.

A long spec repeats its statements; the parser parses each distinct one once
(:mod:`specdsl.syntax.parse`) and places the repeats from the first one's tree, either as a
copy with every position moved (``moved_tree``) or, for the lowering, as a :class:`Repeat` that
shares the first tree and moves only its own position.
"""

from __future__ import annotations

from lark import Token, Tree
from lark.tree import Meta


class Repeat(Tree):
    """A statement whose text repeats an earlier one: that statement's tree (``first``, its
    children shared, not copied) under the statement's own position. ``moved()`` makes the
    copy with every position moved; the lowering asks for it only when it cannot replay
    what it made of ``first`` (:meth:`specdsl.syntax.lower.Lowerer.lower`)."""

    __slots__ = ("first", "offsets")

    def __init__(self, first: Tree, first_line: int, lines: int, columns: int, chars: int):
        meta = Meta()
        meta.__dict__ = _moved_meta(first.meta.__dict__, first_line, lines, columns, chars)
        super().__init__(first.data, first.children, meta)
        self.first = first
        self.offsets = (first_line, lines, columns, chars)

    def moved(self) -> Tree:
        return moved_tree(self.first, *self.offsets)


def moved_tree(node, first_line: int, lines: int, columns: int, chars: int):
    """A copy of a parse tree (or token) moved down ``lines`` lines, ``chars`` characters
    on, and ``columns`` columns on ``first_line``, the line its statement starts on."""
    if isinstance(node, Token):
        line, end_line = node.line, node.end_line
        return Token(
            node.type,
            node.value,
            node.start_pos + chars,
            line + lines,
            node.column + columns if line == first_line else node.column,
            end_line + lines,
            node.end_column + columns if end_line == first_line else node.end_column,
            node.end_pos + chars,
        )
    if not isinstance(node, Tree):  # pragma: no cover - the grammar makes only these
        return node
    children = [moved_tree(c, first_line, lines, columns, chars) for c in node.children]
    old = node.meta
    if old.empty:
        return Tree(node.data, children)
    meta = Meta()
    meta.__dict__ = _moved_meta(old.__dict__, first_line, lines, columns, chars)
    return Tree(node.data, children, meta)


def _moved_meta(old: dict, first_line: int, lines: int, columns: int, chars: int) -> dict:
    """The positions of Lark's propagate_positions, moved (written out: this is the hot
    loop of a long, repetitive spec)."""
    new = old.copy()
    try:
        if old["line"] == first_line:
            new["column"] += columns
        if old["end_line"] == first_line:
            new["end_column"] += columns
        if old["container_line"] == first_line:
            new["container_column"] += columns
        if old["container_end_line"] == first_line:
            new["container_end_column"] += columns
        new["line"] += lines
        new["end_line"] += lines
        new["container_line"] += lines
        new["container_end_line"] += lines
        new["start_pos"] += chars
        new["end_pos"] += chars
        new["container_start_pos"] += chars
        new["container_end_pos"] += chars
    except KeyError:  # pragma: no cover - another Lark's Meta: go by the names
        new = old.copy()
        for key, value in old.items():
            if key.endswith("line"):
                new[key] = value + lines
            elif key.endswith("column"):
                if old.get(key.removesuffix("column") + "line") == first_line:
                    new[key] = value + columns
            elif key.endswith("pos"):
                new[key] = value + chars
    return new
