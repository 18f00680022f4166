"""Inlay hints: the output shape after each layer, like the comments in the lecture's listings."""

from __future__ import annotations

from lsprotocol import types as lsp

from specdsl.lsp.document import SpecDocument
from specdsl.lsp.hover import shape_text


def hint_label(info) -> str:
    label = f"-> {shape_text(info.output_shape)}"
    if info.kind == "base":
        label += f", {info.params:,} params"
    return label


def inlay_hints(doc: SpecDocument, visible: lsp.Range | None = None) -> list[lsp.InlayHint]:
    hints = []
    for info in doc.layers():
        span = info.layer.span
        if span is None:
            continue
        if visible is not None and not (
            visible.start.line <= span.end_line - 1 <= visible.end.line
        ):
            continue
        hints.append(
            lsp.InlayHint(
                position=doc.position(span.end_line, span.end_column),
                label=hint_label(info),
                kind=lsp.InlayHintKind.Type,
                padding_left=True,
            )
        )
    return hints


# ---- the same hints where the client has no inlay hints: code lenses -----------------------
# A client that does not announce textDocument.inlayHint (Vim and Emacs clients, older
# editors) gets one code lens per layer line instead, titled like a comment in the lecture's
# listings: "# -> (None, 26, 26, 32), 320 params". Neovim draws code lenses at the end of the
# line; VS Code above it. The lens has no command: it only shows text.


def line_label(infos: list) -> str:
    """The end-of-line hint of a line: the last layer's output, the line's parameters."""
    label = f"# -> {shape_text(infos[-1].output_shape)}"
    params = sum(info.params for info in infos)
    if params:
        label += f", {params:,} params"
    return label


def code_lenses(doc: SpecDocument) -> list[lsp.CodeLens]:
    lines: dict[int, list] = {}
    for info in doc.layers():
        if info.layer.span is not None:
            lines.setdefault(info.layer.span.end_line, []).append(info)
    lenses = []
    for _, infos in sorted(lines.items()):
        first, last = infos[0].layer.span, infos[-1].layer.span
        where = lsp.Range(
            doc.position(first.line, first.column), doc.position(last.end_line, last.end_column)
        )
        lenses.append(lsp.CodeLens(where, lsp.Command(line_label(infos), "")))
    return lenses


def client_has_inlay_hints(capabilities: lsp.ClientCapabilities | None) -> bool:
    docs = capabilities.text_document if capabilities is not None else None
    return docs is not None and docs.inlay_hint is not None
