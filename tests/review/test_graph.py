"""``specdsl graph``: Mermaid, DOT and SVG with the shapes on the edges."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from specdsl.api import load
from specdsl.review.graph import mermaid, model_graph
from specdsl.review.graph_svg import builtin_svg, svg
from tests.review.conftest import cli, spec

MNIST_SHAPES = ["28x28x1", "26x26x32", "13x13x32", "11x11x64", "5x5x64", "3x3x128", "1152", "10"]


def test_mermaid_chain_with_shapes_on_edges():
    code, out, _ = cli("graph", spec("mnist_convnet"))
    assert code == 0
    assert out.startswith("flowchart TD\n")
    edges = re.findall(r'^  (n\d+) -->\|"([^"]+)"\| (n\d+)$', out, re.M)
    assert [label for _, label, _ in edges] == MNIST_SHAPES
    assert [(a, b) for a, _, b in edges] == [(f"n{i}", f"n{i + 1}") for i in range(8)]
    assert 'n1["conv2d<br/>conv 32 k3 relu<br/>320 params"]:::layer' in out
    assert 'n8(["output<br/>10"]):::output' in out


def test_mermaid_marks_augmentation_and_frozen_base():
    g = mermaid(model_graph(load(spec("vgg16_features_aug")), expand=True))
    assert ":::augment" in g and "classDef augment" in g
    assert 'subgraph g0["base vgg16 weights=imagenet (14,714,688 params, 0 trainable)"]' in g
    assert "block1_conv1<br/>conv 64 k3 same relu<br/>1,792 params (frozen)" in g
    assert '-->|"5x5x512"|' in g
    folded = mermaid(model_graph(load(spec("vgg16_finetune"))))
    assert "vgg16<br/>base vgg16 weights=imagenet<br/>14,714,688 params (7,079,424 trainable)" in (
        folded
    )
    assert "block1_conv1" not in folded


def test_dot_is_valid_shape():
    code, out, _ = cli("graph", spec("vgg16_finetune"), "--format", "dot", "--expand")
    assert code == 0
    assert out.startswith('digraph "vgg16_finetune" {') and out.rstrip().endswith("}")
    assert "subgraph cluster_0" in out
    labels = re.findall(r'-> n\d+ \[label=" ([^"]+)"\]', out)
    assert labels[:5] == ["180x180x3"] * 5 and "5x5x512" in labels and labels[-1] == "1"
    if shutil.which("dot"):
        r = subprocess.run(["dot", "-Tsvg"], input=out, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr


def test_builtin_svg_is_well_formed_and_deterministic(tmp_path: Path):
    out = tmp_path / "m.svg"
    code, _, _ = cli("graph", spec("mnist_convnet"), "-f", "svg", "--no-graphviz", "-o", out)
    assert code == 0
    text = out.read_text()
    root = ET.fromstring(text)
    ns = "{http://www.w3.org/2000/svg}"
    texts = [t.text for t in root.iter(f"{ns}text")]
    for shape in MNIST_SHAPES:
        assert shape in texts
    assert "conv 32 k3 relu" in texts
    rects = [r for r in root.iter(f"{ns}rect")]
    assert len(rects) == 9  # input, 7 layers, output
    ys = [float(r.get("y")) for r in rects]
    assert ys == sorted(ys)  # top to bottom
    assert len(list(root.iter(f"{ns}line"))) == 8
    again = builtin_svg(model_graph(load(spec("mnist_convnet"))))
    assert again == text


def test_svg_of_an_expanded_base_has_its_frame():
    text = svg(model_graph(load(spec("vgg16_finetune")), expand=True), use_graphviz=False)
    root = ET.fromstring(text)
    ns = "{http://www.w3.org/2000/svg}"
    frames = [r for r in root.iter(f"{ns}rect") if r.get("stroke-dasharray") == "6 4"]
    assert len(frames) == 1
    assert any("7,079,424 trainable" in (t.text or "") for t in root.iter(f"{ns}text"))


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_svg_through_graphviz():
    text = svg(model_graph(load(spec("mnist_convnet"))), use_graphviz=True)
    assert "<svg" in text and "26x26x32" in text


def test_graph_errors():
    code, _, err = cli("graph", spec("mnist_convnet"), "--format", "png")
    assert code == 2 and "unknown format" in err
    code, _, err = cli("graph", "no/such.spec")
    assert code == 1 and "no such file" in err
