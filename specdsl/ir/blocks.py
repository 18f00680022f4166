"""Blocks as written: a definition and the calls that used it.

The layers a call produces are ordinary layers of :attr:`ModelSpec.layers` (every target and
check reads only those). These records keep how the spec was written, so that ``fmt`` writes a
block and its calls back instead of their expansion, and the editor can list them. They are
not part of what the spec means: :func:`specdsl.ir.tools.spec_hash` leaves them out.
"""

from __future__ import annotations

from specdsl.ir.span import Node, Span


class BlockParam(Node):
    name: str
    default: str | None = None  # the default's text, as written; None: the call must give it


class BlockStatement(Node):
    """One statement of a block's body, as written (placeholders such as ``{filters}``
    unfilled, comment removed); its span is where it stands in the file."""

    stmt: str


class BlockDef(Node):
    """``block NAME(params):`` ... ``end``."""

    name: str
    params: tuple[BlockParam, ...] = ()
    body: tuple[BlockStatement, ...] = ()
    at: int = 0  # how many layers the model has above the definition
    end_span: Span | None = None  # where its 'end' stands


class BlockCall(Node):
    """A call of a block, or a ``for`` line of calls, at the model's top level: the layers
    ``first`` to ``first + count - 1`` are its expansion."""

    call: str  # the statement as written, spaces normalised, comment removed
    first: int
    count: int
