"""Every word of the language has a written meaning, and every listed option parses."""

from __future__ import annotations

import pytest

pytest.importorskip("lsprotocol", reason="the language server needs pygls (the lsp extra)")

from specdsl.api import diagnose  # noqa: E402
from specdsl.ir import vocab  # noqa: E402
from specdsl.ir.kinds import KINDS  # noqa: E402
from specdsl.lsp.docs import (  # noqa: E402
    ACTIVATION_MEANINGS,
    LAYER_MEANINGS,
    LOSS_MEANINGS,
    OPTIMIZER_CLASSES,
    OPTIONS,
    doc_for,
)


def test_every_word_has_a_meaning():
    assert set(ACTIVATION_MEANINGS) == set(vocab.ACTIVATIONS)
    assert set(LOSS_MEANINGS) == set(vocab.LOSSES)
    assert set(OPTIMIZER_CLASSES) == set(vocab.OPTIMIZERS)
    assert {k.kind for k in KINDS if k.role != "input"} <= set(LAYER_MEANINGS)
    for word in (*vocab.METRICS, *vocab.PREPROCESS_MODES, "conv", "freeze", "same"):
        assert doc_for(word) is not None, word


STATEMENTS = {
    "dwconv": "dwconv k3 {opt}=2",
    "sepconv": "sepconv 8 k3 {opt}=2",
    "zeropad": "zeropad {opt}=1",
    "batchnorm": "batchnorm {opt}=0.5",
    "rescale": "rescale 1/255 {opt}=-1",
    "base": "base vgg16 {opt}=none",
    "optimizer": "optimizer adam {opt}=0.01",
}


@pytest.mark.parametrize("statement", sorted(OPTIONS))
def test_listed_options_are_accepted(statement):
    for opt in OPTIONS[statement]:
        text = "input 32x32x3\n" + STATEMENTS[statement].format(opt=opt) + "\n"
        _, diags = diagnose(text)
        assert not [d for d in diags if d.severity == "error"], (text, diags)
