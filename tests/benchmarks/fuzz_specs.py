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

The pieces: ``fuzz_oracle.py`` (``check_text``, ``root_cause``), ``fuzz_values.py`` (the values
drawn from, the repository's specs), ``fuzz_generators.py`` (the three generators),
``fuzz_report.py`` (shrinking, the reproducers); this file runs them (``main``, ``--replay``).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import signal
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.benchmarks.fuzz_generators import (  # noqa: E402
    GENERATORS,
    MUTATIONS,
    SPEC_ALPHABET,
    GrammarGen,
    gen_bytes,
    gen_grammar,
    gen_mutation,
    grammar_gen,
    mutate,
)
from tests.benchmarks.fuzz_oracle import (  # noqa: E402
    PropertyViolation,
    check_text,
    on_alarm,
    root_cause,
)
from tests.benchmarks.fuzz_report import short_repr, shrink, write_reproducers  # noqa: E402
from tests.benchmarks.fuzz_values import (  # noqa: E402
    EXTREME_NUMBERS,
    TERMINAL_VALUES,
    UNICODE_BITS,
    WORDS,
    repo_specs,
)

__all__ = [
    "EXTREME_NUMBERS",
    "GENERATORS",
    "MUTATIONS",
    "SPEC_ALPHABET",
    "TERMINAL_VALUES",
    "UNICODE_BITS",
    "WORDS",
    "GrammarGen",
    "PropertyViolation",
    "check_text",
    "gen_bytes",
    "gen_grammar",
    "gen_mutation",
    "grammar_gen",
    "main",
    "mutate",
    "repo_specs",
    "root_cause",
    "run_chunk",
]


def run_chunk(job: tuple[str, int, int, float]) -> dict:
    """Run ``count`` inputs of one generator from one seed; counts and failures back."""
    gen_name, seed, count, limit = job
    rng = random.Random(seed)
    gen = GENERATORS[gen_name]
    outcomes: Counter = Counter()
    failures: dict[str, dict] = {}
    signal.signal(signal.SIGALRM, on_alarm)
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
