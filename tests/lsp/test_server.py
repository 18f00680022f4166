"""The language server over stdio, driven by pygls's own client (a real LSP client)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT

pytest.importorskip("pygls", reason="the language server needs pygls (the lsp extra)")

from lsprotocol import types as lsp  # noqa: E402

from tests.lsp.client import session  # noqa: E402

BAD = (
    "input 28x28x1\nconv 32 k3 rellu\npool 2\nflatten\ndense 10 softmax\nloss binary_crossentropy\n"
)
FIXED = BAD.replace("rellu", "relu").replace("binary_", "sparse_categorical_")


def check_json(path) -> list[dict]:
    """What ``specdsl check --format json`` says about a file."""
    out = subprocess.run(
        [sys.executable, "-m", "specdsl", "check", "--format", "json", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    return json.loads(out.stdout)


def test_diagnostics_match_check_and_clear_when_fixed(tmp_path):
    path = tmp_path / "bad.spec"
    path.write_text(BAD)
    expected = check_json(path)
    assert [d["severity"] for d in expected] == ["error", "warning"]

    async def scenario():
        async with session() as s:
            uri = s.open(path)
            diags = await s.diagnostics(uri)
            assert len(diags) == len(expected)
            for got, want in zip(diags, expected, strict=True):
                assert got.message.splitlines()[0] == want["message"]
                assert got.source == "specdsl"
                severity = {
                    "error": lsp.DiagnosticSeverity.Error,
                    "warning": lsp.DiagnosticSeverity.Warning,
                }[want["severity"]]
                assert got.severity == severity
                assert (got.range.start.line, got.range.start.character) == (
                    want["line"] - 1,
                    want["column"] - 1,
                )
                assert (got.range.end.line, got.range.end.character) == (
                    want["end_line"] - 1,
                    want["end_column"] - 1,
                )
                assert f"hint: {want['hint']}" in got.message
            assert "expected: a Keras activation" in diags[0].message

            # the quick fix of "did you mean 'relu'?"
            actions = await s.client.text_document_code_action_async(
                lsp.CodeActionParams(
                    lsp.TextDocumentIdentifier(uri),
                    diags[0].range,
                    lsp.CodeActionContext(diagnostics=[diags[0]]),
                )
            )
            assert actions and actions[0].edit.changes[uri][0].new_text == "relu"

            s.change(uri, FIXED)
            assert await s.diagnostics(uri) == []  # cleared

            s.change(uri, FIXED + "conv 3 k99\n")  # a kernel larger than its input
            diags = await s.diagnostics(uri)
            assert diags and diags[0].range.start.line == 6
            assert not s.logs, s.logs

    asyncio.run(scenario())


def test_latency_on_the_biggest_zoo_spec():
    """Every change on the biggest zoo spec is answered by fresh diagnostics quickly."""
    zoo = max((ROOT / "specs" / "zoo").glob("*.spec"), key=lambda p: len(p.read_text()))
    text = zoo.read_text()

    async def scenario():
        async with session() as s:
            uri = s.open(zoo)
            assert await s.diagnostics(uri) == []
            times = []
            for i in range(10):
                broken = f"{text}\nconv 8 k3 rellu{i}\n"  # an unknown activation
                start = time.perf_counter()
                s.change(uri, broken if i % 2 == 0 else text)
                diags = await s.diagnostics(uri)
                times.append(time.perf_counter() - start)
                assert bool(diags) == (i % 2 == 0)
            times.sort()
            print(
                f"\nLSP diagnostics round trip on {zoo.name}: median "
                f"{times[len(times) // 2] * 1000:.1f} ms, worst {times[-1] * 1000:.1f} ms"
            )
            assert times[len(times) // 2] < 0.25  # no lag worth noticing, even on a busy CI

    asyncio.run(scenario())


def _hover_text(h) -> str:
    assert h is not None
    return h.contents.value


def test_hover_hints_completion_symbols_definition_formatting(tmp_path):
    spec = ROOT / "specs" / "vgg16_finetune.spec"
    lines = spec.read_text().splitlines()

    def find(text: str, word: str) -> tuple[int, int]:
        for n, line in enumerate(lines):
            if line.startswith(text):
                return n, line.index(word) + 1
        raise AssertionError(text)

    async def scenario():
        async with session() as s:
            c = s.client
            assert s.capabilities.inlay_hint_provider
            uri = s.open(spec)
            assert await s.diagnostics(uri) == []

            # a layer: its shape, params, MACs and trainable flag
            text = _hover_text(
                await c.text_document_hover_async(
                    lsp.HoverParams(**s.at(uri, *find("dense 256", "dense")))
                )
            )
            assert "(None, 256)" in text and "3,277,056" in text and "MACs: 3,276,800" in text
            assert "trainable: yes" in text
            # a base: its layer count and parameters
            text = _hover_text(
                await c.text_document_hover_async(
                    lsp.HoverParams(**s.at(uri, *find("base vgg16", "vgg16")))
                )
            )
            assert "19 layers" in text and "14,714,688" in text
            # an activation, a loss, an optimizer, a keyword: Keras terms
            for line, word, keras in [
                ("dense 1 sigmoid", "sigmoid", 'activation="sigmoid"'),
                ("loss", "binary_crossentropy", "keras.losses.BinaryCrossentropy"),
                ("optimizer rmsprop", "rmsprop", "keras.optimizers.RMSprop"),
                ("checkpoint", "checkpoint", "ModelCheckpoint"),
            ]:
                text = _hover_text(
                    await c.text_document_hover_async(
                        lsp.HoverParams(**s.at(uri, *find(line, word)))
                    )
                )
                assert keras in text, (word, text)

            # inlay hints: the output shape after each layer
            end = lsp.Position(len(lines), 0)
            hints = await c.text_document_inlay_hint_async(
                lsp.InlayHintParams(
                    lsp.TextDocumentIdentifier(uri), lsp.Range(lsp.Position(0, 0), end)
                )
            )
            by_line = {h.position.line: h.label for h in hints}
            assert by_line[find("flatten", "flatten")[0]] == "-> (None, 12800)"
            assert by_line[find("dense 1 sigmoid", "dense")[0]] == "-> (None, 1)"
            assert "14,714,688 params" in by_line[find("base vgg16", "base")[0]]

            # completion: by context
            async def labels(line: int, col: int) -> list[str]:
                res = await c.text_document_completion_async(
                    lsp.CompletionParams(**s.at(uri, line, col))
                )
                return [i.label for i in res.items]

            freeze_line = find("freeze vgg16", "vgg16")[0]
            assert {"vgg16", "block5_conv1", "dense"} <= set(await labels(freeze_line, 7))
            assert "binary_crossentropy" in await labels(find("loss", "loss")[0], 5)
            assert "adam" in await labels(find("optimizer rmsprop", "rmsprop")[0], 10)
            assert {"conv", "freeze", "stage"} <= set(await labels(len(lines), 0))

            # document symbols, definition, references
            syms = await c.text_document_document_symbol_async(
                lsp.DocumentSymbolParams(lsp.TextDocumentIdentifier(uri))
            )
            names = [sym.name for sym in syms]
            assert names[-2:] == ["feature_head", "finetune"] and "vgg16" in names
            base = next(sym for sym in syms if sym.name == "vgg16")
            assert len(base.children) == 19
            loc = await c.text_document_definition_async(
                lsp.DefinitionParams(**s.at(uri, freeze_line, 8))
            )
            assert loc.range.start.line == find("base vgg16", "base")[0]
            refs = await c.text_document_references_async(
                lsp.ReferenceParams(
                    context=lsp.ReferenceContext(include_declaration=True),
                    **s.at(uri, freeze_line, 8),
                )
            )
            assert len(refs) == 3  # base vgg16, freeze vgg16[:-4], freeze vgg16

            # formatting: the same text as `specdsl fmt --stdout`
            messy = tmp_path / "messy.spec"
            messy.write_text(
                "input 28x28x1\nconv   32 k3x3 relu ; pool 2\nflatten;dense 10 softmax\n"
            )
            fmt = subprocess.run(
                [sys.executable, "-m", "specdsl", "fmt", "--stdout", str(messy)],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            ).stdout
            muri = s.open(messy)
            await s.diagnostics(muri)
            edits = await c.text_document_formatting_async(
                lsp.DocumentFormattingParams(
                    lsp.TextDocumentIdentifier(muri), lsp.FormattingOptions(2, True)
                )
            )
            assert len(edits) == 1 and edits[0].new_text == fmt
            assert not s.logs, s.logs

    asyncio.run(scenario())


def test_server_imports_no_framework():
    code = (
        "import sys, specdsl.lsp.server\n"
        "bad = [m for m in ('tensorflow', 'torch', 'onnxruntime', 'keras') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


LENS_SPEC = "input 28x28x1\nconv 32 k3 relu; pool 2\nflatten\ndense 10 softmax\n"


def _doc_caps(**kw) -> lsp.ClientCapabilities:
    return lsp.ClientCapabilities(text_document=lsp.TextDocumentClientCapabilities(**kw))


def test_end_of_line_hints_as_code_lenses_where_the_client_lacks_inlay_hints(tmp_path):
    path = tmp_path / "lens.spec"
    path.write_text(LENS_SPEC)
    caps = lsp.ClientCapabilities(
        workspace=lsp.WorkspaceClientCapabilities(
            code_lens=lsp.CodeLensWorkspaceClientCapabilities(refresh_support=True)
        )
    )

    async def lenses(s, uri):
        got = await s.client.text_document_code_lens_async(
            lsp.CodeLensParams(lsp.TextDocumentIdentifier(uri))
        )
        return {(c.range.start.line, c.range.start.character): c.command.title for c in got}

    async def scenario():
        async with session(caps) as s:  # no textDocument.inlayHint: the lenses stand in
            assert s.capabilities.code_lens_provider is not None
            uri = s.open(path)
            await s.diagnostics(uri)
            assert await lenses(s, uri) == {
                (1, 0): "# -> (None, 13, 13, 32), 320 params",  # conv + pool: the line's end
                (2, 0): "# -> (None, 5408)",
                (3, 0): "# -> (None, 10), 54,090 params",
            }
            s.change(uri, LENS_SPEC.replace("conv 32", "conv 64"))
            await s.diagnostics(uri)
            assert (await lenses(s, uri))[(1, 0)] == "# -> (None, 13, 13, 64), 640 params"
            assert s.lens_refreshes >= 2  # after each analysis, so the editor asks again
            assert not s.logs, s.logs

        async with session(_doc_caps(inlay_hint=lsp.InlayHintClientCapabilities())) as s:
            uri = s.open(path)  # a client with inlay hints gets those, not the same text twice
            await s.diagnostics(uri)
            assert await lenses(s, uri) == {}

        async with session(
            _doc_caps(inlay_hint=lsp.InlayHintClientCapabilities()),
            {"endOfLineHints": "codeLens"},
        ) as s:
            uri = s.open(path)  # asked for by the editor's settings
            await s.diagnostics(uri)
            assert len(await lenses(s, uri)) == 3

    asyncio.run(scenario())
