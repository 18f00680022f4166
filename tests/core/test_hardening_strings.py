"""Strings: UTF-8 text without control characters; escapes \\\\ \\" \\uXXXX \\UXXXXXXXX.
Labels in any language go through check, fmt and every build; a bad string is an error at
its column; ``parse(fmt(x)) == parse(x)`` for every string."""

from __future__ import annotations

import importlib.util
import py_compile

import pytest

from specdsl import ir
from specdsl.api import diagnose
from specdsl.syntax.format import format_spec, quote
from specdsl.syntax.parse import parse_text
from tests.core.test_cli import run

LABELS = ("café", "猫", "кошка")
SPEC = (
    'model m\ninput 8x8x1\nclasses "café" "猫" "кошка"\n'
    "conv 2 k3 relu\nflatten\ndense 3 softmax\nloss categorical_crossentropy\n"
)


def errors(text: str) -> list:
    return [d for d in diagnose(text, "t.spec")[1] if d.severity == "error"]


def labels_of(text: str) -> tuple[str, ...]:
    return parse_text(text).classes


def test_non_latin_labels_parse_as_written():
    assert labels_of(SPEC) == LABELS


@pytest.mark.parametrize(
    "written, value",
    [
        (r'"a\\b"', "a\\b"),
        (r'"say \"hi\""', 'say "hi"'),
        (r'"caf\u00e9"', "café"),
        (r'"\u732B"', "猫"),
        (r'"\U0001F431"', "\U0001f431"),
        ('"a # not a comment"', "a # not a comment"),
    ],
)
def test_escapes(written, value):
    assert labels_of(f"input 2x2x1\nclasses {written} x\n") == (value, "x")


@pytest.mark.parametrize(
    "written, column, words",
    [
        (r'"\x"', 10, "unknown escape '\\x'"),
        (r'"\N{x}"', 10, "unknown escape '\\N'"),
        (r'"a\nb"', 11, "unknown escape '\\n'"),
        (r'"\t"', 10, "unknown escape '\\t'"),
        (r'"\u12"', 10, "4 hex digits"),
        (r'"\uzzzz"', 10, "4 hex digits"),
        (r'"\ud800"', 10, "surrogate"),
        (r'"\u0000"', 10, "control character"),
        (r'"\u2028"', 10, "control character"),
        (r'"\U00110000"', 10, "not a Unicode character"),
        ('"a\tb"', 11, "control character"),
        ('"\ud800"', 10, "surrogate"),  # a lone surrogate in the text itself (the API)
        ('"\x00"', 10, "control character"),
        ('""', 9, "empty"),
    ],
)
def test_bad_strings_are_located_errors(written, column, words):
    found = errors(f"input 2x2x1\nclasses {written} x\n")
    assert found, written
    assert (found[0].span.line, found[0].span.column) == (2, column)
    assert words in found[0].message


@pytest.mark.parametrize("where", ["weights={s}", "name={s}"])
def test_other_strings_follow_the_same_rule(where):
    text = "input 64x64x3\nbase vgg16 " + where.format(s=r'"a\nb"') + "\n"
    found = errors(text)
    assert found and "unknown escape '\\n'" in found[0].message
    assert found[0].span.line == 2


@pytest.mark.parametrize(
    "label",
    [*LABELS, "a b", 'say "hi"', "back\\slash", "\u200b", "\U000e0001", "#", "3x3", "1e5", "007"],
)
def test_round_trip_for_every_kind_of_label(label):
    text = f"input 2x2x1\nclasses {quote(label)} x\n"
    spec = parse_text(text)
    assert spec.classes == (label, "x")
    formatted = format_spec(spec, text)
    assert ir.strip_spans(parse_text(formatted)) == ir.strip_spans(spec)
    assert format_spec(parse_text(formatted), formatted) == formatted


def test_weights_path_round_trips():
    text = 'input 64x64x3\nbase vgg16 weights="données/猫 \\"1\\".h5"\n'
    spec = parse_text(text)
    assert spec.layers[0].weights == 'données/猫 "1".h5'
    assert ir.strip_spans(parse_text(format_spec(spec))) == ir.strip_spans(spec)


def test_fmt_keeps_non_latin_labels(tmp_path):
    path = tmp_path / "猫.spec"
    path.write_text(SPEC.replace("conv", "# コメント\nconv"), encoding="utf-8")
    for _ in range(2):
        r = run("fmt", str(path))
        assert r.returncode == 0, r.stderr
    text = path.read_text(encoding="utf-8")
    assert 'classes "café" "猫" "кошка"' in text and "# コメント" in text
    assert run("fmt", "--check", str(path)).returncode == 0


def test_fmt_handles_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.spec"
    canonical = format_spec(parse_text(SPEC))
    path.write_bytes(b"\xef\xbb\xbf" + canonical.encode("utf-8"))
    r = run("fmt", "--check", str(path))
    assert r.returncode == 0, r.stderr
    r = run("fmt", "--stdout", str(path))
    assert r.stdout == canonical  # read without the mark, lines counted after it
    bad = tmp_path / "bad.spec"
    bad.write_bytes(b"\xef\xbb\xbfinput 2x2x1\nbogus\n")
    r = run("fmt", str(bad))
    assert r.returncode == 1 and f"{bad}:2:1: error" in r.stderr, r.stderr


def _compiles(folder) -> None:
    for py in folder.glob("*.py"):
        py_compile.compile(str(py), doraise=True)


@pytest.mark.parametrize("backend", ["keras", "pytorch"])
def test_build_writes_labels_faithfully(tmp_path, backend):
    path = tmp_path / "猫の模型.spec"
    path.write_text(SPEC, encoding="utf-8")
    out = tmp_path / "out"
    r = run("build", str(path), "--backend", backend, "-o", str(out))
    assert r.returncode == 0, r.stderr
    _compiles(out)
    copy = (out / "m.spec").read_text(encoding="utf-8")
    assert 'classes "café" "猫" "кошка"' in copy
    assert parse_text(copy).classes == LABELS
    code = "\n".join(p.read_text(encoding="utf-8") for p in out.glob("*.py"))
    assert '"caf\\u00e9", "\\u732b", "\\u043a\\u043e\\u0448\\u043a\\u0430"' in code
    assert "Ã" not in code and "Ã" not in copy


@pytest.mark.skipif(
    importlib.util.find_spec("onnx") is None or importlib.util.find_spec("onnxruntime") is None,
    reason="needs onnx and onnxruntime (pip install specdsl[onnx])",
)
def test_onnx_run_prints_non_latin_labels(tmp_path):
    import numpy as np
    from PIL import Image

    path = tmp_path / "猫の模型.spec"
    path.write_text(SPEC, encoding="utf-8")
    r = run("build", str(path), "--backend", "onnx", "-o", str(tmp_path / "o"))
    assert r.returncode == 0, r.stderr
    image = tmp_path / "画像.png"
    Image.fromarray((np.arange(64).reshape(8, 8) * 4).astype("uint8")).save(image)
    r = run("run", str(tmp_path / "o" / "m.onnx"), str(image), "--top", "3")
    assert r.returncode == 0, r.stderr
    assert all(label in r.stdout for label in LABELS)
