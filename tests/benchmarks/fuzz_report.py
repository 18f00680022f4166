"""What the fuzzer leaves of a failure: its input shrunk while the same root cause shows, and a
reproducer per root cause (``NN-<cause>.spec``, ``NN-<cause>.txt``, ``summary.json``)."""

from __future__ import annotations

import json
import re
import signal
import time
from pathlib import Path

from tests.benchmarks.fuzz_oracle import check_text, on_alarm, root_cause


def reproduces(text: str, key: str, limit: float = 5.0) -> bool:
    signal.signal(signal.SIGALRM, on_alarm)
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
