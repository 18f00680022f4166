"""Source positions: every IR node remembers where it came from."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Span(BaseModel):
    """A region of a spec file: 1-based line and column, end exclusive."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.line}:{self.column}"


class Node(BaseModel):
    """Base of every IR node: frozen, strict, with an optional source span."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    span: Span | None = None
