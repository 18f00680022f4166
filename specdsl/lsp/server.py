"""The language server: pygls over stdio, one analysis per open document version.

Every change re-runs :func:`specdsl.api.diagnose` on the whole text (a few milliseconds for
the biggest zoo spec) and publishes its diagnostics; hovers, hints, symbols and completion
read that analysis. A failure inside specdsl never reaches the editor as a traceback: it is
logged to the client and shown as one diagnostic.
"""

from __future__ import annotations

import functools
import re
import traceback

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from specdsl import __version__
from specdsl.api import diagnose
from specdsl.diagnostics import Diagnostic
from specdsl.lsp import completion, hover, inlay, symbols
from specdsl.lsp.document import SpecDocument

server = LanguageServer("specdsl", __version__)
_docs: dict[str, SpecDocument] = {}
_DID_YOU_MEAN = re.compile(r"did you mean '([^']+)'\?")


def _message(d: Diagnostic) -> str:
    """The message with check's ``expected`` and ``hint`` lines."""
    lines = [d.message]
    if d.expected:
        lines.append(f"expected: {d.expected}")
    if d.hint:
        lines.append(f"hint: {d.hint}")
    return "\n".join(lines)


def to_lsp(doc: SpecDocument, d: Diagnostic) -> lsp.Diagnostic:
    severity = lsp.DiagnosticSeverity.Error
    if d.severity == "warning":
        severity = lsp.DiagnosticSeverity.Warning
    data = None
    if d.hint and (m := _DID_YOU_MEAN.search(d.hint)):
        data = {"replacement": m.group(1)}
    return lsp.Diagnostic(doc.range(d.span), _message(d), severity, source="specdsl", data=data)


def analyze(uri: str, text: str) -> SpecDocument:
    """Check ``text`` as ``specdsl check`` would and keep the result for the other features."""
    path = to_fs_path(uri) if uri.startswith("file:") else None
    doc = SpecDocument(uri, text, path)
    try:
        doc.analysis, doc.diagnostics = diagnose(text, path)
    except Exception as e:  # a bug in specdsl: say so, once, without a traceback
        doc.failure = f"specdsl could not check this spec ({type(e).__name__}: {e})"
        server.window_log_message(
            lsp.LogMessageParams(lsp.MessageType.Error, traceback.format_exc())
        )
    _docs[uri] = doc
    return doc


def publish(doc: SpecDocument) -> None:
    items = [to_lsp(doc, d) for d in doc.diagnostics]
    if doc.failure:
        items.append(lsp.Diagnostic(doc.range(None), doc.failure, source="specdsl"))
    server.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(doc.uri, items))
    workspace = server.client_capabilities.workspace
    lens = workspace.code_lens if workspace is not None else None
    if lens is not None and lens.refresh_support and wants_code_lenses(server):
        server.workspace_code_lens_refresh(None)  # the shapes after an edit


def document(uri: str) -> SpecDocument:
    text = server.workspace.get_text_document(uri).source
    doc = _docs.get(uri)
    return doc if doc is not None and doc.text == text else analyze(uri, text)


def safe(fn):
    """A feature that fails answers nothing and logs why (never a traceback in the editor)."""

    @functools.wraps(fn)
    def wrapper(ls, params):
        try:
            return fn(ls, params)
        except Exception:
            ls.window_log_message(
                lsp.LogMessageParams(lsp.MessageType.Error, traceback.format_exc())
            )
            return None

    return wrapper


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
@safe
def did_open(ls, params: lsp.DidOpenTextDocumentParams):
    publish(analyze(params.text_document.uri, params.text_document.text))


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
@safe
def did_change(ls, params: lsp.DidChangeTextDocumentParams):
    uri = params.text_document.uri
    publish(analyze(uri, ls.workspace.get_text_document(uri).source))


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
@safe
def did_close(ls, params: lsp.DidCloseTextDocumentParams):
    _docs.pop(params.text_document.uri, None)
    ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(params.text_document.uri, []))


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
@safe
def on_hover(ls, params: lsp.HoverParams):
    return hover.hover(document(params.text_document.uri), params.position)


@server.feature(lsp.TEXT_DOCUMENT_INLAY_HINT, lsp.InlayHintOptions(resolve_provider=False))
@safe
def on_inlay_hint(ls, params: lsp.InlayHintParams):
    return inlay.inlay_hints(document(params.text_document.uri), params.range)


# End-of-line hints as code lenses: "auto" (the default) when the client has no inlay hints;
# the initialization option {"endOfLineHints": "codeLens"} always, "off" never.
_settings: dict[str, str] = {"endOfLineHints": "auto"}


@server.feature(lsp.INITIALIZE)
@safe
def on_initialize(ls, params: lsp.InitializeParams):
    options = params.initialization_options
    if isinstance(options, dict) and options.get("endOfLineHints") in ("auto", "codeLens", "off"):
        _settings["endOfLineHints"] = options["endOfLineHints"]


def wants_code_lenses(ls) -> bool:
    mode = _settings["endOfLineHints"]
    if mode == "auto":
        return not inlay.client_has_inlay_hints(ls.client_capabilities)
    return mode == "codeLens"


@server.feature(lsp.TEXT_DOCUMENT_CODE_LENS, lsp.CodeLensOptions(resolve_provider=False))
@safe
def on_code_lens(ls, params: lsp.CodeLensParams):
    if not wants_code_lenses(ls):
        return []
    return inlay.code_lenses(document(params.text_document.uri))


@server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=[" "]))
@safe
def on_completion(ls, params: lsp.CompletionParams):
    items = completion.completions(document(params.text_document.uri), params.position)
    return lsp.CompletionList(is_incomplete=False, items=items)


@server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
@safe
def on_formatting(ls, params: lsp.DocumentFormattingParams):
    from specdsl.syntax.format import format_spec
    from specdsl.syntax.parse import parse_with_diagnostics

    doc = document(params.text_document.uri)
    spec, diags = parse_with_diagnostics(doc.text, doc.file)
    if spec is None or diags.has_errors:
        return None  # as `specdsl fmt`: a spec with errors is left alone
    new = format_spec(spec, doc.text)
    if new == doc.text:
        return []
    end = lsp.Position(len(doc.lines), 0)
    return [lsp.TextEdit(lsp.Range(lsp.Position(0, 0), end), new)]


@server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
@safe
def on_symbols(ls, params: lsp.DocumentSymbolParams):
    return symbols.document_symbols(document(params.text_document.uri))


@server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
@safe
def on_definition(ls, params: lsp.DefinitionParams):
    return symbols.definition(document(params.text_document.uri), params.position)


@server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
@safe
def on_references(ls, params: lsp.ReferenceParams):
    doc = document(params.text_document.uri)
    return symbols.references(doc, params.position, params.context.include_declaration)


@server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION)
@safe
def on_code_action(ls, params: lsp.CodeActionParams):
    """A quick fix for every "did you mean 'x'?" hint."""
    actions = []
    for d in params.context.diagnostics:
        if isinstance(d.data, dict) and "replacement" in d.data:
            new = d.data["replacement"]
            edit = lsp.WorkspaceEdit(
                changes={params.text_document.uri: [lsp.TextEdit(d.range, new)]}
            )
            actions.append(
                lsp.CodeAction(
                    f"Replace with '{new}'",
                    lsp.CodeActionKind.QuickFix,
                    diagnostics=[d],
                    edit=edit,
                    is_preferred=True,
                )
            )
    return actions


def serve() -> None:
    """Run the server on stdin/stdout until the client says exit."""
    server.start_io()
