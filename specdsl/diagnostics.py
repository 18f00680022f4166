"""One diagnostics type for every user-facing problem, rendered for people or editors."""

from __future__ import annotations

import difflib
import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from specdsl.ir.span import Span

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Diagnostic:
    message: str
    span: Span | None = None
    severity: Severity = "error"
    hint: str | None = None
    expected: str | None = None
    file: str | None = None

    def position(self) -> tuple[int, int]:
        """(line, column), for sorting; diagnostics without a span come first."""
        return (self.span.line, self.span.column) if self.span else (0, 0)

    def with_file(self, file: str | None) -> Diagnostic:
        return Diagnostic(self.message, self.span, self.severity, self.hint, self.expected, file)

    def as_dict(self) -> dict:
        d: dict = {"severity": self.severity, "message": self.message, "file": self.file}
        if self.span:
            d.update(
                line=self.span.line,
                column=self.span.column,
                end_line=self.span.end_line,
                end_column=self.span.end_column,
            )
        if self.expected:
            d["expected"] = self.expected
        if self.hint:
            d["hint"] = self.hint
        return d


@dataclass
class Diagnostics:
    """A growing list of diagnostics; lowering and checks append, the CLI renders."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, message: str, span: Span | None = None, **kw) -> None:
        self.items.append(Diagnostic(message, span, "error", **kw))

    def warning(self, message: str, span: Span | None = None, **kw) -> None:
        self.items.append(Diagnostic(message, span, "warning", **kw))

    def extend(self, other: Iterable[Diagnostic]) -> None:
        self.items.extend(other)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "error"]

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.items)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


class SpecError(Exception):
    """Raised when a spec has errors; carries every diagnostic found."""

    def __init__(self, diagnostics: Iterable[Diagnostic], source: str | None = None):
        self.diagnostics = list(diagnostics)
        self.source = source
        super().__init__(render_all(self.diagnostics, source))


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """``did you mean 'relu'?`` for the closest choice, if any is close enough."""
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{match[0]}'?" if match else None


def render(d: Diagnostic, source: str | None = None) -> str:
    """``file:line:col: error: message``, the source line, a caret, expected and hint."""
    where = printable(d.file or "<spec>")
    if d.span:
        where += f":{d.span.line}:{d.span.column}"
    lines = [f"{where}: {d.severity}: {printable(d.message)}"]
    if d.span and source is not None:
        src_lines = source.splitlines()
        if 0 < d.span.line <= len(src_lines):
            text = src_lines[d.span.line - 1]
            width = 1
            if d.span.end_line == d.span.line and d.span.end_column > d.span.column:
                width = d.span.end_column - d.span.column
            text, column, width = _window(text, d.span.column, width)
            lines.append(f"  {d.span.line:>3} | {text}")
            lines.append(f"      | {' ' * (column - 1)}^{'~' * (width - 1)}")
    if d.expected:
        lines.append(f"      = expected: {printable(d.expected)}")
    if d.hint:
        lines.append(f"      = hint: {printable(d.hint)}")
    return "\n".join(lines)


SHOWN_WIDTH = 100  # characters of a long source line shown around the caret


def _window(text: str, column: int, width: int) -> tuple[str, int, int]:
    """The source line as shown: control characters (a spec is untrusted: an escape sequence
    in a comment must not reach the terminal) as one replacement character each, so that the
    caret keeps its place, and a long line cut to a window around the error."""
    text = "".join("\ufffd" if _control(c) else c for c in text)
    width = max(1, min(width, SHOWN_WIDTH))
    if len(text) <= SHOWN_WIDTH:
        return text, column, width
    start = max(0, min(column - 1 - SHOWN_WIDTH // 3, len(text) - SHOWN_WIDTH))
    window = text[start : start + SHOWN_WIDTH]
    left = "…" if start else ""
    right = "…" if start + SHOWN_WIDTH < len(text) else ""
    width = min(width, SHOWN_WIDTH - (column - 1 - start))
    return left + window + right, column - start + len(left), max(1, width)


def _control(c: str) -> bool:
    return unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") and c != "\u200d"


def printable(text: str) -> str:
    """A message as printed: control and format characters escaped (``\\x1b``)."""
    if not any(_control(c) for c in text):
        return text
    return "".join(c.encode("unicode_escape").decode() if _control(c) else c for c in text)


def render_all(diags: Iterable[Diagnostic], source: str | None = None) -> str:
    return "\n".join(render(d, source) for d in diags)


def to_json(diags: Iterable[Diagnostic]) -> str:
    return json.dumps([d.as_dict() for d in diags], indent=2)
