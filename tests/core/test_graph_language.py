"""Graphs in the language: `from`, `add`/`concat`/`multiply`, their errors, fmt and summary."""

from __future__ import annotations

import subprocess
import sys

import pytest

from specdsl import ir
from specdsl.api import load, loads
from specdsl.diagnostics import SpecError
from specdsl.syntax.format import format_spec
from specdsl.syntax.parse import parse_text
from tests.conftest import LECTURE_SPECS, SPECS

RESIDUAL = """model residual
input 16x16x3
stem: conv 8 k3 same relu
a: conv 8 k3 same relu
b: conv 8 k3 same
skip: add b, stem  # the identity shortcut
activation relu
side: conv 8 k1 from stem
concat activation, side
gap
dense 3 softmax
"""


def _errors(text: str) -> list:
    with pytest.raises(SpecError) as e:
        loads(text)
    return e.value.diagnostics


def test_a_residual_block_has_the_shapes_and_inputs_keras_would_give():
    a = loads(RESIDUAL)
    assert a.is_graph
    by = {i.name: i for i in a.layers}
    assert by["skip"].inputs == ("b", "stem") and by["skip"].output_shape == (16, 16, 8)
    assert by["side"].inputs == ("stem",)
    assert by["concatenate"].inputs == ("activation", "side")
    assert by["concatenate"].output_shape == (16, 16, 16)
    assert by["a"].inputs == ("stem",)  # the previous layer, when none is named
    assert a.kept_outputs() == {"stem", "activation"}
    assert a.total_params == 224 + 584 + 584 + 72 + 51


def test_fmt_round_trip_and_idempotence():
    text = format_spec(parse_text(RESIDUAL), RESIDUAL)
    assert "skip: add b, stem  # the identity shortcut\n" in text
    assert "side: conv 8 k1 from stem\n" in text
    assert "concat activation, side\n" in text
    assert ir.ir_equal(parse_text(text), parse_text(RESIDUAL))
    assert format_spec(parse_text(text), text) == text


def test_chains_keep_their_ir_and_hash():
    """Every lecture spec is a chain: no layer names its inputs, and the hash is as before."""
    for path in LECTURE_SPECS:
        a = load(path)
        assert not a.is_graph and not any(layer.inputs for layer in a.spec.layers), path
    a = load(SPECS / "mnist_convnet.spec")
    assert "inputs" not in ir.strip_spans(a.spec)["layers"][0]


def test_merging_different_shapes_names_both_shapes_and_lines():
    (d,) = _errors("input 8x8x3\na: conv 4 k1\nb: conv 4 k3 s2 same from input\nadd a, b\n")
    assert (d.span.line, d.span.column) == (4, 1)
    assert "'a' (line 2) gives 8x8x4" in d.message and "'b' (line 3) gives 4x4x4" in d.message
    (d,) = _errors("input 8x8x3\na: conv 4 k1\nb: pool 2 from input\nconcat a, b\n")
    assert "concat" in d.message and "8x8x4" in d.message and "4x4x3" in d.message


def test_unknown_names_and_cycles_are_located():
    (d,) = _errors("input 8x8x3\nstem: conv 4 k1\nconv 4 k1 from stme\n")
    assert (d.span.line, d.span.column) == (3, 16)
    assert "unknown layer 'stme'" in d.message and "stem" in (d.hint or "")
    (d,) = _errors("input 8x8x3\nx: conv 4 k1 from y\ny: conv 4 k1 from x\n")
    assert "'y' is defined later (line 3)" in d.message and "no cycle" in d.message


def test_a_branch_that_reaches_no_output_is_a_warning():
    a = loads("input 8x8x3\nstem: conv 4 k1\ndead: conv 2 k1\nconv 3 k1 from stem\n")
    (w,) = [d for d in a.diagnostics if d.severity == "warning"]
    assert "'dead' reaches no output" in w.message and w.span.line == 3


def test_merge_names_follow_keras(tmp_path):
    a = loads("input 8x8x3\nconv 4 k1\nconv 4 k1 from input\nadd conv2d, conv2d_1\n"
              "add add, conv2d\nconcat add, add_1\nmultiply conv2d, conv2d_1\n")  # fmt: skip
    assert [i.name for i in a.layers[2:]] == ["add", "add_1", "concatenate", "multiply"]


def test_summary_shows_connected_to(tmp_path):
    spec = tmp_path / "residual.spec"
    spec.write_text(RESIDUAL)
    run = [sys.executable, "-m", "specdsl", "summary", str(spec)]
    out = subprocess.run(run, capture_output=True, text=True).stdout
    assert "Connected to" in out and "b[0][0], stem[0][0]" in out
    plain = subprocess.run([*run, "--format", "plain"], capture_output=True, text=True).stdout
    assert "<- b, stem" in plain
