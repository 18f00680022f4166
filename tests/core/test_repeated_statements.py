"""A repeated statement is lowered by replaying its first place (specdsl.syntax.moved.Repeat):
the spec and every diagnostic are exactly those of lowering a moved copy of each repeat."""

from __future__ import annotations

import pytest

from specdsl.diagnostics import Diagnostics
from specdsl.syntax import parse
from specdsl.syntax.blocks import take_blocks

BODY = [
    "conv 8 k1 same relu",
    "batchnorm",
    "activation relu",
    "dropout 0.1",
    "# a comment",
    "conv 8 k3 same nobias; activation relu",
    "  batchnorm  # indented, then a comment",
]

CASES = {
    "repetitive": ["model m", "input 28x28x1", *BODY * 6, "flatten", "dense 10 softmax"],
    "named and read": [
        "model m", "input 16x16x3", "a: conv 4 k3 same", *BODY[:3] * 2,
        "conv 4 k1 from a", "conv 4 k1 from a", "add a, conv2d_3", *BODY[:3] * 2,
        "gap", "dense 2 softmax",
    ],
    "with errors and warnings": [
        "model m", "input 28x28x1", *BODY * 2, "dropout 1.5", "dropout 1.5", "convv 8 k3",
        "convv 8 k3", "conv 8 k3 rellu", "conv 8 k3 rellu", *BODY * 2, "dense 3",
        "flatten", "dense 3 softmax", "dense 3 softmax", "epochs 2", "epochs 2",
    ],
    "stages": [
        "model m", "input 28x28x1", *BODY[:3] * 2, "flatten", "dense 2 softmax",
        "loss sparse_categorical_crossentropy", "stage a:", "epochs 1", "stage b:", "epochs 1",
        "batchnorm", "batchnorm",
    ],
}  # fmt: skip


def _lowered(text: str, lazy: bool):
    rest, taken = take_blocks(text)
    tree, errors, failed = parse.parse_statements(rest, lazy=lazy)
    spec, diags = parse._lower(tree, Diagnostics(errors), failed, taken, "t.spec", None)
    return spec, [(d.severity, d.message, d.span) for d in diags]


@pytest.mark.parametrize("case", sorted(CASES))
def test_replayed_repeats_equal_moved_copies(case):
    text = "\n".join(CASES[case]) + "\n"
    eager, lazy = _lowered(text, lazy=False), _lowered(text, lazy=True)
    assert lazy[1] == eager[1]  # the same diagnostics, at the same places
    if eager[0] is None:
        assert lazy[0] is None
    else:
        assert lazy[0].model_dump() == eager[0].model_dump()  # layers, names, spans


def test_the_check_replays_repeats(monkeypatch):
    """parse_with_diagnostics (what check and the editor run) takes the lazy path."""
    from specdsl.syntax import lower

    replayed = []
    original = lower.Lowerer._replay

    def counting(self, stmt):
        replayed.append(original(self, stmt))
        return replayed[-1]

    monkeypatch.setattr(lower.Lowerer, "_replay", counting)
    spec, diags = parse.parse_with_diagnostics("\n".join(CASES["repetitive"]) + "\n", "t.spec")
    assert spec is not None and not diags.has_errors
    assert sum(replayed) >= 30  # 6 rounds of the body: all but the first are replays
