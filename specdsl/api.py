"""The library's front door: load a spec and check it in one call."""

from __future__ import annotations

from pathlib import Path

from specdsl import ir
from specdsl.check.analysis import Analysis
from specdsl.check.analyze import analyze, check
from specdsl.diagnostics import Diagnostic
from specdsl.syntax.parse import no_gc, parse_file, parse_text, parse_with_diagnostics


def load(path: str | Path) -> Analysis:
    """Parse and check a spec file; raise SpecError with every diagnostic if it is wrong."""
    return check(parse_file(path))


def loads(text: str, name: str | None = None) -> Analysis:
    return check(parse_text(text, name=name))


def diagnose(text: str, file: str | None = None) -> tuple[Analysis | None, list[Diagnostic]]:
    """Parse and check spec text; never raises for bad input.

    Returns the analysis (None when the text does not parse) and every diagnostic, sorted by
    position. Shape checks run even when lowering found errors (so a wrong activation and a
    kernel larger than its input are reported together), as long as the input size is known.
    """
    spec, diags = parse_with_diagnostics(text, file)
    analysis = None
    if spec is not None and (spec.input_shape is not None or not diags.has_errors):
        had_errors = diags.has_errors
        try:
            with no_gc():  # the analysis only builds: nothing for the collector to find
                analysis = analyze(spec, diags)
        except (ArithmeticError, ValueError):
            if not had_errors:  # a bug, not bad input: let the tests see it
                raise
            # values already reported as errors (e.g. stride 0) made a shape uncomputable
    items = sorted((d.with_file(file) for d in diags), key=Diagnostic.position)
    return analysis, items


__all__ = ["Analysis", "check", "diagnose", "ir", "load", "loads", "parse_file", "parse_text"]
