"""Blocks in the language: definition, calls, loops, placeholders, errors, fmt and the hash."""

from __future__ import annotations

import time

import pytest

from specdsl import ir
from specdsl.api import loads
from specdsl.diagnostics import SpecError
from specdsl.syntax.format import format_spec
from specdsl.syntax.parse import parse_text

BLOCKS = """model tiny_resnet
input 16x16x3

block basic(name, filters, stride=1):  # two 3x3 convolutions and a shortcut
  {name}_1_conv: conv {filters} k3 s{stride} same relu
  {name}_2_conv: conv {filters} k3 same
  {name}_skip: conv {filters} k1 s{stride} from {in}
  {name}_add: add {name}_2_conv, {name}_skip
end

stem: conv 8 k3 same relu
basic(b1, 8)
for i in 2..3: basic(b{i}, {8*i}, stride=2)  # wider and smaller
globalavgpool
dense 3 softmax
"""

EXPANDED = """model tiny_resnet
input 16x16x3
stem: conv 8 k3 same relu
b1_1_conv: conv 8 k3 same relu
b1_2_conv: conv 8 k3 same
b1_skip: conv 8 k1 from stem
b1_add: add b1_2_conv, b1_skip
b2_1_conv: conv 16 k3 s2 same relu
b2_2_conv: conv 16 k3 same
b2_skip: conv 16 k1 s2 from b1_add
b2_add: add b2_2_conv, b2_skip
b3_1_conv: conv 24 k3 s2 same relu
b3_2_conv: conv 24 k3 same
b3_skip: conv 24 k1 s2 from b2_add
b3_add: add b3_2_conv, b3_skip
gap
dense 3 softmax
"""


def _errors(text: str) -> list:
    with pytest.raises(SpecError) as e:
        loads(text)
    return e.value.diagnostics


def _layers(spec: ir.ModelSpec) -> list:
    return ir.strip_spans(spec)["layers"]


def test_a_call_expands_to_the_layers_written_out():
    blocks, expanded = parse_text(BLOCKS), parse_text(EXPANDED)
    assert _layers(blocks) == _layers(expanded)
    assert ir.spec_hash(blocks) == ir.spec_hash(expanded)  # the hash is the model's meaning
    a = loads(BLOCKS)
    assert a.find("b3_add").output_shape == (4, 4, 24)
    assert a.find("b2_skip").inputs == ("b1_add",)  # {in}: the tensor the block is called on


def test_expanded_layers_point_at_the_call():
    spec = parse_text(BLOCKS)
    by = {layer.name: layer for layer in spec.layers}
    assert by["b1_1_conv"].span.line == 12 and by["b3_add"].span.line == 13
    (call, loop) = spec.calls
    assert (call.call, call.first, call.count) == ("basic(b1, 8)", 1, 4)
    assert (loop.call, loop.first, loop.count) == (
        "for i in 2..3: basic(b{i}, {8*i}, stride=2)",
        5,
        8,
    )


def test_fmt_writes_blocks_and_calls_back_with_their_comments():
    text = format_spec(parse_text(BLOCKS), BLOCKS)
    assert text == BLOCKS
    assert ir.ir_equal(parse_text(text), parse_text(BLOCKS))


def test_automatic_names_continue_through_calls():
    a = loads("input 8x8x3\nblock b():\n  conv 2 k1\nend\nconv 2 k1\nb()\nb()\nconv 2 k1\n")
    assert [i.name for i in a.layers] == ["conv2d", "conv2d_1", "conv2d_2", "conv2d_3"]
    text = format_spec(a.spec, None)
    assert "b()\nb()\nconv 2 k1\n" in text


def test_blocks_calling_blocks():
    a = loads(
        "input 8x8x3\nblock unit(p, f):\n  {p}_conv: conv {f} k1\n  {p}_relu: activation relu\n"
        "end\nblock pair(p, f):\n  unit({p}_a, {f})\n  unit({p}_b, {f*2})\nend\npair(x, 3)\n"
    )
    assert [(i.name, i.output_shape[-1]) for i in a.layers] == [
        ("x_a_conv", 3), ("x_a_relu", 3), ("x_b_conv", 6), ("x_b_relu", 6)
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("b(x, 3)", (9, 1), "unknown block 'b'"),
        ("basic(x)", (9, 1), "block 'basic' needs the argument 'filters'"),
        ("basic(x, 4, 5, 6)", (9, 16), "takes 3 arguments, not 4"),
        ("basic(x, 4, strde=2)", (9, 13), "has no parameter 'strde'"),
        ("basic(x, four)", (9, 1), "in block 'basic' (line 4): 'x_c: conv four k3"),
        ("for i in 3..1: basic(x{i}, 4)", (9, 1), "the loop 3..1 is empty"),
        ("for i in 1..2: basic(x, 4)", (9, 1), "duplicate layer name 'x_c'"),
        ("for i in 1..2 basic(x, 4)", (9, 1), "cannot read the loop"),
    ],
)
def test_call_errors_are_located_at_the_call(text, where, message):
    spec = (
        "input 8x8x3\n\nblock basic(name, filters, stride=1):\n  {name}_c: conv {filters} k3\n"
        "  {name}_r: activation relu\nend\n\nconv 4 k1\n" + text + "\n"
    )
    found = _errors(spec)
    assert any(d.message.find(message) >= 0 for d in found), [d.message for d in found]
    d = next(d for d in found if message in d.message)
    assert (d.span.line, d.span.column) == where


def test_template_errors_name_the_block_line():
    (d,) = _errors("input 8x8x3\nblock b(f):\n  conv {f*q} k1\nend\nb(2)\n")
    assert (d.span.line, "(line 3)") == (5, "(line 3)")
    assert "'q' in '{f*q}' is not a parameter" in d.message
    (d,) = _errors("input 8x8x3\nblock b(f):\n  conv {f} k1\nend\nb(f=two)\nb(4)\n")
    assert d.span.line == 5 and "unexpected 'two'" in d.message  # one error per call, once
    (d,) = _errors("input 8x8x3\nblock b(f):\n  conv {f//0} k1\nend\nb(2)\n")
    assert "divides by zero" in d.message


def test_structure_errors():
    (d,) = _errors("input 8x8x3\nblock b(f):\n  conv {f} k1\n")
    assert d.message == "this block has no 'end'" and d.span.line == 2
    (d,) = _errors("input 8x8x3\nconv 2 k1\nend\n")
    assert "'end' without a block" in d.message and d.span.line == 3
    found = _errors("input 8x8x3\nblock b(f):\n  block c():\n  end\nend\n")
    assert any("cannot be defined inside another block" in d.message for d in found)
    (d,) = _errors("input 8x8x3\nblock b(f):\n  b(f)\nend\nb(1)\n")
    assert "calls itself" in d.message
    (d,) = _errors("input 8x8x3\nblock b(f, f):\n  conv {f} k1\nend\n")
    assert "parameter 'f' is given twice" in d.message
    (d,) = _errors("input 8x8x3\nblock b(f):\n  loss mse\nend\nb(1)\n")
    assert "a block holds layers and block calls" in d.message


def test_an_expansion_bomb_is_refused_quickly():
    lines = ["input 8x8x3", "block b0(n):\n  conv 1 k1\nend"]
    lines += [f"block b{i}(n):\n  b{i - 1}(n)\n  b{i - 1}(n)\nend" for i in range(1, 15)]
    start = time.perf_counter()
    (d,) = _errors("\n".join([*lines, "b14(x)"]))
    assert "more than 20,000 statements" in d.message
    assert time.perf_counter() - start < 10
    (d,) = _errors(
        "\n".join(
            [
                *lines[:2],
                *(f"block c{i}(n):\n  c{i - 1}(n)\nend".replace("c0", "b0") for i in range(1, 20)),
                "c19(x)",
            ]
        )
    )
    assert "more than 16 deep" in d.message
