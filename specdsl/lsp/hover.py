"""Hovers: a layer's numbers, a base's size, a word's meaning in Keras terms."""

from __future__ import annotations

from lsprotocol import types as lsp

from specdsl.check.analysis import LayerInfo
from specdsl.ir import kind_of
from specdsl.lsp.docs import doc_for
from specdsl.lsp.document import SpecDocument


def shape_text(shape) -> str:
    """Keras's way: ``(None, 26, 26, 32)``."""
    return "(" + ", ".join(["None", *map(str, shape)]) + ")"


def layer_markdown(info: LayerInfo) -> str:
    """Output shape, parameters (trainable / frozen), MACs and the trainable flag."""
    kind = kind_of(info.layer)
    title = f"**{info.name}** ({kind.keras_class})"
    if info.kind == "base":
        title = f"**{info.name}**: base `{info.layer.arch}`, {len(info.children)} layers"
    lines = [
        title,
        "",
        f"- output shape: `{shape_text(info.output_shape)}`",
        f"- params: {info.params:,} (trainable {info.trainable_params:,}, "
        f"non-trainable {info.non_trainable_params:,})",
        f"- MACs: {info.total_macs:,}",
    ]
    if info.children:
        frozen = sum(not c.trainable for c in info.children)
        lines.append(f"- trainable: {len(info.children) - frozen} layers, frozen: {frozen}")
    else:
        lines.append(f"- trainable: {'yes' if info.trainable else 'no (frozen)'}")
    if info.parent:
        lines.append(f"- inside base `{info.parent}`")
    return "\n".join(lines)


def hover(doc: SpecDocument, pos: lsp.Position) -> lsp.Hover | None:
    found = doc.word_at(pos)
    if found is None:
        return None
    word, where = found
    info = doc.layer_at(pos)
    word_doc = doc_for(word)
    parts: list[str] = []
    if info is not None and (word_doc is None or word_doc.group in ("layer", "statement")):
        parts.append(layer_markdown(info))
    elif word_doc is None and (target := doc.find(word)) is not None:
        parts.append(layer_markdown(target))  # a layer or base named in freeze / unfreeze
    elif word_doc is None and (base := _base_by_arch(doc, word)) is not None:
        parts.append(layer_markdown(base))
    if word_doc is not None:
        parts.append(word_doc.markdown())
    if not parts:
        return None
    value = "\n\n---\n\n".join(parts)
    return lsp.Hover(lsp.MarkupContent(lsp.MarkupKind.Markdown, value), where)


def _base_by_arch(doc: SpecDocument, word: str) -> LayerInfo | None:
    for info in doc.layers():
        if info.kind == "base" and info.layer.arch == word:
            return info
    return None
