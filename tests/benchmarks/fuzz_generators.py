"""The fuzzer's three input generators (``GENERATORS``): derivations of the grammar, mutations
of the repository's specs, random bytes decoded as UTF-8."""

from __future__ import annotations

import random
import re
from functools import cache

from tests.benchmarks.fuzz_values import (
    EXTREME_NUMBERS,
    TERMINAL_VALUES,
    UNICODE_BITS,
    WORDS,
    repo_specs,
)

# ---- generator 1: derivations of the grammar -------------------------------------------


class GrammarGen:
    """Random derivations of the project's Lark grammar, one token at a time, spaced.

    Expansions are drawn uniformly until ``budget`` tokens are spent, then the cheapest
    ones; terminals take values from ``TERMINAL_VALUES`` (or their literal string)."""

    # statements drawn more often than the grammar's uniform choice would (valid specs)
    STATEMENT_RULES = (
        "layer_stmt",
        "layer_stmt",
        "layer_stmt",
        "layer_stmt",
        "augment_stmt",
        "base_stmt",
        "freeze_stmt",
        "unfreeze_stmt",
        "train_stmt",
        "stage_stmt",
        "classes_stmt",
        "model_stmt",
    )

    def __init__(self) -> None:
        from lark.grammar import NonTerminal
        from lark.lexer import PatternStr

        from specdsl.syntax.grammar import parser

        lark = parser()
        terminals, rules, _ignore = lark.grammar.compile(["start", *self.STATEMENT_RULES], ())
        self.literals = {
            t.name: t.pattern.value for t in terminals if isinstance(t.pattern, PatternStr)
        }
        self.expansions: dict[str, list[tuple]] = {}
        for r in rules:
            exp = tuple((isinstance(s, NonTerminal), s.name) for s in r.expansion)
            self.expansions.setdefault(r.origin.name, []).append(exp)
        # cheapest number of tokens each nonterminal derives (fixed point)
        cost: dict[str, float] = {k: float("inf") for k in self.expansions}
        changed = True
        while changed:
            changed = False
            for name, exps in self.expansions.items():
                best = min(sum(cost[n] if nt else 1 for nt, n in e) for e in exps)
                if best < cost[name]:
                    cost[name], changed = best, True
        self.cheapest = {
            name: min(exps, key=lambda e: sum(cost[n] if nt else 1 for nt, n in e))
            for name, exps in self.expansions.items()
        }

    def terminal(self, rng: random.Random, name: str) -> str:
        if name in self.literals:
            return self.literals[name]
        values = TERMINAL_VALUES.get(name)
        if values is None:  # a terminal this fuzzer does not know yet: its name, then
            return name.lower()
        return rng.choice(values)

    def derive(self, rng: random.Random, start: str, budget: int) -> list[str]:
        out: list[str] = []
        stack: list[tuple[bool, str]] = [(True, start)]
        while stack:
            nt, name = stack.pop()
            if not nt:
                out.append(self.terminal(rng, name))
                budget -= 1
                if rng.random() < 0.03:
                    out.append(rng.choice(TERMINAL_VALUES["COMMENT"]) + "\n")
                continue
            exps = self.expansions[name]
            exp = rng.choice(exps) if budget > 0 else self.cheapest[name]
            stack.extend(reversed(exp))
        return out

    def __call__(self, rng: random.Random) -> str:
        roll = rng.random()
        if roll < 0.25:  # the whole grammar, from its start
            return " ".join(self.derive(rng, "start", rng.randint(1, 60)))
        # a plausible spec: an input line, then statements drawn with the weights above
        lines = []
        if roll < 0.9:
            lines.append("input " + rng.choice(TERMINAL_VALUES["SHAPE"][:6]))
        for _ in range(rng.randint(0, 12)):
            rule = rng.choice(self.STATEMENT_RULES)
            lines.append(" ".join(self.derive(rng, rule, rng.randint(1, 10))))
        sep = rng.choice(("\n", "\n", "; ", "\r\n"))
        return sep.join(lines)


@cache
def grammar_gen() -> GrammarGen:
    return GrammarGen()


def gen_grammar(rng: random.Random) -> str:
    return grammar_gen()(rng)


# ---- generator 2: mutations of the repository's specs ----------------------------------

NUMBER_RE = re.compile(r"\d+(\.\d*)?([eE][-+]?\d+)?")
WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
PRINTABLE = "".join(chr(c) for c in range(32, 127)) + "\n\n\n\t"


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _insert_char(rng, text):
    i = rng.randint(0, len(text))
    c = rng.choice(PRINTABLE) if rng.random() < 0.7 else rng.choice(UNICODE_BITS)
    return text[:i] + c + text[i:]


def _delete_chars(rng, text):
    if not text:
        return text
    i = rng.randrange(len(text))
    return text[:i] + text[i + rng.choice((1, 1, 1, 2, 5, 20)) :]


def _duplicate_line(rng, text):
    lines = _lines(text)
    i = rng.randrange(len(lines))
    lines.insert(rng.randint(0, len(lines)), lines[i])
    return "\n".join(lines)


def _swap_lines(rng, text):
    lines = _lines(text)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def _drop_line(rng, text):
    lines = _lines(text)
    del lines[rng.randrange(len(lines))]
    return "\n".join(lines)


def _extreme_number(rng, text):
    found = list(NUMBER_RE.finditer(text))
    if not found:
        return text
    m = rng.choice(found)
    return text[: m.start()] + rng.choice(EXTREME_NUMBERS) + text[m.end() :]


def _unicode(rng, text):
    i = rng.randint(0, len(text))
    return text[:i] + rng.choice(UNICODE_BITS) + text[i:]


def _swap_word(rng, text):
    found = list(WORD_RE.finditer(text))
    if not found:
        return text
    m = rng.choice(found)
    return text[: m.start()] + rng.choice(WORDS) + text[m.end() :]


def _splice(rng, text):
    other = _lines(rng.choice(repo_specs())[1])
    lines = _lines(text)
    i = rng.randrange(len(other))
    lines[rng.randint(0, len(lines)) : 0] = other[i : i + rng.randint(1, 4)]
    return "\n".join(lines)


def _truncate(rng, text):
    return text[: rng.randint(0, len(text))]


def _separators(rng, text):
    a, b = rng.choice((("\n", ";"), (";", "\n"), ("\n", "\r\n"), (" ", "\t"), ("\n", "\u2028")))
    return text.replace(a, b, rng.randint(1, 5))


def _case(rng, text):
    found = list(WORD_RE.finditer(text))
    if not found:
        return text
    m = rng.choice(found)
    return text[: m.start()] + m.group().upper() + text[m.end() :]


MUTATIONS = (
    _insert_char,
    _delete_chars,
    _duplicate_line,
    _swap_lines,
    _drop_line,
    _extreme_number,
    _extreme_number,
    _unicode,
    _swap_word,
    _swap_word,
    _splice,
    _truncate,
    _separators,
    _case,
)


def mutate(rng: random.Random, text: str, times: int) -> str:
    for _ in range(times):
        text = rng.choice(MUTATIONS)(rng, text)
    return text


def gen_mutation(rng: random.Random) -> str:
    return mutate(rng, rng.choice(repo_specs())[1], rng.randint(1, 4))


# ---- generator 3: random bytes ---------------------------------------------------------

SPEC_ALPHABET = b'0123456789xks .;:\n\r\t#"[]-+=/,_abcdefghilmnoprstuvwyz\xef\xbb\xbf\xff\xc3\xa9'


def decode(data: bytes, errors: str) -> str:
    return data.decode("utf-8", errors=errors)


def gen_bytes(rng: random.Random) -> str:
    n = rng.choice((0, 1, 2, 8, 32, 64, 128, 512))
    n = rng.randint(0, n)
    if rng.random() < 0.5:
        data = bytes(rng.getrandbits(8) for _ in range(n))
    else:
        data = bytes(rng.choice(SPEC_ALPHABET) for _ in range(n))
    if rng.random() < 0.3:
        data = b"input 28x28x1\n" + data
    return decode(data, rng.choice(("surrogateescape", "replace")))


GENERATORS = {"grammar": gen_grammar, "mutation": gen_mutation, "bytes": gen_bytes}
