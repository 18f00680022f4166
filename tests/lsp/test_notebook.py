"""Specs in notebooks: the rich objects, and a real notebook executed with nbclient."""

from __future__ import annotations

import pytest

import specdsl  # noqa: E402
from specdsl.notebook import MERMAID, diff, load  # noqa: E402
from tests.conftest import ROOT


def test_load_a_file_or_text():
    spec = specdsl.load(ROOT / "specs" / "mnist_convnet.spec")
    assert spec.ok
    html = spec._repr_html_()
    assert "<table" in html and "conv2d_1 (Conv2D)" in html and "104,202" in html
    bundle = spec._repr_mimebundle_()
    assert bundle[MERMAID].startswith("flowchart")
    assert "dense (Dense)" in bundle["text/plain"]
    same = load("input 28x28x1\nconv 32 k3 relu; pool 2")
    assert same.ok and "(None, 13, 13, 32)" in same._repr_html_()
    bad = load("input 28x28x1\nconv 3 k3 rellu\n")
    assert not bad.ok and MERMAID not in bad._repr_mimebundle_()
    assert "did you mean &#x27;relu&#x27;?" in bad._repr_html_()
    assert "<script" not in load('model x\ninput 8x8x1\nclasses "<script>"')._repr_html_()


def test_diff_shows_as_a_table():
    d = diff(ROOT / "specs" / "dogs_cats_scratch.spec", ROOT / "specs" / "dogs_cats_aug.spec")
    assert not d.same
    html = d._repr_html_()
    assert "<table" in html and "random_flip" in html and "added" in html


def test_a_notebook_renders_the_summary_and_the_diff():
    nbformat = pytest.importorskip("nbformat", reason="notebook tests need nbformat (lsp extra)")
    nbclient = pytest.importorskip("nbclient", reason="notebook tests need nbclient (lsp extra)")
    pytest.importorskip("ipykernel", reason="notebook tests need ipykernel (lsp extra)")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import specdsl\nspecdsl.load('specs/vgg16_finetune.spec')"),
        nbformat.v4.new_code_cell(
            "from specdsl.notebook import diff\n"
            "diff('specs/vgg16_features.spec', 'specs/vgg16_finetune.spec')"
        ),
        nbformat.v4.new_code_cell(
            "import sys\n'tensorflow' in sys.modules or 'torch' in sys.modules"
        ),
    ]
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    )
    client.execute()
    summary, diff_out, heavy = (cell.outputs[0] for cell in nb.cells)
    assert summary.output_type == "execute_result"
    assert "Total params: 17,992,001" in summary.data["text/html"]
    assert summary.data[MERMAID].startswith("flowchart")
    assert "<table" in diff_out.data["text/html"]
    assert heavy.data["text/plain"] == "False"
