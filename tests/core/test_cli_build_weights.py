"""``specdsl build --weights``: a weights file that is missing, of another model or of an
unknown format is one located line, and nothing is written."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from specdsl.api import load
from specdsl.cli.app import app
from specdsl.weights import checkpoint
from specdsl.weights.checkpoint import random_weights
from tests.conftest import SPECS

runner = CliRunner()


def _build(*args):
    return runner.invoke(app, ["build", *map(str, args)])


@pytest.mark.parametrize("backend", ["keras", "pytorch", "onnx"])
def test_missing_file(tmp_path, backend):
    out = tmp_path / "out"
    r = _build(SPECS / "mnist_convnet.spec", "-b", backend, "-o", out, "-w", tmp_path / "no.pt")
    assert r.exit_code != 0
    assert r.output.strip().splitlines() == [f"error: {tmp_path / 'no.pt'}: no such file"]
    assert not out.exists()


def test_another_models_checkpoint(tmp_path):
    other = load(SPECS / "dogs_cats_scratch.spec")
    path = checkpoint.save(tmp_path / "w.safetensors", random_weights(other), other)
    out = tmp_path / "out"
    r = _build(SPECS / "mnist_convnet.spec", "-b", "keras", "-o", out, "-w", path)
    assert r.exit_code != 0
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and "dogs_cats_scratch" in lines[0] and str(path) in lines[0]
    assert not out.exists()


def test_foreign_safetensors_and_unknown_format(tmp_path):
    from safetensors.numpy import save_file

    a = load(SPECS / "mnist_convnet.spec")
    bad = tmp_path / "bad.safetensors"
    save_file({"x": np.zeros((1, 2, 3), np.float32)}, bad)  # not written by specdsl
    r = _build(a.spec.source, "-b", "onnx", "-o", tmp_path / "o", "-w", bad)
    assert r.exit_code != 0 and len(r.output.strip().splitlines()) == 1
    assert "not a specdsl checkpoint" in r.output
    txt = tmp_path / "w.txt"
    txt.write_text("x")
    r = _build(a.spec.source, "-b", "onnx", "-o", tmp_path / "o", "-w", txt)
    assert r.exit_code != 0 and "unknown weights format" in r.output
    assert not (tmp_path / "o").exists()
