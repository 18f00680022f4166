"""Fuzzing the check path (issue 10), with a small fixed budget in the suite.

Three sources of input, as in the on-demand fuzzer ``tests/benchmarks/fuzz_specs.py`` (which
runs a million of them and shares the oracle, the mutations and the values used here):

* Hypothesis's ``from_lark`` on the project's own grammar (the Lark object
  ``specdsl.syntax.grammar.parser()`` builds), with plausible and extreme terminal values;
* mutations of every spec in the repository;
* random bytes decoded as UTF-8 (``surrogateescape`` and ``replace``).

For every input, ``specdsl.api.diagnose`` returns diagnostics and never raises; a spec without
errors survives ``parse(fmt(x)) == parse(x)`` (with and without its comments) and ``fmt`` is
idempotent (``check_text``). Crashes already known whose cause lies in files being changed
elsewhere (``KNOWN``) do not fail these tests; crashes found and fixed stay as reproducers
(``REGRESSIONS``).
"""

from __future__ import annotations

import itertools
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from hypothesis.extra.lark import from_lark
from lark.lexer import PatternStr

from specdsl.syntax.grammar import parser
from tests.benchmarks import fuzz_oracle, fuzz_specs
from tests.benchmarks.fuzz_specs import (
    MUTATIONS,
    TERMINAL_VALUES,
    WORDS,
    GrammarGen,
    PropertyViolation,
    check_text,
    mutate,
    repo_specs,
    root_cause,
)

SPECS = repo_specs()

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)


# ---- crashes known, whose cause lies in files changed elsewhere -------------------------


@dataclass(frozen=True)
class Known:
    name: str
    reason: str
    reproducer: str
    pattern: str  # matched against "root cause: message" of the exception

    def matches(self, exc: BaseException) -> bool:
        return re.search(self.pattern, f"{root_cause(exc)}: {exc}", re.S) is not None


# Crashes the fuzzer found, fixed since: each reproducer stays a test. KNOWN lists those found
# and not fixed yet, which the property tests let through (none today).
REGRESSIONS = (
    Known(
        "int-digits",
        "specdsl/syntax (lowering): a number of more than 4300 digits reaches int(), which "
        "raises ValueError (Python's integer string conversion limit) instead of a diagnostic",
        "dense " + "1" * 4301,
        r"^ValueError @ specdsl/syntax/.*Exceeds the limit \(\d+ digits\)",
    ),
    Known(
        "fmt-nonfinite",
        "specdsl/syntax/format.py: a number too large for a float (rescale 1e309) lowers to "
        "inf, which fmt writes as 'inf', which does not parse",
        "input 8x8x3\nrescale 1" + "0" * 309,
        r"^PropertyViolation: fmt output does not parse: .*'-?(inf|nan)'",
    ),
    Known(
        "fmt-comment-blank-line",
        "specdsl/syntax/format.py: a comment after the header, written before the input line "
        "(';#\\ninput 9x9x3'), moves below it and gains a blank line on the second fmt",
        ";#\ninput 9x9x3",
        r"^PropertyViolation: fmt is not idempotent: .*#",
    ),
)
KNOWN: tuple[Known, ...] = ()


def known(exc: BaseException) -> Known | None:
    return next((k for k in KNOWN if k.matches(exc)), None)


def assert_survives(text: str) -> str:
    """The oracle, with the known crashes let through (and counted as Hypothesis events)."""
    try:
        outcome = check_text(text)
    except Exception as exc:
        k = known(exc)
        if k is None:
            raise
        _event(f"known crash: {k.name}")
        return "known"
    _event(outcome)
    return outcome


def _event(name: str) -> None:
    if currently_in_test_context():  # --hypothesis-show-statistics shows the shares
        event(name)


@pytest.mark.parametrize("case", REGRESSIONS, ids=lambda k: k.name)
def test_former_crash_stays_fixed(case: Known):
    check_text(case.reproducer)


@pytest.mark.parametrize("case", REGRESSIONS, ids=lambda k: k.name)
def test_known_crash_tolerance_is_narrow(case: Known):
    """The patterns let through only what they name: a crash elsewhere still fails."""
    assert not case.matches(ValueError("Exceeds the limit (4300 digits)"))  # no specdsl frame
    assert not case.matches(PropertyViolation("parse(fmt(x)) != parse(x)", "inf"))
    assert not case.matches(ZeroDivisionError("division by zero"))


# ---- the oracle itself -----------------------------------------------------------------


@pytest.mark.parametrize("path,text", SPECS, ids=[p for p, _ in SPECS])
def test_every_repo_spec_passes_the_oracle_cleanly(path, text):
    assert check_text(text) in ("clean", "warnings"), path


def test_oracle_reports_errors_as_errors():
    assert check_text("input 28x28x1\nconv 32 k3 rellu") == "errors"
    assert check_text("\x00\udcff") == "errors"


def test_oracle_catches_a_format_that_loses_meaning(monkeypatch):
    real = fuzz_oracle.format_spec
    monkeypatch.setattr(
        fuzz_oracle, "format_spec", lambda s, src=None: real(s, src).replace("32", "33")
    )
    with pytest.raises(PropertyViolation, match=r"parse\(fmt\(x\)\) != parse\(x\)"):
        check_text("input 28x28x1\nconv 32 k3 relu\nflatten\ndense 10 softmax")


def test_oracle_catches_a_format_that_is_not_idempotent(monkeypatch):
    real = fuzz_oracle.format_spec
    calls = itertools.count()  # each call writes one more comment: never the same text twice
    monkeypatch.setattr(
        fuzz_oracle, "format_spec", lambda s, src=None: f"{real(s, src)}#{next(calls)}\n"
    )
    with pytest.raises(PropertyViolation, match="not idempotent"):
        check_text("input 28x28x1\nflatten\ndense 10 softmax")


def test_root_cause_names_the_innermost_specdsl_frame():
    from specdsl.syntax import format as fmt

    try:
        fmt.format_spec(None)
    except AttributeError as exc:
        assert root_cause(exc) == "AttributeError @ specdsl/syntax/format.py:format_spec"
    else:  # pragma: no cover
        pytest.fail("format_spec(None) should fail")


# ---- 1. the grammar, through Hypothesis's from_lark ---------------------------------------


def _explicit(start: str) -> dict:
    """A strategy per terminal of the grammar compiled from ``start``: every token ends in a
    space (from_lark joins tokens without one), values are plausible or extreme."""
    terminals, _, _ = parser().grammar.compile([start], ())
    out = {}
    for t in terminals:
        if isinstance(t.pattern, PatternStr):
            out[t.name] = st.just(t.pattern.value + " ")
        elif t.name == "_NL":
            out[t.name] = st.sampled_from(["\n", "\r\n", "\n\n"])
        elif t.name == "COMMENT":
            out[t.name] = st.sampled_from(["# c\n", '#"\n', "#\n"])
        elif t.name == "NAME":
            out[t.name] = st.one_of(
                st.sampled_from(WORDS),
                st.from_regex(r"[A-Za-z_][A-Za-z0-9_.\-]{0,6}", fullmatch=True),
            ).map(lambda s: s + " ")
        elif t.name in ("INT", "SIGNED_INT") and t.name in TERMINAL_VALUES:
            ints = st.integers(-(2**40) if t.name == "SIGNED_INT" else 0, 2**40).map(str)
            out[t.name] = st.one_of(st.sampled_from(TERMINAL_VALUES[t.name]), ints).map(
                lambda s: s + " "
            )
        elif t.name in TERMINAL_VALUES:
            out[t.name] = st.sampled_from(TERMINAL_VALUES[t.name]).map(lambda s: s + " ")
    return out


def grammar_strategy(start: str) -> st.SearchStrategy[str]:
    return from_lark(parser(), start=start, explicit=_explicit(start))


def test_every_terminal_has_a_strategy():
    """A terminal added to the grammar gets values here (else from_lark makes unlexable ones)."""
    terminals, _, _ = parser().grammar.compile(["start"], ())
    regex = [t.name for t in terminals if not isinstance(t.pattern, PatternStr)]
    assert sorted(set(regex) - set(_explicit("start"))) == []


@FUZZ
@given(grammar_strategy("start"))
def test_grammar_derivations(text):
    assert_survives(text)


_BY_RULE = {rule: grammar_strategy(rule) for rule in set(GrammarGen.STATEMENT_RULES)}
# the rules listed more often (layers) are drawn more often
STATEMENTS = st.one_of([_BY_RULE[rule] for rule in GrammarGen.STATEMENT_RULES])
PLAUSIBLE = st.builds(
    lambda shape, stmts, sep: sep.join([f"input {shape}", *stmts]),
    st.sampled_from(TERMINAL_VALUES["SHAPE"][:6]),
    st.lists(STATEMENTS, max_size=10),
    st.sampled_from(["\n", ";", "\r\n"]),
)


@FUZZ
@given(PLAUSIBLE)
def test_grammar_plausible_specs(text):
    assert_survives(text)


def test_grammar_plausible_specs_reach_the_round_trip():
    """The plausible strategy is not all errors: some specs check cleanly (the fmt check runs)."""
    outcomes = []

    @settings(FUZZ, max_examples=40)
    @given(PLAUSIBLE)
    def collect(text):
        outcomes.append(assert_survives(text))

    collect()
    assert "clean" in outcomes or "warnings" in outcomes, outcomes


@settings(FUZZ, max_examples=200)
@given(st.randoms(use_true_random=False))
def test_grammar_derivations_of_the_fuzzer(rng):
    """The on-demand fuzzer's own derivations (GrammarGen), driven by Hypothesis."""
    assert_survives(fuzz_specs.gen_grammar(rng))


# ---- 2. mutations of every spec in the repository --------------------------------------


@pytest.mark.parametrize("path,text", SPECS, ids=[p for p, _ in SPECS])
@settings(FUZZ, max_examples=12)
@given(rng=st.randoms(use_true_random=False), times=st.integers(1, 4))
def test_mutations_of_repo_spec(path, text, rng, times):
    assert_survives(mutate(rng, text, times))


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.__name__.strip("_"))
def test_each_mutation_on_every_repo_spec(mutation):
    """Every kind of mutation, once on each spec (seeded: the same inputs every run)."""
    rng = random.Random(mutation.__name__)
    for _path, text in SPECS:
        assert_survives(mutation(rng, text))


# ---- 3. random bytes --------------------------------------------------------------------


@settings(FUZZ, max_examples=150)
@given(
    data=st.binary(max_size=300),
    errors=st.sampled_from(["surrogateescape", "replace"]),
    header=st.booleans(),
)
def test_random_bytes(data, errors, header):
    text = data.decode("utf-8", errors=errors)
    assert_survives(("input 28x28x1\n" if header else "") + text)


@settings(FUZZ, max_examples=150)
@given(
    data=st.lists(st.sampled_from(list(fuzz_specs.SPEC_ALPHABET)), max_size=200).map(bytes),
    errors=st.sampled_from(["surrogateescape", "replace"]),
)
def test_random_bytes_over_the_spec_alphabet(data, errors):
    assert_survives("input 28x28x1\n" + data.decode("utf-8", errors=errors))


def test_fuzzer_runs_and_counts(tmp_path: Path):
    """The on-demand fuzzer itself, on a few inputs: counts add up, the report is written."""
    rc = fuzz_specs.main(
        [
            "-n",
            "90",
            "--jobs",
            "1",
            "--chunk",
            "30",
            "--shrink-seconds",
            "1",
            "--out",
            str(tmp_path),
        ]
    )
    totals = json.loads((tmp_path / "totals.json").read_text())
    assert totals["inputs"] == 90
    assert totals["per_generator"] == {"grammar": 30, "mutation": 30, "bytes": 30}
    assert sum(totals["outcomes"].values()) == 90
    assert rc == (1 if totals["root_causes"] else 0)
