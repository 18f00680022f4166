"""Errors for people: file:line:col, the line, a caret, what was expected, a hint."""

from __future__ import annotations

import random

import pytest

from specdsl import api, ir
from specdsl.diagnostics import SpecError, render_all
from specdsl.syntax.parse import parse_text
from tests.conftest import LECTURE_SPECS


def diagnose(text: str):
    """Every diagnostic of the text, sorted by position, as ``specdsl check`` reports them."""
    return api.diagnose(text, "m.spec")[1]


def only(text: str, severity: str = "error"):
    found = [d for d in diagnose(text) if d.severity == severity]
    assert len(found) == 1, [d.message for d in found]
    return found[0]


def test_syntax_error_points_at_the_token_with_expected_words():
    d = only("input 28x28x1\nconv 32 k3 relu\npool two\n")
    assert (d.span.line, d.span.column) == (3, 6)
    assert "unexpected 'two'" in d.message
    assert "whole number" in d.expected


def test_rendering_has_file_line_col_source_line_and_caret():
    text = "input 28x28x1\nconv 32 k3 rellu\n"
    with pytest.raises(SpecError) as e:
        parse_text(text, "m.spec")
    out = render_all(e.value.diagnostics, text)
    lines = out.splitlines()
    assert lines[0] == "m.spec:2:12: error: unknown activation 'rellu'"
    assert lines[1].endswith("conv 32 k3 rellu")
    caret = lines[2]
    assert caret.index("^") == lines[1].index("rellu")
    assert "did you mean 'relu'?" in out


def test_unknown_layer_suggests_the_nearest():
    d = only("input 28x28x1\nconvv 32 k3\n")
    assert d.message == "unknown layer or statement 'convv'"
    assert d.hint == "did you mean 'conv'?" and (d.span.line, d.span.column) == (2, 1)


def test_unknown_base_and_activation():
    d = only("input 32x32x3\nbase vgg61\n")
    assert "unknown base 'vgg61'" in d.message and d.hint == "did you mean 'vgg16'?"
    d = only("input 32x32x3\nactivation sigmod\n")
    assert d.hint == "did you mean 'sigmoid'?"


def test_kernel_larger_than_input_names_the_shape():
    d = only("input 28x28x1\nconv 8 k3\npool 2\npool 2\npool 2\nconv 8 k5\n")
    assert d.span.line == 6
    assert "kernel 5x5 is larger than its input 3x3x8" in d.message
    d = only("input 4x4x1\npool 5\n")
    assert "pool window 5x5 is larger than its input 4x4x1" in d.message


def test_freeze_of_something_not_there_and_slices_out_of_range():
    d = only("input 32x32x3\nbase vgg16\nfreeze vgg61\n")
    assert "no such base or layer" in d.message and d.hint == "did you mean 'vgg16'?"
    d = only("input 32x32x3\nbase vgg16\nfreeze vgg16[:-40]\n")
    assert "out of range" in d.message and "19 layers" in d.message
    assert (d.span.line, d.span.column) == (3, 13)
    d = only("input 32x32x3\nbase vgg16\nunfreeze vgg16[19]\n")
    assert "index 19 is out of range" in d.message
    d = only("input 32x32x3\nconv 8 k3\nfreeze conv2d[1:]\n")
    assert "only a base can be sliced" in d.message


def test_value_ranges():
    d = only("input 28x28x1\nflatten\ndense 0\n")
    assert "dense needs at least 1 unit" in d.message and d.span.column == 7
    d = only("input 28x28x1\ndropout 1.0\n")
    assert "outside [0, 1)" in d.message


def test_missing_input():
    d = only("conv 32 k3 relu\nflatten\ndense 10 softmax\n")
    assert "no 'input' statement" in d.message and "input 28x28x1" in d.hint


def test_loss_that_does_not_fit_the_last_layer_is_a_warning():
    text = "input 28x28x1\nflatten\ndense 10 softmax\nloss binary_crossentropy\n"
    d = only(text, "warning")
    assert "binary_crossentropy" in d.message and d.hint == "end with 'dense 1 sigmoid'"
    assert not [x for x in diagnose(text) if x.severity == "error"]


def test_several_errors_are_all_reported():
    text = (
        "input 28x28\n"  # bad shape
        "convv 32 k3 relu\n"  # unknown layer
        "conv 32 k3 rellu\n"  # unknown activation
        "dense 0\n"  # zero units
        "dropout 1.5\n"  # out of range
        "pool\n"  # syntax: missing size
    )
    lines = sorted(d.span.line for d in diagnose(text) if d.severity == "error")
    assert lines == [1, 2, 3, 4, 5, 6]


def test_errors_inside_stages():
    d = only("input 32x32x3\nbase vgg16\nflatten\nstage a:\n  dense 3\n")
    assert "cannot appear inside stage 'a'" in d.message


def test_no_traceback_for_mutated_specs():
    """Random corruptions of the lecture specs give diagnostics, never another exception."""
    rng = random.Random(7)
    alphabet = 'abcxyz0123456789 ;:[]=-/."#\nkspx'
    sources = [p.read_text() for p in LECTURE_SPECS]
    for _ in range(300):
        text = list(rng.choice(sources))
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(text))
            op = rng.random()
            if op < 0.4:
                text[i] = rng.choice(alphabet)
            elif op < 0.7:
                del text[i]
            else:
                text.insert(i, rng.choice(alphabet))
        source = "".join(text)
        try:
            diagnose(source)
        except SpecError:
            pass


def test_shape_errors_are_reported_beside_other_errors():
    text = "input 8x8x1\nconv 4 k3 rellu\npool 2\nconv 4 k5\n"
    found = [(d.span.line, d.message) for d in diagnose(text) if d.severity == "error"]
    assert [line for line, _ in found] == [2, 4]
    assert "larger than its input 3x3x4" in found[1][1]


@pytest.mark.parametrize("bad", ["conv 4 k3 s0", "conv 4 k0", "pool 0", "avgpool 0 s0", "dense 0"])
def test_values_already_wrong_never_crash_the_shape_checks(bad):
    text = f"input 8x8x1\n{bad}\nconv 2 k3\nflatten\ndense 3 softmax\n"
    errors = [d for d in diagnose(text) if d.severity == "error"]
    assert errors and errors[0].span.line == 2


def test_rendering_escapes_control_characters_and_windows_long_lines():
    """A spec is untrusted: an escape sequence in it never reaches the terminal, and a huge
    line is shown as a window around the caret."""
    from specdsl.diagnostics import SHOWN_WIDTH, Diagnostic, render

    source = "model m\ninput 8x8x3\ndense 3 \x1b[31mrellu\n"
    span = ir.Span(line=3, column=9, end_line=3, end_column=13)
    d = Diagnostic("unknown word '\x1b[31m'", span)
    out = render(d, source)
    assert "\x1b" not in out and "\\x1b" in out
    text_line, caret_line = out.splitlines()[1:3]
    assert text_line.index("\ufffd") == caret_line.index("^")  # the caret keeps its place
    long = "dense " + "9" * 5000
    d = Diagnostic("too large", ir.Span(line=1, column=4000, end_line=1, end_column=4010))
    text_line, caret_line = render(d, long).splitlines()[1:3]
    assert len(text_line) < SHOWN_WIDTH + 20
    assert caret_line.index("^") < len(text_line)
