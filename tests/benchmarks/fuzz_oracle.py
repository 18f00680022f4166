"""The fuzzer's oracle: one input through the check path and the fmt round trip, and the root
cause (exception type + innermost frame in ``specdsl/``) that groups what it raises."""

from __future__ import annotations

import traceback
from pathlib import Path

from specdsl.api import diagnose
from specdsl.diagnostics import Diagnostic
from specdsl.ir import ir_equal
from specdsl.syntax.format import format_spec
from specdsl.syntax.parse import parse_with_diagnostics

ROOT = Path(__file__).resolve().parents[2]
FILE = "fuzz.spec"
SPECDSL = ROOT / "specdsl"


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


def on_alarm(signum, frame):
    raise FuzzTimeout("one input ran past the time limit")
