"""The language server finds comments with the formatter's scanner: a ``\\"`` inside a string
neither ends the string nor lets a ``#`` in it start a comment (the grammar's STRING rule)."""

from __future__ import annotations

import pytest

pytest.importorskip("lsprotocol", reason="the language server needs lsprotocol (the lsp extra)")

from lsprotocol import types as lsp  # noqa: E402

from specdsl.lsp import document  # noqa: E402
from specdsl.lsp.document import SpecDocument, statement_before  # noqa: E402
from specdsl.syntax import format as fmt  # noqa: E402

LINE = 'classes "a\\"#b" c  # note'  # the spec text: classes "a\"#b" c  # note
REAL_HASH = LINE.index("  # note") + 2


def test_one_scanner():
    assert document.comment_start is fmt.comment_start
    assert fmt.comment_start(LINE) == REAL_HASH


def test_word_after_an_escaped_quote_is_code():
    doc = SpecDocument("file:///x.spec", f"model m\n{LINE}\n")
    c = LINE.index(" c ") + 1
    word, rng = doc.word_at(lsp.Position(1, c))
    assert word == "c" and (rng.start.character, rng.end.character) == (c, c + 1)
    assert doc.word_at(lsp.Position(1, REAL_HASH + 3)) is None  # 'note' is in the comment


def test_statement_before_the_real_comment():
    assert statement_before(LINE, REAL_HASH) == 'classes "a\\"#b" c  '
    assert statement_before(LINE, REAL_HASH + 1) == "#"
