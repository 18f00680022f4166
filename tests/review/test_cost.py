"""The cost report against numbers computed by hand."""

from __future__ import annotations

import json

from specdsl.api import load, loads
from specdsl.review.cost import cost_report
from tests.review.conftest import cli, spec


def test_mnist_by_hand():
    r = cost_report(load(spec("mnist_convnet")), batch_size=2)
    by = {c.name: c for c in r.layers}
    # conv 32 k3 on 28x28x1: 26x26x32 outputs, 26*26*32*(3*3*1) MACs, 3*3*1*32 + 32 params
    c = by["conv2d"]
    assert c.output_shape == (26, 26, 32)
    assert c.macs == 26 * 26 * 32 * 9 == 194_688
    assert c.params == 9 * 32 + 32 == 320
    assert c.activation_bytes == 26 * 26 * 32 * 2 * 4  # batch 2, float32
    # receptive field: conv k3 -> 3 (jump 1); pool 2 -> 3+1 = 4 (jump 2); conv k3 -> 4+2*2 = 8;
    # pool 2 -> 8+1*2 = 10 (jump 4); conv k3 -> 10+2*4 = 18; after flatten: the whole image
    fields = [
        (by[n].field.size[0], by[n].field.jump[0])
        for n in ("conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1", "conv2d_2")
    ]
    assert fields == [(3, 1), (4, 2), (8, 2), (10, 4), (18, 4)]
    assert by["flatten"].field.is_global and by["dense"].field.text() == "global"
    assert r.output_field.size == (18, 18)
    assert by["dense"].macs == 1152 * 10
    # input 28*28*1 plus every output, float32, batch 2
    outputs = 26 * 26 * 32 + 13 * 13 * 32 + 11 * 11 * 64 + 5 * 5 * 64 + 3 * 3 * 128 + 1152 + 10
    assert r.input_bytes == 28 * 28 * 2 * 4
    assert r.activation_bytes == (28 * 28 + outputs) * 2 * 4
    # the largest input + output of one layer: the first pooling (21,632 in, 5,408 out)
    assert r.peak_bytes == (26 * 26 * 32 + 13 * 13 * 32) * 2 * 4
    assert r.total_macs == 3_100_032 and r.total_params == 104_202


def test_strides_and_same_padding_by_hand():
    a = loads(
        "model m\ninput 32x32x3\nconv 8 k5 s2\npool 2\nconv 4 k3 same\nconv 4 k3 s2 same\n"
        "globalavgpool\ndense 2\n"
    )
    r = cost_report(a, batch_size=1)
    by = {c.name: c for c in r.layers}
    # conv k5 s2 valid: 14x14; size 5, jump 2, first centre at 0.5 + 2 = 2.5
    f = by["conv2d"].field
    assert by["conv2d"].output_shape == (14, 14, 8)
    assert (f.size, f.jump, f.start) == ((5, 5), (2, 2), (2.5, 2.5))
    # pool 2: size 5 + 1*2 = 7, jump 4, start 2.5 + 0.5*2 = 3.5
    f = by["max_pooling2d"].field
    assert (f.size, f.jump, f.start) == ((7, 7), (4, 4), (3.5, 3.5))
    # conv k3 same on 7x7: pad 1 before; size 7 + 2*4 = 15, start 3.5 + (1 - 1)*4 = 3.5
    f = by["conv2d_1"].field
    assert (f.size, f.jump, f.start) == ((15, 15), (4, 4), (3.5, 3.5))
    # conv k3 s2 same on 7x7 -> 4x4: total pad (4-1)*2+3-7 = 2, 1 before; size 15 + 2*4 = 23
    f = by["conv2d_2"].field
    assert by["conv2d_2"].output_shape == (4, 4, 4)
    assert (f.size, f.jump, f.start) == ((23, 23), (8, 8), (3.5, 3.5))
    assert by["global_average_pooling2d"].field.is_global
    assert r.output_field.text() == "23 /8"
    assert by["conv2d_2"].macs == 4 * 4 * 4 * 9 * 4


def test_vgg16_receptive_field_and_base_rows():
    r = cost_report(load(spec("vgg16_finetune")))
    assert r.batch_size == 32  # the spec's own batch
    base = next(c for c in r.layers if c.kind == "base")
    inner = [c for c in r.layers if c.depth == 1]
    assert len(inner) == 18  # 13 convolutions, 5 poolings
    assert base.activation_bytes == sum(c.activation_bytes for c in inner)
    assert base.field.size == (212, 212) and base.field.jump == (32, 32)  # VGG16's known 212
    first = inner[0]
    assert first.activation_bytes == 180 * 180 * 64 * 32 * 4
    assert first.field.start == (0.5, 0.5)  # 'same' padding keeps the first centre on pixel 0


def test_summary_cost_columns_and_json():
    code, out, _ = cli("summary", spec("mnist_convnet"), "--cost", "--batch-size", "1")
    assert code == 0
    assert "Activations" in out and "Receptive field" in out
    assert "84.50 KiB" in out  # conv2d: 26*26*32*4 bytes
    assert "receptive field 18 /4" in out
    code, out, _ = cli("summary", spec("mnist_convnet"), "--format", "json", "-b", "3")
    cost = json.loads(out)["cost"]
    assert cost["batch_size"] == 3
    assert cost["layers"][0]["activation_bytes"] == 26 * 26 * 32 * 3 * 4
    assert cost["receptive_field"]["size"] == [18, 18]
    code, out, _ = cli("summary", spec("mnist_convnet"), "--format", "plain", "--cost")
    assert "cost for batch 64 (float32)" in out and "rf=18 /4" in out
    # without --cost the summary is as before
    code, out, _ = cli("summary", spec("mnist_convnet"), "--format", "json")
    assert "cost" not in json.loads(out)


def test_peak_counts_the_tensors_a_graph_keeps_alive():
    """Concatenating two branches holds both branch outputs and the result at once."""
    from tests.core.test_graph_language import RESIDUAL

    report = cost_report(loads(RESIDUAL), batch_size=1)
    map_bytes = 16 * 16 * 8 * 4  # one 16x16x8 float32 map
    assert report.peak_bytes == map_bytes * 2 + 16 * 16 * 16 * 4  # activation, side, concat
    # a chain is still one layer's input and output
    chain = cost_report(loads("input 8x8x3\nconv 4 k1\nconv 2 k1\n"), batch_size=1)
    assert chain.peak_bytes == 8 * 8 * 4 * 4 + 8 * 8 * 3 * 4
