"""The language server on a spec written with blocks: symbols and go to definition."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import ROOT

pytest.importorskip("pygls", reason="the language server needs pygls (the lsp extra)")

from lsprotocol import types as lsp  # noqa: E402

from tests.lsp.client import session  # noqa: E402


def test_blocks_are_symbols_and_a_call_goes_to_its_block():
    spec = ROOT / "specs" / "zoo" / "resnet50.spec"
    lines = spec.read_text().splitlines()
    header = next(n for n, line in enumerate(lines) if line.startswith("block identity("))
    end = next(n for n, line in enumerate(lines) if n > header and line == "end")
    call = next(n for n, line in enumerate(lines) if line.startswith("for i in 2..3: identity"))

    async def scenario():
        async with session() as s:
            c = s.client
            uri = s.open(spec)
            assert await s.diagnostics(uri) == []
            syms = await c.text_document_document_symbol_async(
                lsp.DocumentSymbolParams(lsp.TextDocumentIdentifier(uri))
            )
            blocks = {sym.name: sym for sym in syms if sym.kind == lsp.SymbolKind.Class}
            assert set(blocks) == {"projection", "identity"}
            ident = blocks["identity"]
            assert (ident.range.start.line, ident.range.end.line) == (header, end)
            assert ident.detail == "block(name, filters), 10 statements"
            # every expanded layer is a symbol at the call that made it
            layers = [sym for sym in syms if sym.name.startswith("conv2_block2_")]
            assert layers and all(sym.range.start.line == call for sym in layers)
            column = lines[call].index("identity") + 1
            loc = await c.text_document_definition_async(
                lsp.DefinitionParams(**s.at(uri, call, column))
            )
            assert loc.range.start.line == header
            assert not s.logs, s.logs

    asyncio.run(scenario())
