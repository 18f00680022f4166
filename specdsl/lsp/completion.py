"""Completion by context: what may come next in the statement the cursor is in."""

from __future__ import annotations

from functools import lru_cache

from lsprotocol import types as lsp

from specdsl.ir import vocab
from specdsl.ir.kinds import KINDS
from specdsl.lsp.docs import OPTIONS, doc_for
from specdsl.lsp.document import SpecDocument, char_column, statement_before
from specdsl.zoo import zoo_names

Kind = lsp.CompletionItemKind


@lru_cache(maxsize=1)
def statement_words() -> tuple[str, ...]:
    """Words that start a statement: the grammar's own list, and every layer keyword."""
    from specdsl.syntax.errors import STATEMENT_WORDS, keywords

    known = set(keywords())
    layer_words = [w for k in KINDS for w in k.keywords]
    return tuple(dict.fromkeys(w for w in [*STATEMENT_WORDS, *layer_words] if w in known))


@lru_cache(maxsize=1)
def _layer_kinds() -> dict[str, str]:
    """Layer keyword -> kind."""
    return {w: k.kind for k in KINDS for w in k.keywords}


# What follows a statement word: (the words, their completion kind).
_AFTER = {
    "loss": (vocab.LOSSES, Kind.Value),
    "optimizer": (tuple(vocab.OPTIMIZERS), Kind.Value),
    "metrics": (vocab.METRICS, Kind.Value),
    "activation": (vocab.ACTIVATIONS, Kind.Value),
    "preprocess": (vocab.PREPROCESS_MODES, Kind.Value),
    "strategy": (vocab.STRATEGIES, Kind.Value),
    "precision": (vocab.PRECISIONS, Kind.Value),
    "checkpoint": (("best", "none"), Kind.Keyword),
    "best": (vocab.CHECKPOINT_MONITORS, Kind.Value),
    "flip": (("horizontal", "vertical", "horizontal_and_vertical"), Kind.EnumMember),
}
_WINDOWED_FLAGS = ("same", "valid")
_CONV_FLAGS = ("same", "valid", "nobias")


def _item(word: str, kind: Kind, insert: str | None = None) -> lsp.CompletionItem:
    d = doc_for(word)
    return lsp.CompletionItem(
        label=word,
        kind=kind,
        detail=d.group if d else None,
        documentation=(lsp.MarkupContent(lsp.MarkupKind.Markdown, d.markdown()) if d else None),
        insert_text=insert,
    )


def _option_items(statement: str) -> list[lsp.CompletionItem]:
    return [
        lsp.CompletionItem(
            label=f"{name}=",
            kind=Kind.Property,
            detail="option",
            documentation=meaning,
        )
        for name, meaning in OPTIONS.get(statement, {}).items()
    ]


def _layer_args(word: str) -> list[lsp.CompletionItem]:
    kind = _layer_kinds()[word]
    items: list[lsp.CompletionItem] = []
    if kind in ("conv", "dwconv", "sepconv", "dense"):
        flags = _CONV_FLAGS if kind != "dense" else ("nobias",)
        items += [_item(f, Kind.Keyword) for f in flags]
        items += [_item(a, Kind.Value) for a in vocab.ACTIVATIONS]
    elif kind in ("maxpool", "avgpool"):
        items += [_item(f, Kind.Keyword) for f in _WINDOWED_FLAGS]
    return items + _option_items(kind)


def _targets(doc: SpecDocument) -> list[lsp.CompletionItem]:
    items = []
    for info in doc.layers():
        if info.kind == "base":
            items.append(
                lsp.CompletionItem(
                    info.name, kind=Kind.Module, detail=f"base, {len(info.children)} layers"
                )
            )
            items += [
                lsp.CompletionItem(c.name, kind=Kind.Field, detail=f"layer of {info.name}")
                for c in info.children
            ]
        else:
            items.append(lsp.CompletionItem(info.name, kind=Kind.Field, detail="layer"))
    return items


def completions(doc: SpecDocument, pos: lsp.Position) -> list[lsp.CompletionItem]:
    line = doc.line(pos.line)
    head = statement_before(line, char_column(line, pos.character))
    if head == "#":
        return []
    words = head.split()
    if head and not head[-1].isspace():
        words = words[:-1]  # the word being typed
    if not words:
        return [_item(w, Kind.Keyword) for w in statement_words()]
    first, last = words[0], words[-1]
    if first in ("freeze", "unfreeze"):
        return _targets(doc) if len(words) == 1 else []
    if first == "base":
        if len(words) == 1:
            return [_item(z, Kind.Module) for z in zoo_names()]
        return _option_items("base")
    if last in _AFTER and (first == last or last == "best"):
        values, kind = _AFTER[last]
        return [_item(v, kind) for v in values]
    if first == "optimizer":
        return _option_items("optimizer")
    if first == "augment":
        ops = [w for k in KINDS if k.role == "augmentation" for w in k.keywords]
        return [_item(w, Kind.Keyword) for w in ops]
    if first in _layer_kinds():
        return _layer_args(first)
    return []
