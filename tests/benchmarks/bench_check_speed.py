"""Benchmark of ``specdsl check`` on long specs, on demand:
``.venv/bin/python tests/benchmarks/bench_check_speed.py [--full-baseline]``.

The whole check path in one process (``api.diagnose``: parse, lower, shape analysis), for

* specs of 1k, 2k, 4k and 10k lines of ``activation relu`` with one error at the end (the
  shape of issue 10's report), and a 10k-line spec of varied statements with six errors;
* a 1 MB valid spec of a realistic mix of layers (statements repeat, as they do in real
  specs), and a 1 MB valid spec in which every statement is different (the worst case of
  the per-statement cache).

Each time is the best of a few runs, as CPU time (the machine may be shared; CPU time is what
contention disturbs least). The baseline is the pre-fix algorithm, kept below as it was: parse
the whole text, and on an error parse every statement again in a blanked copy of the whole
text (quadratic). It runs for 1k and 2k lines and the 1 MB specs; larger sizes are estimated
from the 2k time (x size^2), unless ``--full-baseline`` (4k lines alone took 137 s).

Goals (issue 10): 10,000 lines with errors in 1 s or less, a 1 MB valid spec in 1 s or less.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from lark import Tree
from lark.exceptions import UnexpectedInput

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from specdsl import api  # noqa: E402
from specdsl.check.analyze import analyze  # noqa: E402
from specdsl.diagnostics import Diagnostic, Diagnostics  # noqa: E402
from specdsl.syntax import parse  # noqa: E402
from specdsl.syntax.blocks import Taken, take_blocks  # noqa: E402
from specdsl.syntax.errors import to_diagnostic  # noqa: E402
from specdsl.syntax.grammar import parser  # noqa: E402

# ---- the pre-fix algorithm, kept as the baseline (specdsl/syntax/parse.py and errors.py
# before issue 10); not used by specdsl itself -------------------------------------------


def old_split_statements(text: str) -> list[tuple[int, int]]:
    chunks = []
    start = 0
    i = 0
    in_string = False
    n = len(text)
    while i < n:
        c = text[i]
        if in_string:
            if c == "\\":
                i += 1
            elif c == '"' or c == "\n":
                in_string = False
        elif c == '"':
            in_string = True
        elif c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        elif c in ";\n":
            chunks.append((start, i))
            start = i + 1
        i += 1
    chunks.append((start, n))
    return [
        (a, b) for a, b in chunks if text[a:b].strip() and not text[a:b].strip().startswith("#")
    ]


def old_mask(text: str, start: int, end: int) -> str:
    out = [c if (start <= i < end or c == "\n") else " " for i, c in enumerate(text)]
    return "".join(out)


def old_parse_statements(text: str) -> tuple[Tree, list[Diagnostic]]:
    found = []
    stmts = []
    for start, end in old_split_statements(text):
        try:
            stmts.extend(parser().parse(old_mask(text, start, end)).children)
        except UnexpectedInput as err:
            found.append(to_diagnostic(err, text, (start, end)))
    return Tree("start", stmts), found


def old_parse_tree(text: str) -> tuple[Tree, list[Diagnostic], bool]:
    """The old front half of parse_with_diagnostics: (tree, syntax errors, failed)."""
    try:
        return parser().parse(text), [], False
    except UnexpectedInput:
        tree, errors = old_parse_statements(text)
        return tree, errors, True


def old_diagnose(text: str) -> list[Diagnostic]:
    """api.diagnose with the old parse: the same lowering and analysis after it."""
    tree, errors, failed = old_parse_tree(text)
    diags = Diagnostics()
    diags.extend(errors)
    spec, diags = parse._lower(tree, diags, failed, Taken(), "bench.spec", None)
    if spec is not None and (spec.input_shape is not None or not diags.has_errors):
        try:
            analyze(spec, diags)
        except (ArithmeticError, ValueError):
            pass
    return sorted(diags, key=Diagnostic.position)


# ---- specs --------------------------------------------------------------------------


def one_error(lines: int) -> str:
    return "model m\ninput 28x28x1\n" + "activation relu\n" * lines + "conv conv"


def varied_with_errors(lines: int) -> str:
    body = ["conv 8 k1 same relu", "batchnorm", "activation relu", "dropout 0.1", "# note"]
    out = ["model m", "input 28x28x1"] + [body[i % len(body)] for i in range(lines)]
    for at, bad in [
        (10, "pool two"),
        (2000, "convv 8 k3"),
        (4000, "conv 8 k3 rellu"),
        (6000, "dense"),
        (8000, "dropout 0.1 0.2"),
        (lines - 5, "checkpoint"),
    ]:
        out[at] = bad
    return "\n".join(out) + "\n"


def valid_mb(distinct: bool) -> str:
    body = [
        "conv 8 k1 same relu",
        "batchnorm",
        "activation relu",
        "dropout 0.1",
        "# a comment line",
        "conv 8 k3 same nobias; activation relu",
    ]
    lines = ["model big", "input 28x28x1", "classes 0 1 2 3 4 5 6 7 8 9"]
    size, i = 0, 0
    while size < 1_000_000:
        line = f"dropout 0.{i:07d}" if distinct else body[i % len(body)]
        lines.append(line)
        size += len(line) + 1
        i += 1
    lines += ["flatten", "dense 10 softmax", "loss sparse_categorical_crossentropy"]
    return "\n".join(lines) + "\n"


def cpu_best(fn, text: str, repeats: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t = time.process_time()
        out = fn(text)
        best = min(best, time.process_time() - t)
    return best, out


def new_diagnose(text: str) -> list[Diagnostic]:
    return api.diagnose(text, "bench.spec")[1]


def phases(text: str) -> tuple[float, float, float]:
    """CPU seconds of the new check's three phases: parse, lower (under the same no-GC guard
    as parse_with_diagnostics), and the shape analysis (as api.diagnose runs it)."""
    t0 = time.process_time()
    with parse.no_gc():
        rest, taken = take_blocks(text)
        tree, errors, failed = parse.parse_statements(rest, lazy=True)
        t1 = time.process_time()
        spec, diags = parse._lower(tree, Diagnostics(errors), failed, taken, "bench.spec", None)
        del tree
    t2 = time.process_time()
    with parse.no_gc():  # as api.diagnose runs it
        analyze(spec, diags)
    return t1 - t0, t2 - t1, time.process_time() - t2


def main() -> int:
    full = "--full-baseline" in sys.argv
    new_diagnose("model m\ninput 1x1x1\n")  # build the parser once, outside the timings
    cases = [(f"{n // 1000}k lines, 1 error", one_error(n), n) for n in (1000, 2000, 4000, 10000)]
    cases.append(("10k lines varied, 6 errors", varied_with_errors(10000), 10000))
    cases.append(("1 MB valid, mixed", valid_mb(distinct=False), None))
    cases.append(("1 MB valid, all distinct", valid_mb(distinct=True), None))
    print(f"{'spec':<28} {'lines':>7} {'errors':>6} {'new s':>7} {'old s':>9} {'old/new':>8}")
    two_k = None
    failed_goal = []
    for label, text, lines in cases:
        new_t, new_out = cpu_best(new_diagnose, text, 3)
        errors = [d for d in new_out if d.severity == "error"]
        quadratic = lines is not None and lines > 2000
        if quadratic and not full:
            old_t, mark = two_k * (lines / 2000) ** 2, "~"
        else:
            old_t, old_out = cpu_best(old_diagnose, text, 1)
            mark = " "
            same = [(d.span, d.message, d.hint) for d in old_out if d.severity == "error"] == [
                (d.span, d.message, d.hint) for d in errors
            ]
            if not same:
                print(f"  {label}: the old and new diagnostics differ!")
                failed_goal.append(label)
        if lines == 2000:
            two_k = old_t
        n_lines = text.count("\n") + 1
        print(
            f"{label:<28} {n_lines:>7} {len(errors):>6} {new_t:>7.3f} {mark}{old_t:>8.2f}"
            f" {old_t / new_t:>7.0f}x"
        )
        if (lines == 10000 or lines is None) and new_t > 1.0:
            failed_goal.append(label)
    print("(~ = estimated from the 2k-line time, x size^2; --full-baseline measures it)")
    print("\nwhere the 1 MB checks go (CPU s, best of 3): parse / lower / analyze")
    for label, text, lines in cases:
        if lines is None:
            best = min((phases(text) for _ in range(3)), key=sum)
            print(f"  {label:<26} {best[0]:.3f} / {best[1]:.3f} / {best[2]:.3f}")
    if failed_goal:
        print("over the goal or different:", ", ".join(failed_goal))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
