"""A real LSP client (pygls's) driving ``python -m specdsl lsp`` over stdio."""

from __future__ import annotations

import asyncio
import sys
from contextlib import asynccontextmanager
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

from tests.conftest import ROOT

TIMEOUT = 30.0


class Session:
    """The client, plus the diagnostics the server published, per URI, as they arrive."""

    def __init__(self, client: LanguageClient):
        self.client = client
        self.published: dict[str, asyncio.Queue] = {}
        self.logs: list[str] = []
        self.versions: dict[str, int] = {}
        self.lens_refreshes = 0  # workspace/codeLens/refresh requests from the server

    def queue(self, uri: str) -> asyncio.Queue:
        return self.published.setdefault(uri, asyncio.Queue())

    async def diagnostics(self, uri: str) -> list[lsp.Diagnostic]:
        """The next diagnostics published for ``uri``."""
        return await asyncio.wait_for(self.queue(uri).get(), TIMEOUT)

    def open(self, path: Path, text: str | None = None) -> str:
        uri = path.resolve().as_uri()
        text = path.read_text(encoding="utf-8") if text is None else text
        self.versions[uri] = 1
        item = lsp.TextDocumentItem(uri, "specdsl", 1, text)
        self.client.text_document_did_open(lsp.DidOpenTextDocumentParams(item))
        return uri

    def change(self, uri: str, text: str) -> None:
        self.versions[uri] += 1
        doc = lsp.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri])
        change = lsp.TextDocumentContentChangeWholeDocument(text=text)
        self.client.text_document_did_change(lsp.DidChangeTextDocumentParams(doc, [change]))

    @staticmethod
    def at(uri: str, line: int, character: int) -> dict:
        return {
            "text_document": lsp.TextDocumentIdentifier(uri),
            "position": lsp.Position(line, character),
        }


@asynccontextmanager
async def session(capabilities: lsp.ClientCapabilities | None = None, initialization_options=None):
    """A started server; the client announces ``capabilities`` (none by default)."""
    client = LanguageClient("specdsl-tests", "1")
    s = Session(client)

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def _published(params: lsp.PublishDiagnosticsParams):
        s.queue(params.uri).put_nowait(list(params.diagnostics))

    @client.feature(lsp.WORKSPACE_CODE_LENS_REFRESH)
    def _refresh(params):
        s.lens_refreshes += 1

    @client.feature(lsp.WINDOW_LOG_MESSAGE)
    def _log(params: lsp.LogMessageParams):
        s.logs.append(params.message)

    await client.start_io(sys.executable, "-m", "specdsl", "lsp", cwd=str(ROOT))
    try:
        result = await asyncio.wait_for(
            client.initialize_async(
                lsp.InitializeParams(
                    capabilities=capabilities or lsp.ClientCapabilities(),
                    root_uri=ROOT.as_uri(),
                    initialization_options=initialization_options,
                )
            ),
            TIMEOUT,
        )
        client.initialized(lsp.InitializedParams())
        s.capabilities = result.capabilities
        yield s
        await asyncio.wait_for(client.shutdown_async(None), TIMEOUT)
        client.exit(None)
    finally:
        server = client._server  # a failed test must not leave the server behind
        if server is not None and server.returncode is None and not client.stopped:
            try:
                await asyncio.wait_for(server.wait(), 2)
            except asyncio.TimeoutError:
                server.kill()
        await client.stop()
