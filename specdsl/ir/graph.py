"""Graph facts over IR layers: what each layer reads, and Keras's order of a graph's layers."""

from __future__ import annotations

from collections.abc import Sequence

from specdsl.ir.layers import INPUT


def resolved_inputs(layers: Sequence) -> list[tuple[str, ...]]:
    """What each layer reads: the names it gives, else the layer before it (else the input)."""
    out = []
    prev = INPUT
    for layer in layers:
        out.append(tuple(layer.inputs) or (prev,))
        prev = layer.name
    return out


def is_graph(layers: Sequence) -> bool:
    return any(layer.inputs for layer in layers)


def keras_order(names: Sequence[str], reads: Sequence[tuple[str, ...]]) -> list[str]:
    """The names in the order of a Keras functional model's ``.layers`` built on them, the
    input (:data:`INPUT`) first, the last name being the output.

    Keras (``keras/src/ops/function.py``, ``map_graph``) walks depth-first from the output,
    numbering each layer when first reached, gives every layer a depth (its longest path to
    the output), and lists the layers by decreasing depth, ties in the order they were
    reached. Layers that do not lead to the output are not in the model. Written here, not
    asked of Keras, because the checks and every target need the order without TensorFlow.
    """
    inputs_of = dict(zip(names, reads, strict=True))
    inputs_of.setdefault(INPUT, ())
    if not names:
        return [INPUT]
    index: dict[str, int] = {}
    post: list[str] = []
    done: set[str] = set()
    stack = [(names[-1], iter(inputs_of[names[-1]]))]
    index[names[-1]] = 0
    while stack:  # iterative depth-first walk: deep models do not hit the recursion limit
        node, pending = stack[-1]
        nxt = next(pending, None)
        if nxt is None:
            stack.pop()
            done.add(node)
            post.append(node)
            continue
        if nxt in done or any(nxt == n for n, _ in stack):
            continue
        index.setdefault(nxt, len(index))
        stack.append((nxt, iter(inputs_of.get(nxt, ()))))
    depth: dict[str, int] = {}
    for node in reversed(post):
        d = depth.setdefault(node, 0)
        for parent in inputs_of.get(node, ()):
            depth[parent] = max(d + 1, depth.get(parent, 0))
    return sorted(post, key=lambda n: (-depth[n], index[n]))


def reading_order(names: Sequence[str], reads: Sequence[tuple[str, ...]]) -> list[str]:
    """An order to write a graph's layers in code: each layer after what it reads, and the
    layer that reads the one just written next where there is one, so a block's main path
    reads as a chain and its shortcut comes after it (as torchvision's resnet.py writes it).
    Ties go by the order given. Code written from Keras's order of ``.layers`` (by depth)
    would interleave the two paths line by line."""
    position = {n: i for i, n in enumerate(names)}
    need = {n: {s for s in r if s in position} for n, r in zip(names, reads, strict=True)}
    readers: dict[str, list[str]] = {}
    for n, r in zip(names, reads, strict=True):
        for s in r:
            readers.setdefault(s, []).append(n)
    ready = sorted((n for n in names if not need[n]), key=position.__getitem__)
    out: list[str] = []
    while ready:
        last = out[-1] if out else INPUT
        follow = [n for n in ready if last in dict.fromkeys(reads[position[n]])]
        pick = follow[0] if follow else ready[0]
        ready.remove(pick)
        out.append(pick)
        for reader in readers.get(pick, ()):
            need[reader].discard(pick)
            if not need[reader] and reader not in out and reader not in ready:
                ready.append(reader)
        ready.sort(key=position.__getitem__)
    return out


def as_keras_list(layers: Sequence) -> tuple:
    """A base's layers in the order of Keras's ``conv_base.layers``: a chain as written; a
    graph (ResNet50) in Keras's order, each layer naming what it reads (the order changes, so
    "the layer above" would no longer mean the same)."""
    if not is_graph(layers):
        return tuple(layers)
    reads = resolved_inputs(layers)
    by_name = {layer.name: (layer, r) for layer, r in zip(layers, reads, strict=True)}
    order = keras_order([layer.name for layer in layers], reads)
    return tuple(
        by_name[n][0].model_copy(update={"inputs": by_name[n][1]}) for n in order if n in by_name
    )
