"""Fuzzer of the whole check path, on demand (not collected by pytest):
``.venv/bin/python tests/benchmarks/fuzz_specs.py [-n 1000000] [--jobs 2] [--seed 0]``.

Three generators, in equal shares:

* ``grammar``: random derivations of the project's own Lark grammar (the parser
  ``specdsl.syntax.grammar.parser()`` builds), with plausible and extreme terminal values
  (``TERMINAL_VALUES``), often after an ``input`` line so that the checks run too;
* ``mutation``: every spec of the repository (``specs/**``, ``tests/**``), mutated 1-4 times:
  characters inserted and deleted, lines duplicated, swapped and dropped, numbers replaced by
  extreme values (0, -1, 10**5000, 1e999, nan, ...), unicode inserted (combining marks,
  right-to-left marks, lone surrogates, NUL, BOM, line separators), words swapped;
* ``bytes``: random bytes (uniform, or over the spec's own alphabet) decoded as UTF-8 with
  ``errors="surrogateescape"`` or ``"replace"``.

Every input goes through the oracle ``check_text``: ``specdsl.api.diagnose`` must return
diagnostics, never raise; a spec with no error must survive ``parse(fmt(x)) == parse(x)``
(with and without its source's comments) and ``fmt`` must be idempotent. Every exception is
caught and grouped by root cause (exception type + innermost frame in ``specdsl/``); per
root cause the shortest input seen is shrunk and written to ``--out`` (default
``build/fuzz``) as ``NN-<cause>.spec`` (the bytes) and ``NN-<cause>.txt`` (repr, traceback,
how to rerun). The run prints inputs, per generator, per root cause and inputs/s.

``tests/core/test_fuzz.py`` uses the same oracle, generators and values with a small, fixed
budget in the suite.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import re
import signal
import sys
import time
import traceback
from collections import Counter
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from specdsl.api import diagnose  # noqa: E402
from specdsl.diagnostics import Diagnostic  # noqa: E402
from specdsl.ir import ir_equal  # noqa: E402
from specdsl.syntax.format import format_spec  # noqa: E402
from specdsl.syntax.parse import parse_with_diagnostics  # noqa: E402

FILE = "fuzz.spec"
SPECDSL = ROOT / "specdsl"

# ---- the oracle ------------------------------------------------------------------------


class PropertyViolation(AssertionError):
    """The check path returned, but broke a promise (``what`` names which)."""

    def __init__(self, what: str, detail: str = ""):
        super().__init__(f"{what}: {detail}" if detail else what)
        self.what = what


def check_text(text: str) -> str:
    """Run one input through the check path and the fmt round trip.

    Returns ``"errors"`` (the spec has errors: diagnostics, as promised), ``"warnings"`` or
    ``"clean"``. Raises whatever the code under test raises, or :class:`PropertyViolation`.
    """
    analysis, diags = diagnose(text, FILE)
    if not isinstance(diags, list) or not all(isinstance(d, Diagnostic) for d in diags):
        raise PropertyViolation("diagnose returned something other than diagnostics")
    for d in diags:
        if d.severity not in ("error", "warning", "note") or not isinstance(d.message, str):
            raise PropertyViolation("malformed diagnostic", repr(d))
    if any(d.severity == "error" for d in diags):
        return "errors"
    if analysis is None:
        raise PropertyViolation("no error, but no analysis either")
    spec = analysis.spec
    for source in (text, None):  # as `specdsl fmt` does (comments kept), and the bare IR
        out = format_spec(spec, source)
        again, found = parse_with_diagnostics(out, FILE)
        if again is None or found.has_errors:
            first = next((d.message for d in found if d.severity == "error"), "")
            raise PropertyViolation("fmt output does not parse", f"{first!r} in {out!r}")
        if not ir_equal(again, spec):
            raise PropertyViolation("parse(fmt(x)) != parse(x)", repr(out))
        if format_spec(again, out if source is not None else None) != out:
            raise PropertyViolation("fmt is not idempotent", repr(out))
    return "warnings" if diags else "clean"


def root_cause(exc: BaseException) -> str:
    """Exception type + innermost frame in specdsl/ (file:function): one key per bug."""
    if isinstance(exc, PropertyViolation):
        return f"PropertyViolation: {exc.what}"
    if isinstance(exc, FuzzTimeout):
        return "Timeout"
    frames = traceback.extract_tb(exc.__traceback__)
    where = "outside specdsl"
    for frame in reversed(frames):
        path = Path(frame.filename).resolve()
        if path.is_relative_to(SPECDSL):
            where = f"{path.relative_to(ROOT)}:{frame.name}"
            break
    return f"{type(exc).__name__} @ {where}"


class FuzzTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise FuzzTimeout("one input ran past the time limit")


# ---- values ----------------------------------------------------------------------------

EXTREME_NUMBERS = (
    "0",
    "-1",
    "1" + "0" * 5000,  # 10**5000: past int()'s 4300-digit limit
    "1e999",
    "-1e999",
    "nan",
    "inf",
    "1e-999",
    "0.0",
    "-0",
    "00",
    "9" * 20,
    "4294967297",
    "9223372036854775808",
    "0.9999999999999999",
    "1.5",
    ".5",
    "5.",
    "1e5",
    "1" * 40 + ".5",
)

WORDS = (
    "model input classes conv dwconv sepconv zeropad pool avgpool globalavgpool globalmaxpool "
    "gap gmp flatten dense dropout batchnorm bn activation rescale preprocess same valid "
    "nobias augment flip horizontal vertical horizontal_and_vertical rotate zoom contrast "
    "translate base freeze unfreeze loss optimizer metrics epochs batch checkpoint best none "
    "strategy stage features fit relu sigmoid softmax tanh linear elu selu softplus softsign "
    "swish silu gelu exponential hard_sigmoid relu6 leaky_relu mish log_softmax "
    "binary_crossentropy categorical_crossentropy sparse_categorical_crossentropy "
    "mean_squared_error mean_absolute_error rmsprop adam adamw sgd nadam accuracy "
    "binary_accuracy sparse_categorical_accuracy auc precision recall caffe tf torch vgg16 "
    "resnet50 imagenet weights lr momentum epsilon depth_multiplier offset top bottom left "
    "right val_loss val_accuracy conv2d conv2d_1 max_pooling2d dense_1 block1_conv1 "
    "block5_conv1 block5_pool input_1 x y cat dog a.b-c _"
).split()

TERMINAL_VALUES: dict[str, tuple[str, ...]] = {
    "INT": ("0", "1", "2", "3", "4", "8", "10", "16", "32", "64", "255", "256", "1000")
    + ("9" * 20, "1" + "0" * 5000, "007"),
    "SIGNED_INT": ("0", "1", "-1", "-4", "4", "+2", "-0", "22", "-23", "99", "-99", "9" * 30),
    "FLOAT": ("0.5", "0.1", "0.25", "1.0", "1e-5", "0.", ".5", "1e999", "1e-999", "2.5e3")
    + ("0.9999999999999999", "1" * 40 + ".0", "0.0"),
    "NEG_NUMBER": ("-1", "-0.5", "-1e999", "-0", "-.5", "-1e-5"),
    "SHAPE": ("28x28x1", "180x180x3", "32x32x3", "4x4x1", "1x1x1", "2x2", "0x0x0", "5x5x0")
    + ("28x28x1x1", "1x100000x1", "9999999999x9999999999x3", "3x" + "9" * 30 + "x3"),
    "KERNEL": ("k1", "k2", "k3", "k5", "k3x5", "k0", "k100", "k1x9", "k" + "9" * 25),
    "STRIDE": ("s1", "s2", "s3", "s1x2", "s0", "s100", "s" + "9" * 25),
    "NAME": tuple(WORDS) + ("x" * 300, "A_b.c-d", "conv2d_99999", "Z"),
    "STRING": ('"cat"', '"a b"', '""', '"\\""', '"\\\\"', '"w.h5"', '"é ✓"', '"a#b"', '"\\n"'),
    "MERGE_OP": ("add", "concat", "multiply"),
    "PATH": ("./w.h5", "~/weights.h5", "/abs/path.weights.h5", ".", "/", "./a#b"),
    "COMMENT": ("# c", "#", '# "q', "# ; x"),
    "WS": (" ", "\t", "  ", "\f"),
    "_NL": ("\n", "\r\n", "\n\n"),
}

UNICODE_BITS = (
    "\u0301",  # combining acute accent
    "\u0338",  # combining long solidus overlay
    "\u202e",  # right-to-left override
    "\u200f",  # right-to-left mark
    "\u200b",  # zero-width space
    "\u2066",  # left-to-right isolate
    "\udcff",  # a lone surrogate, as surrogateescape makes of byte 0xff
    "\ud800",  # a lone high surrogate
    "\x00",
    "\ufeff",  # BOM (here: in the middle, or at the start)
    "\u2028",  # line separator (str.splitlines splits there, the grammar does not)
    "\u2029",
    "\x85",
    "\x0b",
    "\x0c",
    "\x1c",
    "\r",
    "\r\n",
    "\t",
    "\u00a0",  # no-break space
    "\u3000",  # ideographic space
    "\uff11",  # fullwidth digit one (\d matches it)
    "\u0663",  # arabic-indic digit three
    "\U0001d7d9",  # mathematical double-struck digit one
    "\u0131",  # dotless i
    "\u212a",  # Kelvin sign (case-folds to k)
    "\U0001f600",
    "é",
    "ẞ",
)


def repo_specs() -> list[tuple[str, str]]:
    """(path, text) of every spec in the repository: specs/** and tests/**."""
    paths = sorted({*ROOT.glob("specs/**/*.spec"), *ROOT.glob("tests/**/*.spec")})
    seen: set[str] = set()
    out = []
    for p in paths:
        text = p.read_text(encoding="utf-8")
        if text not in seen:
            seen.add(text)
            out.append((str(p.relative_to(ROOT)), text))
    return out


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


# ---- running ---------------------------------------------------------------------------


def run_chunk(job: tuple[str, int, int, float]) -> dict:
    """Run ``count`` inputs of one generator from one seed; counts and failures back."""
    gen_name, seed, count, limit = job
    rng = random.Random(seed)
    gen = GENERATORS[gen_name]
    outcomes: Counter = Counter()
    failures: dict[str, dict] = {}
    signal.signal(signal.SIGALRM, _alarm)
    for _ in range(count):
        text = gen(rng)
        try:
            signal.setitimer(signal.ITIMER_REAL, limit)
            try:
                outcomes[check_text(text)] += 1
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except Exception as e:  # noqa: BLE001 - every exception is a finding
            key = root_cause(e)
            outcomes["failed"] += 1
            f = failures.setdefault(key, {"count": 0, "text": None, "tb": "", "gen": gen_name})
            f["count"] += 1
            if f["text"] is None or len(text) < len(f["text"]):
                f["text"], f["gen"] = text, gen_name
                f["tb"] = "".join(traceback.format_exception(type(e), e, e.__traceback__))
    return {"gen": gen_name, "count": count, "outcomes": outcomes, "failures": failures}


def reproduces(text: str, key: str, limit: float = 5.0) -> bool:
    signal.signal(signal.SIGALRM, _alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, limit)
        try:
            check_text(text)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except Exception as e:  # noqa: BLE001
        return root_cause(e) == key
    return False


def shrink(text: str, key: str, seconds: float = 20.0) -> str:
    """Greedy: drop lines, then runs of characters, while the same root cause shows."""
    deadline = time.monotonic() + seconds
    lines = text.split("\n")
    i = 0
    while i < len(lines) and time.monotonic() < deadline:
        cand = lines[:i] + lines[i + 1 :]
        if reproduces("\n".join(cand), key):
            lines = cand
        else:
            i += 1
    text = "\n".join(lines)
    size = max(1, len(text) // 2)
    while size >= 1 and time.monotonic() < deadline:
        i, progress = 0, False
        step = 1 if size <= 8 and len(text) < 1000 else size  # every offset, when cheap
        while i < len(text) and time.monotonic() < deadline:
            cand = text[:i] + text[i + size :]
            if reproduces(cand, key):
                text, progress = cand, True
            else:
                i += step
        if not progress:
            size //= 2
    return text


def short_repr(text: str, limit: int = 300) -> str:
    """repr() with long runs of one character written as ``'0' * 5000``."""
    parts = []
    for m in re.finditer(r"(.)\1{19,}|(?:(.)(?!\2{19}))+?(?=(.)\3{19,}|$)", text, re.S):
        run = m.group()
        parts.append(f"{run[0]!r} * {len(run)}" if m.group(1) else repr(run))
    out = " + ".join(p for p in parts if p != "''") or "''"
    return out if len(out) <= limit else out[:limit] + "..."


def slug(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", key).strip("_")[:80]


def write_reproducers(out: Path, failures: dict[str, dict]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for old in [*out.glob("*.spec"), *out.glob("*.txt")]:
        old.unlink()
    ranked = sorted(failures.items(), key=lambda kv: -kv[1]["count"])
    summary = []
    for n, (key, f) in enumerate(ranked, start=1):
        base = out / f"{n:02d}-{slug(key)}"
        base.with_suffix(".spec").write_bytes(f["small"].encode("utf-8", "surrogatepass"))
        base.with_suffix(".txt").write_text(
            f"root cause: {key}\ncount: {f['count']}\ngenerator: {f['gen']}\n"
            f"input (shrunk): {short_repr(f['small'], 10**6)}\n"
            f"input (as found): {short_repr(f['text'], 10**6)}\n\n"
            f"rerun: .venv/bin/python tests/benchmarks/fuzz_specs.py --replay {base.name}.spec"
            f"\n\n{f['tb']}",
            encoding="utf-8",
            errors="backslashreplace",
        )
        summary.append({"cause": key, "count": f["count"], "input": f["small"], "gen": f["gen"]})
    (out / "summary.json").write_text(json.dumps(summary, indent=1, ensure_ascii=True))


def _worker_init() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the run and reports
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _stop(signum, frame):
    raise KeyboardInterrupt


def replay(paths: list[Path]) -> int:
    """Run saved inputs through the oracle; print each outcome or traceback."""
    bad = 0
    for path in paths:
        text = path.read_bytes().decode("utf-8", "surrogatepass")
        try:
            print(f"{path}: {check_text(text)}")
        except Exception as e:  # noqa: BLE001
            bad += 1
            print(f"{path}: {root_cause(e)}")
            traceback.print_exc()
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--inputs", type=int, default=1_000_000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--chunk", type=int, default=2000, help="inputs per task")
    ap.add_argument("--limit", type=float, default=10.0, help="seconds per input at most")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "fuzz")
    ap.add_argument("--shrink-seconds", type=float, default=20.0)
    ap.add_argument("--max-seconds", type=float, default=0, help="stop (and report) after this")
    ap.add_argument("--replay", type=Path, nargs="+", help="run these inputs (bytes) and stop")
    args = ap.parse_args(argv)
    if args.replay:
        return replay(args.replay)

    names = list(GENERATORS)
    jobs, left, i = [], args.inputs, 0
    while left > 0:
        count = min(args.chunk, left)
        jobs.append((names[i % len(names)], args.seed * 1_000_003 + i, count, args.limit))
        left -= count
        i += 1
    repo_specs()  # read once before the workers fork
    per_gen: Counter = Counter()
    outcomes: Counter = Counter()
    failures: dict[str, dict] = {}
    done, start, last = 0, time.monotonic(), 0.0
    ctx = multiprocessing.get_context("fork")
    stopped = ""
    signal.signal(signal.SIGTERM, _stop)
    with ctx.Pool(args.jobs, initializer=_worker_init) as pool:
        results = pool.imap_unordered(run_chunk, jobs)
        while True:
            try:
                res = next(results)
            except StopIteration:
                break
            except KeyboardInterrupt:  # Ctrl-C or SIGTERM: report what is done
                stopped = "interrupted"
                break
            done += res["count"]
            per_gen[res["gen"]] += res["count"]
            outcomes.update(res["outcomes"])
            for key, f in res["failures"].items():
                g = failures.setdefault(key, {**f, "count": 0})
                g["count"] += f["count"]
                if len(f["text"]) < len(g["text"]):
                    g.update(text=f["text"], tb=f["tb"], gen=f["gen"])
            now = time.monotonic()
            if now - last > 30 or done == args.inputs:
                last = now
                print(
                    f"{done:>9,} inputs  {done / (now - start):7.0f}/s  "
                    f"failed {outcomes['failed']:,} in {len(failures)} root cause(s)",
                    flush=True,
                )
            if args.max_seconds and now - start > args.max_seconds:
                stopped = f"time limit of {args.max_seconds:.0f} s"
                break
    elapsed = time.monotonic() - start
    if stopped:  # chunks still running were dropped: the counts are of finished inputs only
        print(f"stopped early ({stopped}): {done:,} of {args.inputs:,} inputs ran", flush=True)
    for key, f in failures.items():
        f["small"] = shrink(f["text"], key, args.shrink_seconds)
    write_reproducers(args.out, failures)

    rate = done / elapsed
    totals = {"inputs": done, "seconds": round(elapsed, 1), "inputs_per_s": round(rate, 1)}
    totals.update(jobs=args.jobs, seed=args.seed, per_generator=per_gen, outcomes=outcomes)
    totals["stopped_early"] = stopped or None
    totals["root_causes"] = {k: f["count"] for k, f in failures.items()}
    (args.out / "totals.json").write_text(json.dumps(totals, indent=1))
    print(f"\ninputs: {done:,} in {elapsed:.0f} s = {rate:.0f} inputs/s ({args.jobs} jobs)")
    for g in names:
        print(f"  {g:<9} {per_gen[g]:>9,}")
    print("outcomes: " + ", ".join(f"{k} {v:,}" for k, v in sorted(outcomes.items())))
    print(f"root causes: {len(failures)} (reproducers in {args.out})")
    for key, f in sorted(failures.items(), key=lambda kv: -kv[1]["count"]):
        print(f"  {f['count']:>8,}  {key}\n            {short_repr(f['small'])}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
