"""The library's front door: load a spec and check it in one call."""

from __future__ import annotations

from pathlib import Path

from specdsl import ir
from specdsl.check.analysis import Analysis
from specdsl.check.analyze import check
from specdsl.syntax.parse import parse_file, parse_text


def load(path: str | Path) -> Analysis:
    """Parse and check a spec file; raise SpecError with every diagnostic if it is wrong."""
    return check(parse_file(path))


def loads(text: str, name: str | None = None) -> Analysis:
    return check(parse_text(text, name=name))


__all__ = ["Analysis", "check", "ir", "load", "loads", "parse_file", "parse_text"]
