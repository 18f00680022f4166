"""One open spec as the server sees it: its text, its analysis, and position helpers.

Positions: the IR's spans are 1-based lines and columns counted in characters; LSP positions
are 0-based, with columns counted in UTF-16 code units. The two differ only on lines with
characters outside the BMP, but they are converted properly both ways.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from lsprotocol import types as lsp

from specdsl.check.analysis import Analysis, LayerInfo
from specdsl.diagnostics import Diagnostic
from specdsl.ir.span import Span
from specdsl.syntax.format_comments import comment_start

WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")


def utf16_column(line: str, column: int) -> int:
    """A character column of ``line`` as LSP's UTF-16 column."""
    return len(line[:column].encode("utf-16-le")) // 2


def char_column(line: str, utf16: int) -> int:
    """An LSP UTF-16 column of ``line`` as a character column."""
    units = 0
    for i, ch in enumerate(line):
        if units >= utf16:
            return i
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(line)


@dataclass
class SpecDocument:
    uri: str
    text: str
    file: str | None = None  # a path for messages, when the URI is a file
    analysis: Analysis | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    failure: str | None = None  # the analysis itself failed (a bug): what to show

    @cached_property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    def line(self, n: int) -> str:
        """0-based line ``n`` without its line break ('' past the end)."""
        return self.lines[n].rstrip("\r") if 0 <= n < len(self.lines) else ""

    # ---- positions -----------------------------------------------------------------------
    def position(self, line: int, column: int) -> lsp.Position:
        """An LSP position from a 1-based line and column."""
        text = self.line(line - 1)
        return lsp.Position(max(line - 1, 0), utf16_column(text, max(column - 1, 0)))

    def range(self, span: Span | None) -> lsp.Range:
        if span is None:
            return lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0))
        start = self.position(span.line, span.column)
        end = self.position(span.end_line, span.end_column)
        if (end.line, end.character) <= (start.line, start.character):
            end = lsp.Position(start.line, start.character + 1)
        return lsp.Range(start, end)

    def point(self, pos: lsp.Position) -> tuple[int, int]:
        """(1-based line, 1-based character column) of an LSP position."""
        return pos.line + 1, char_column(self.line(pos.line), pos.character) + 1

    def word_at(self, pos: lsp.Position) -> tuple[str, lsp.Range] | None:
        """The word under the cursor (or just before it), outside comments."""
        text = self.line(pos.line)
        col = char_column(text, pos.character)
        comment = comment_start(text)
        if comment is not None and col > comment:
            return None
        for m in WORD.finditer(text):
            if m.start() <= col <= m.end():
                start = utf16_column(text, m.start())
                end = utf16_column(text, m.end())
                return m.group(), lsp.Range(
                    lsp.Position(pos.line, start), lsp.Position(pos.line, end)
                )
        return None

    # ---- the model -----------------------------------------------------------------------
    def layers(self) -> list[LayerInfo]:
        return self.analysis.layers if self.analysis else []

    def layer_at(self, pos: lsp.Position) -> LayerInfo | None:
        """The model's own layer whose statement holds the position."""
        here = self.point(pos)
        for info in self.layers():
            span = info.layer.span
            if span and (span.line, span.column) <= here <= (span.end_line, span.end_column):
                return info
        return None

    def find(self, name: str) -> LayerInfo | None:
        return self.analysis.find(name) if self.analysis else None


def statement_before(line: str, column: int) -> str:
    """The text of the statement the cursor is in, from its start up to the cursor.

    Statements are separated by ';' and newlines; a written layer name (``block1: ``) and a
    stage's indentation are dropped."""
    head = line[:column]
    comment = comment_start(head)
    if comment is not None:
        return "#"
    head = head.rsplit(";", 1)[-1].lstrip()
    m = re.match(r"[A-Za-z_][A-Za-z0-9_.\-]*\s*:\s*(?=\S|$)", head)
    if m and not head.startswith("stage"):
        head = head[m.end() :]
    return head
