"""Document symbols (layers, bases, stages), go to definition and references for their names."""

from __future__ import annotations

import re

from lsprotocol import types as lsp

from specdsl.ir import kind_of
from specdsl.lsp.document import SpecDocument
from specdsl.lsp.hover import shape_text
from specdsl.syntax.format_comments import comment_start
from specdsl.zoo import zoo_path


def document_symbols(doc: SpecDocument) -> list[lsp.DocumentSymbol]:
    out = []
    for info in doc.layers():
        if info.layer.span is None:
            continue
        rng = doc.range(info.layer.span)
        detail = f"{kind_of(info.layer).keras_class} {shape_text(info.output_shape)}"
        children = None
        if info.kind == "base":
            detail = f"base {info.layer.arch}, {len(info.children)} layers {detail}"
            children = [
                lsp.DocumentSymbol(
                    c.name,
                    lsp.SymbolKind.Function,
                    rng,
                    rng,
                    detail=f"{kind_of(c.layer).keras_class} {shape_text(c.output_shape)}",
                )
                for c in info.children
            ]
        kind = lsp.SymbolKind.Module if children is not None else lsp.SymbolKind.Function
        out.append(lsp.DocumentSymbol(info.name, kind, rng, rng, detail, children=children))
    if doc.analysis is not None:
        for block in doc.analysis.spec.blocks:  # block NAME(...): ... end
            if block.span is None:
                continue
            end = block.end_span or block.span
            rng = lsp.Range(doc.range(block.span).start, doc.range(end).end)
            params = ", ".join(
                p.name if p.default is None else f"{p.name}={p.default}" for p in block.params
            )
            out.append(
                lsp.DocumentSymbol(
                    block.name,
                    lsp.SymbolKind.Class,
                    rng,
                    doc.range(block.span),
                    f"block({params}), {len(block.body)} statements",
                )
            )
        for stage in doc.analysis.spec.training.stages:
            if stage.span is not None:
                rng = doc.range(stage.span)
                out.append(
                    lsp.DocumentSymbol(stage.name, lsp.SymbolKind.Namespace, rng, rng, "stage")
                )
    return out


def _zoo_location(arch: str, span) -> lsp.Location | None:
    path = zoo_path(arch)
    if path is None:
        return None
    line, col = (span.line - 1, span.column - 1) if span else (0, 0)
    pos = lsp.Position(line, col)
    return lsp.Location(path.resolve().as_uri(), lsp.Range(pos, pos))


def definition(doc: SpecDocument, pos: lsp.Position) -> lsp.Location | None:
    found = doc.word_at(pos)
    if found is None or doc.analysis is None:
        return None
    word = found[0]
    for info in doc.layers():
        if info.name == word and info.layer.span is not None:
            return lsp.Location(doc.uri, doc.range(info.layer.span))
        if info.kind == "base":
            if info.layer.arch == word:
                return _zoo_location(word, None)
            for child in info.children:
                if child.name == word:
                    return _zoo_location(info.layer.arch, child.layer.span)
    for stage in doc.analysis.spec.training.stages:
        if stage.name == word and stage.span is not None:
            return lsp.Location(doc.uri, doc.range(stage.span))
    for block in doc.analysis.spec.blocks:
        if block.name == word and block.span is not None:
            return lsp.Location(doc.uri, doc.range(block.span))
    return None


def _names(doc: SpecDocument) -> set[str]:
    names = set()
    for info in doc.layers():
        names.add(info.name)
        names.update(c.name for c in info.children)
        if info.kind == "base":
            names.add(info.layer.arch)
    return names


def references(doc: SpecDocument, pos: lsp.Position, declaration: bool) -> list[lsp.Location]:
    found = doc.word_at(pos)
    if found is None or found[0] not in _names(doc):
        return []
    word = found[0]
    pattern = re.compile(rf"(?<![A-Za-z0-9_.\-]){re.escape(word)}(?![A-Za-z0-9_.\-])")
    out = []
    here = definition(doc, pos)
    for n, line in enumerate(doc.lines):
        stop = comment_start(line)
        for m in pattern.finditer(line if stop is None else line[:stop]):
            start = doc.position(n + 1, m.start() + 1)
            end = doc.position(n + 1, m.end() + 1)
            loc = lsp.Location(doc.uri, lsp.Range(start, end))
            is_decl = here is not None and here.uri == doc.uri and here.range.start == start
            if declaration or not is_decl:
                out.append(loc)
    return out
