"""The training precision setting (issue 16's language part): parse, fmt, check, summary, diff."""

from __future__ import annotations

import subprocess
import sys

import pytest

from specdsl.api import loads
from specdsl.diagnostics import SpecError
from specdsl.syntax.format import format_spec
from specdsl.syntax.parse import parse_text

BASE = "model p\ninput 28x28x1\nconv 4 k3 relu\nflatten\ndense 10 softmax\n"


def test_precision_parses_and_formats_back():
    a = loads(BASE + "precision mixed_bfloat16\n")
    assert a.ok and a.spec.training.precision == "mixed_bfloat16"
    text = format_spec(a.spec)
    assert "precision mixed_bfloat16\n" in text
    assert parse_text(text).training.precision == "mixed_bfloat16"
    assert loads(BASE).spec.training.precision == "float32"
    assert "precision" not in format_spec(loads(BASE).spec)


def test_unknown_precision_is_located_with_a_suggestion():
    with pytest.raises(SpecError) as e:
        loads(BASE + "precision mixed_float61\n")
    (d,) = e.value.diagnostics
    assert (d.span.line, d.span.column) == (6, 11)
    assert "mixed_float16" in (d.hint or "")


def test_summary_and_diff_show_the_setting(tmp_path):
    a, b = tmp_path / "a.spec", tmp_path / "b.spec"
    a.write_text(BASE)
    b.write_text(BASE + "precision mixed_float16\n")
    run = [sys.executable, "-m", "specdsl"]
    out = subprocess.run([*run, "summary", str(b)], capture_output=True, text=True).stdout
    assert "mixed_float16" in out
    r = subprocess.run([*run, "diff", str(a), str(b), "--format", "markdown"],
                       capture_output=True, text=True)  # fmt: skip
    assert r.returncode == 1 and "precision" in r.stdout and "mixed_float16" in r.stdout
