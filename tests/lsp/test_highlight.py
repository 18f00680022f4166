"""The Pygments lexer: found through its entry point, no Error token on any spec we ship."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT

pygments = pytest.importorskip("pygments", reason="the lexer needs pygments (the lsp extra)")

from pygments.lexers import get_lexer_by_name, get_lexer_for_filename  # noqa: E402
from pygments.token import Error, Keyword, Name, Number  # noqa: E402

from specdsl.ir import vocab  # noqa: E402
from specdsl.ir.kinds import KINDS  # noqa: E402

ALL_SPECS = sorted(ROOT.glob("specs/**/*.spec")) + sorted(ROOT.glob("examples/**/*.spec"))


def _tokens(text: str) -> list[tuple[object, str]]:
    lexer = get_lexer_by_name("specdsl")
    return [(t, v) for t, v in lexer.get_tokens(text) if v.strip()]


def test_found_by_name_alias_and_filename():
    assert get_lexer_by_name("specdsl").name == "specdsl"
    assert get_lexer_for_filename("model.spec").name == "specdsl"
    text = (ROOT / "specs" / "mnist_convnet.spec").read_text()
    assert get_lexer_for_filename("specs/mnist_convnet.spec", text).name == "specdsl"


@pytest.mark.parametrize("path", ALL_SPECS, ids=lambda p: p.name)
def test_every_shipped_spec_lexes_without_errors(path):
    text = path.read_text(encoding="utf-8")
    toks = _tokens(text)
    assert toks
    assert not [v for t, v in toks if t in Error], path
    assert "".join(v for _, v in get_lexer_by_name("specdsl").get_tokens(text)) == text


def test_every_kind_example_lexes_without_errors():
    for kind in KINDS:
        if kind.example:
            toks = _tokens(kind.example)
            assert not [v for t, v in toks if t in Error], kind.example
            assert toks[0][0] in Keyword, kind.example


def test_word_classes_come_from_the_vocabulary_and_grammar():
    toks = dict(
        (v, t)
        for t, v in _tokens(
            "input 28x28x1\nblock1: conv 32 k3 s2 same relu\nbase vgg16\nloss binary_crossentropy\n"
            "optimizer rmsprop lr=1e-5\nfreeze vgg16[:-4]\nstage finetune:\n  epochs 3\n"
        )
    )
    assert toks["input"] in Keyword and toks["conv"] in Keyword.Type
    assert toks["relu"] in Name.Builtin and toks["rmsprop"] in Name.Builtin
    assert toks["binary_crossentropy"] in Name.Builtin
    assert toks["vgg16"] in Name.Class
    assert toks["block1"] in Name.Function and toks["finetune"] in Name.Namespace
    assert toks["lr"] in Name.Attribute
    assert toks["28x28x1"] in Number and toks["k3"] in Number and toks["-4"] in Number
    # every activation is highlighted as one, whatever vocab.py lists
    for act in vocab.ACTIVATIONS:
        assert _tokens(f"dense 3 {act}")[-1] == (Name.Builtin, act)


def test_rich_highlights_spec_text():
    rich_syntax = pytest.importorskip("rich.syntax")
    from rich.console import Console

    console = Console(force_terminal=True, color_system="truecolor", width=100)
    with console.capture() as cap:
        console.print(rich_syntax.Syntax("conv 32 k3 relu", "specdsl"))
    out = cap.get()
    assert "\x1b[" in out and "relu" in out
