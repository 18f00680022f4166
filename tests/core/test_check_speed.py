"""Checks in linear time (issue 10): long specs with errors, every error at its exact place,
a byte-order mark, and the statement-by-statement parse held to the whole-text one."""

from __future__ import annotations

import importlib.util
import random
import time

import pytest
from lark import Token, Tree

from specdsl import api
from specdsl.syntax import parse
from specdsl.syntax.blocks import take_blocks
from specdsl.syntax.errors import is_blank, statement_chunks
from specdsl.syntax.grammar import parser
from specdsl.syntax.parse import parse_statements, parse_text, read_spec_text
from tests.conftest import ROOT
from tests.core.test_cli import run

REPO_SPECS = sorted(set(ROOT.glob("specs/**/*.spec")) | set(ROOT.glob("tests/*/specs/*.spec")))
BODY = [
    "conv 8 k1 same relu",
    "batchnorm",
    "activation relu",
    "dropout 0.1",
    "# a note; not a statement",
    "pool 1; activation relu",
]
# line -> (bad statement, [(column, message)]) of the long spec below
BAD = {
    5: ("pool two", [(6, "unexpected 'two'")]),
    1234: ("convv 8 k3", [(1, "unknown layer or statement 'convv'")]),
    4321: ("conv 8 k1 same rellu", [(16, "unknown activation 'rellu'")]),
    6000: ("activation relu; dense", [(23, "statement ends too early")]),
    7000: ("convv 8 k3", [(1, "unknown layer or statement 'convv'")]),
    8000: ("  dropout 0.1 0.2", [(15, "unexpected '0.2'")]),
    9000: (
        "pool; b1: convv 2; pool 1 s",
        [
            (5, "statement ends too early"),
            (11, "unknown layer or statement 'convv'"),
            (27, "unexpected 's'"),
        ],
    ),
    9999: ("checkpoint", [(11, "statement ends too early")]),
}


def long_spec(lines: int = 10_000) -> str:
    out = ["model big", "input 28x28x1"] + [BODY[i % len(BODY)] for i in range(lines - 2)]
    for line, (bad, _) in BAD.items():
        out[line - 1] = bad
    return "\n".join(out) + "\n"


def errors(text: str) -> list[tuple[int, int, str]]:
    found = api.diagnose(text, "m.spec")[1]
    return [(d.span.line, d.span.column, d.message) for d in found if d.severity == "error"]


def expected_errors() -> list[tuple[int, int, str]]:
    return [(line, col, msg) for line, (_, cols) in sorted(BAD.items()) for col, msg in cols]


def test_ten_thousand_lines_with_errors_check_fast_and_each_error_is_at_its_place():
    text = long_spec()
    api.diagnose("model m\n")  # the parser is built once, outside the timing
    start = time.process_time()
    found = errors(text)
    took = time.process_time() - start
    assert found == expected_errors()
    assert took < 3.0, f"10,000 lines took {took:.2f} s of CPU"


def test_every_line_wrong_is_still_linear():
    """2,000 different wrong statements: each reported, no quadratic re-parse."""
    text = "input 8x8x1\n" + "".join(f"dropout 0.{i} x{i}\n" for i in range(2000))
    start = time.process_time()
    found = errors(text)
    took = time.process_time() - start
    assert found == [(i + 2, 12 + len(str(i)), f"unexpected 'x{i}'") for i in range(2000)]
    assert took < 3.0, f"2,000 wrong lines took {took:.2f} s of CPU"


def test_the_same_wrong_statement_on_many_lines_is_reported_on_each():
    text = "input 8x8x1\n" + "convv 8 k3\nconv 8 k1\n" * 300
    found = errors(text)
    assert [(line, col) for line, col, _ in found] == [(2 + 2 * i, 1) for i in range(300)]
    assert {msg for _, _, msg in found} == {"unknown layer or statement 'convv'"}
    first = api.diagnose(text)[1][0]
    assert first.hint == "did you mean 'conv'?"


def test_several_errors_on_one_line_each_at_its_column():
    text = "input 8x8x1\nconv 8 k3 rellu; pool; densee 3; conv 4 k3 s\n"
    assert errors(text) == [
        (2, 11, "unknown activation 'rellu'"),
        (2, 22, "statement ends too early"),
        (2, 24, "unknown layer or statement 'densee'"),
        (2, 44, "unknown activation 's'"),
    ]


def test_windows_line_endings_give_the_same_places():
    lf = "input 8x8x1\nconv 8 k3 rellu\npool\nconvv 2\ndense 3"
    assert (
        errors(lf.replace("\n", "\r\n"))
        == errors(lf)
        == [
            (2, 11, "unknown activation 'rellu'"),
            (3, 5, "statement ends too early"),
            (4, 1, "unknown layer or statement 'convv'"),
        ]
    )


def test_a_stray_character_between_statements_is_pointed_at():
    """It used to be 'the spec could not be parsed', with no place."""
    found = errors("input 8x8x1\nconv 8 k3\n  \x0b\nflatten\n")
    assert found == [(3, 3, "unexpected character '\\x0b'")]


# ---- a byte-order mark -------------------------------------------------------------


def test_a_byte_order_mark_is_not_part_of_the_spec():
    spec = parse_text("\ufeffmodel bom\ninput 28x28x1\nconv 8 k3 relu\n")
    assert spec.name == "bom" and spec.input_shape == (28, 28, 1)
    # Columns on the first line are counted after the mark, as editors show them.
    assert errors("\ufeffconvv 8 k3\ninput 8x8x1\n") == [
        (1, 1, "unknown layer or statement 'convv'")
    ]


def test_check_reads_a_file_with_a_byte_order_mark(tmp_path):
    good = tmp_path / "good.spec"
    good.write_text(
        "model good\ninput 28x28x1\nconv 8 k3 relu\nflatten\ndense 10 softmax\n",
        encoding="utf-8-sig",
    )
    assert good.read_bytes().startswith(b"\xef\xbb\xbf")
    assert read_spec_text(good).startswith("model good")
    r = run("check", str(good))
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr
    bad = tmp_path / "bad.spec"
    bad.write_text("input 8x8x1 \nconv 8 k3 rellu\n", encoding="utf-8-sig")
    r = run("check", str(bad))
    assert r.returncode == 1 and "bad.spec:2:11: error: unknown activation 'rellu'" in r.stderr
    assert "Traceback" not in r.stderr


# ---- the statement-by-statement parse is the whole-text parse ---------------------


def flat(node):
    """A parse tree with every position of every token and tree, for exact comparison."""
    if isinstance(node, Token):
        where = (node.start_pos, node.line, node.column, node.end_line, node.end_column)
        return node.type, str(node), where, node.end_pos
    assert isinstance(node, Tree)
    return node.data, sorted(vars(node.meta).items()), [flat(c) for c in node.children]


REPETITIVE = (
    "model r\r\ninput 32x32x3 # the input\r\n"
    + "b1: conv 8 k3 same relu; batchnorm\r\n  pool 2 s1 same ;dropout 0.25\r\n" * 40
    + 'classes "a;b" c\nbase vgg16 weights="x;y"\nfreeze vgg16[:-4]\nstage a:\n  epochs 3'
)


@pytest.mark.parametrize("run_size", [1, 3, 512])
def test_pieces_parse_exactly_as_the_whole_text(monkeypatch, run_size):
    monkeypatch.setattr(parse, "_RUN", run_size)
    # block bodies and loops are templates, taken out before the grammar sees the text
    texts = [take_blocks(p.read_text(encoding="utf-8"))[0] for p in REPO_SPECS] + [REPETITIVE]
    for text in texts:
        tree, found, failed = parse_statements(text)
        assert not found and not failed
        assert [flat(c) for c in tree.children] == [flat(c) for c in parser().parse(text).children]


def load_baseline():
    path = ROOT / "tests" / "benchmarks" / "bench_check_speed.py"
    spec = importlib.util.spec_from_file_location("bench_check_speed", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FRAGMENTS = [
    "conv 8 k3 relu",
    "conv 8 k3",
    "pool 2",
    "pool",
    "conv",
    "dense 10 softmax",
    "dense",
    "convv 8 k3",
    "b1: conv 4 k3 same",
    "b1: convv 2",
    "checkpoint",
    "checkpoint best val_loss",
    'classes "a;b" c',
    'classes "abc',
    'classes "a\\"b" x',
    "base vgg16 weights=./w#x; freeze b",
    "freeze vgg16[:-4]",
    "freeze vgg16[:",
    "stage a:",
    "stage a: epochs 3",
    "rescale 1/",
    "augment flip horizontal, rotate 0.1",
    "augment flip,",
    "# comment; not split",
    "",
    "  ",
    "x",
    "1",
    "-",
    '"',
    "dropout 0.5 # c",
    "input 28x28x1",
    "input 28x",
    "model 1m",
    ":",
]
SEPARATORS = [";", "\n", "\r\n", "; ", " ;", "\n\n", ";\n", "\r;"]


@pytest.mark.parametrize("seed", [0, 1])
def test_errors_are_those_of_the_old_recovery(monkeypatch, seed):
    """Random soups of good and bad statements: the same trees and the same diagnostics
    (message, place, expected, hint) as the pre-fix algorithm (kept in the benchmark),
    except that a stray character in an otherwise blank piece is now pointed at."""
    baseline = load_baseline()
    rng = random.Random(seed)
    for _ in range(150):
        parts = [
            x
            for _ in range(rng.randint(1, 20))
            for x in (rng.choice(FRAGMENTS), rng.choice(SEPARATORS))
        ]
        text = "".join(parts[: rng.choice([-1, len(parts)])])
        monkeypatch.setattr(parse, "_RUN", rng.choice([1, 2, 512]))
        old_tree, old_found, old_failed = baseline.old_parse_tree(text)
        tree, found, failed = parse_statements(text)
        assert failed == old_failed, repr(text)
        assert [flat(c) for c in tree.children] == [flat(c) for c in old_tree.children]
        found = [d for d in found if not _in_blank_piece(text, d.span.line, d.span.column)]
        key = [(d.message, d.span, d.expected, d.hint) for d in found]
        assert key == [(d.message, d.span, d.expected, d.hint) for d in old_found], repr(text)


def _in_blank_piece(text: str, line: int, column: int) -> bool:
    offset = sum(len(x) + 1 for x in text.split("\n")[: line - 1]) + column - 1
    return any(a <= offset <= b and is_blank(text[a:b]) for a, b in statement_chunks(text))
