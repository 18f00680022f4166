"""Sequence alignment of two layer lists (Needleman-Wunsch with a similarity score).

Two layers can only be paired when they are of the same kind; a pair scores more when the
hyperparameters agree and when the names agree (a name written in the spec counts more than
one of Keras's automatic names, which shift when a layer is inserted). Gaps cost nothing, so
the alignment is a weighted longest common subsequence: the largest total similarity that keeps
both orders. Ties are broken towards pairing earlier layers, which reads naturally in a diff.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from specdsl import ir

T = TypeVar("T")


@dataclass(frozen=True)
class Pair(Generic[T]):
    old: T | None
    new: T | None
    old_index: int | None
    new_index: int | None


def align(old: Sequence[T], new: Sequence[T], score: Callable[[T, T], float]) -> list[Pair[T]]:
    """Pairs of aligned items in order; an unpaired item has ``None`` on the other side.

    ``score(a, b)`` is the similarity of a pairing, or a value <= 0 if they must not pair.
    """
    n, m = len(old), len(new)
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    cache: dict[tuple[int, int], float] = {}
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            s = score(old[i], new[j])
            cache[i, j] = s
            take = best[i + 1][j + 1] + s if s > 0 else float("-inf")
            best[i][j] = max(take, best[i + 1][j], best[i][j + 1])
    out: list[Pair[T]] = []
    i = j = 0
    while i < n and j < m:
        s = cache[i, j]
        if s > 0 and best[i][j] == best[i + 1][j + 1] + s:
            out.append(Pair(old[i], new[j], i, j))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            out.append(Pair(old[i], None, i, None))
            i += 1
        else:
            out.append(Pair(None, new[j], None, j))
            j += 1
    out.extend(Pair(old[k], None, k, None) for k in range(i, n))
    out.extend(Pair(None, new[k], None, k) for k in range(j, m))
    return _removals_first(out)


def _removals_first(pairs: list[Pair[T]]) -> list[Pair[T]]:
    """Within a run of unpaired items, list the removed ones before the added ones."""
    out: list[Pair[T]] = []
    run: list[Pair[T]] = []
    for p in pairs:
        if p.old is not None and p.new is not None:
            out.extend(sorted(run, key=lambda q: q.old is None))
            run = []
            out.append(p)
        else:
            run.append(p)
    out.extend(sorted(run, key=lambda q: q.old is None))
    return out


# ---- layer signatures ------------------------------------------------------------------------

IGNORED_FIELDS = ("name", "kind", "span", "text", "layers")


def hyperparams(layer) -> dict:
    """A layer's settings as plain data, without its name, kind, span or inner layers."""
    data = ir.strip_spans(layer)
    out = {k: v for k, v in data.items() if k not in IGNORED_FIELDS}
    if out.get("activation") == "linear" and layer.kind != "activation":
        out["activation"] = None  # Keras's "linear" is no activation at all
    if out.get("activation") == "silu":
        out["activation"] = "swish"  # two Keras names of one function
    return out


def auto_name_prefix(layer) -> str:
    return ir.AutoNames.prefix(layer.kind, getattr(layer, "arch", None))


def is_auto_name(layer) -> bool:
    """True for Keras's automatic names (``conv2d``, ``conv2d_3``), which carry little meaning."""
    prefix = auto_name_prefix(layer)
    name = layer.name
    if name == prefix:
        return True
    head, _, tail = name.rpartition("_")
    return head == prefix and tail.isdigit()


def layer_score(a, b) -> float:
    """Similarity of two IR layers; 0 when they are of different kinds."""
    if a.kind != b.kind:
        return 0.0
    score = 1.0
    if hyperparams(a) == hyperparams(b):
        score += 2.0
    if a.name == b.name:
        score += 0.5 if is_auto_name(a) else 3.0
    if a.kind == "base" and a.arch == b.arch:
        score += 2.0
    return score
