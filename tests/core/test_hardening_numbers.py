"""Numbers: every INT and FLOAT of a spec is converted in one place (syntax/tokens.py); one
that is not finite or outside its range is an error at its line:col, never a traceback."""

from __future__ import annotations

import pytest

from specdsl import ir
from specdsl.api import diagnose
from specdsl.syntax.format import format_spec
from specdsl.syntax.parse import parse_text
from tests.core.test_cli import run

HEAD = "model m\ninput 28x28x1\n"
TAIL = "flatten\ndense 2 softmax\nloss categorical_crossentropy\n"
BIG = "9" * 5000


def errors(text: str) -> list:
    _, items = diagnose(text, "t.spec")
    return [d for d in items if d.severity == "error"]


def the_error(text: str, line: int, column: int) -> str:
    """The message of the error at line:col (others may follow from the value)."""
    found = [d for d in errors(text) if d.span and (d.span.line, d.span.column) == (line, column)]
    assert found, f"no error at {line}:{column}: {errors(text)}"
    return found[0].message


@pytest.mark.parametrize(
    "text, line, column",
    [
        (f"{HEAD}dense {BIG}\n", 3, 7),
        (f"model m\ninput {BIG}x28x1\n{TAIL}", 2, 7),
        (f"model m\ninput 28x{BIG}x1\n{TAIL}", 2, 10),
        (f"{HEAD}pool {BIG}\n{TAIL}", 3, 6),
        (f"{HEAD}{TAIL}epochs {BIG}\n", 6, 8),
        (f"{HEAD}{TAIL}batch {BIG}\n", 6, 7),
        (f"{HEAD}conv {BIG} k3\n{TAIL}", 3, 6),
        (f"{HEAD}conv 4 k{BIG}\n{TAIL}", 3, 9),
        (f"{HEAD}conv 4 k3 s3x{BIG}\n{TAIL}", 3, 14),
        (f"{HEAD}zeropad top={BIG}\n{TAIL}", 3, 13),
        (f"{HEAD}dwconv k3 depth_multiplier={BIG}\n{TAIL}", 3, 28),
        (f"{HEAD}dense 2147483648\n", 3, 7),
    ],
)
def test_huge_integers_are_located_errors(text, line, column):
    message = the_error(text, line, column)
    assert "too large" in message and "2,147,483,647" in message
    assert len(message) < 200  # 5,000 digits are not repeated in the message


def test_largest_count_is_accepted():
    spec = parse_text(f"{HEAD}{TAIL}epochs 2147483647\nbatch 2147483647\n")
    assert spec.training.epochs == 2147483647


def test_slice_index_out_of_range():
    text = f"model m\ninput 64x64x3\nbase vgg16\nfreeze vgg16[{BIG}:]\n"
    assert "slice index" in the_error(text, 4, 14)


@pytest.mark.parametrize(
    "stmt, column, word",
    [
        ("augment zoom 1e999", 14, "zoom factor"),
        ("augment rotate 1.5", 16, "rotate factor"),
        ("augment contrast 0", 18, "contrast factor"),
        ("augment translate 2", 19, "translate factor"),
        ("batchnorm momentum=1e999", 20, "momentum"),
        ("bn momentum=1", 13, "momentum"),
        ("bn momentum=-0.5", 13, "momentum"),
        ("bn epsilon=0", 12, "epsilon"),
        ("bn epsilon=1e999", 12, "epsilon"),
        ("dropout 1e999", 9, "dropout rate"),
        ("dropout 1", 9, "dropout rate"),
        ("rescale 1e999", 9, "rescale factor"),
        ("rescale 1/1e999", 11, "rescale divisor"),
        ("rescale 1e300/1e-300", 9, "rescale"),
        ("rescale 1/255 offset=-1e999", 22, "offset"),
    ],
)
def test_floats_out_of_range_are_located_errors(stmt, column, word):
    text = f"{HEAD}{stmt}\n{TAIL}"
    assert word in the_error(text, 3, column)


@pytest.mark.parametrize("value", ["1e999", "0", "-1", "1e-999"])
def test_learning_rate_positive_and_finite(value):
    text = f"{HEAD}{TAIL}optimizer rmsprop lr={value}\n"
    assert "lr" in the_error(text, 6, 22)


def test_learning_rate_in_stage_is_checked():
    text = f"{HEAD}{TAIL}stage a:\n  optimizer adam learning_rate=1e999\n"
    assert "learning_rate" in the_error(text, 7, 32)


@pytest.mark.parametrize(
    "stmt",
    [
        "augment zoom 1; rotate 1; contrast 1; translate 1",
        "augment zoom 5e-324",
        "bn momentum=0 epsilon=1e-300",
        "dropout 0",
        "rescale 1e300/3 offset=-1e300",
    ],
)
def test_edges_inside_the_ranges_pass_and_round_trip(stmt):
    text = f"{HEAD}{stmt}\n{TAIL}optimizer adam lr=1e-300\n"
    assert errors(text) == []
    spec = parse_text(text)
    again = format_spec(spec)
    assert "inf" not in again
    assert ir.strip_spans(parse_text(again)) == ir.strip_spans(spec)


def test_cli_check_reports_the_number(tmp_path):
    spec = tmp_path / "big.spec"
    spec.write_text(f"{HEAD}dense {BIG}\n{TAIL}", encoding="utf-8")
    r = run("check", str(spec))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"{spec}:3:7: error: dense units" in r.stderr


def test_cli_fmt_never_writes_inf(tmp_path):
    spec = tmp_path / "z.spec"
    text = f"{HEAD}augment zoom 1e999\n{TAIL}"
    spec.write_text(text, encoding="utf-8")
    r = run("fmt", str(spec))
    assert r.returncode == 1 and ":3:14: error: zoom factor" in r.stderr
    assert spec.read_text(encoding="utf-8") == text
