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
