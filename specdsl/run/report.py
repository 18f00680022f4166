"""How results are printed: one line per image, or one JSON document (``--json``).

Paths, labels and messages can come from an untrusted model file or folder: text lines pass
through :func:`specdsl.run.text.printable`; JSON keeps the exact strings, escaped by json."""

from __future__ import annotations

import json
import sys

from specdsl.run.predict import Result
from specdsl.run.text import printable


def text_line(r: Result, what: str) -> str:
    """``path: label 0.9731`` (top-k: ``path: a 0.9, b 0.1``); scores when not probabilities."""
    shown = ", ".join(f"{label} {value:.4f}" for label, value in r.top)
    line = f"{r.path}: {shown}" if what == "probability" else f"{r.path}: {shown} ({what})"
    return printable(line)


def error_line(r: Result) -> str:
    return printable(f"error: {r.path}: {r.error}")


def print_text(results, what: str) -> int:
    """Print as they come; return the number of failed images."""
    failed = 0
    for r in results:
        if r.error:
            failed += 1
            print(error_line(r), file=sys.stderr, flush=True)
        else:
            print(text_line(r, what), flush=True)
    return failed


def print_json(results, header: dict, what: str) -> int:
    rows, failed = [], 0
    for r in results:
        if r.error:
            failed += 1
            rows.append({"path": r.path, "error": r.error})
            print(error_line(r), file=sys.stderr, flush=True)
        else:
            label, value = r.top[0]
            rows.append(
                {
                    "path": r.path,
                    "label": label,
                    what: value,
                    "top": [{"label": lab, what: v} for lab, v in r.top],
                }
            )
    doc = dict(header, images=len(rows), failed=failed, results=rows)
    print(json.dumps(doc, indent=2))
    return failed
