"""The one registry idiom for per-kind tables: a handler per IR layer class.

Shape rules, the formatter, the three targets and the importers each keep one
:class:`KindTable`, filled by a decorator keyed by the IR class (as onnx2torch keys its
converters by op type)::

    EMIT = KindTable("the keras backend")

    @EMIT.register(ir.Conv2D)
    def conv2d(layer, info): ...

Registering a class twice is an error at import time; looking up a kind without a handler
raises the table's error naming the kind, the table and the spec position.
``tests/core/test_kind_table.py`` walks :data:`specdsl.ir.kinds.KINDS` against every table.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable


class UnsupportedKind(Exception):
    """A table has no handler for a layer kind."""


class KindTable:
    def __init__(self, owner: str, error: type[Exception] = UnsupportedKind):
        self.owner = owner  # "the keras backend", "the formatter": for messages
        self.error = error
        self.table: dict[Hashable, Callable] = {}

    def register(self, *keys: Hashable):
        """Register the decorated handler for these IR classes (or other keys)."""

        def deco(fn: Callable) -> Callable:
            for key in keys:
                if key in self.table:
                    name = getattr(key, "__name__", key)
                    raise ValueError(
                        f"{self.owner}: {name} is registered twice "
                        f"({self.table[key].__qualname__} and {fn.__qualname__})"
                    )
                self.table[key] = fn
            return fn

        return deco

    def __contains__(self, key: Hashable) -> bool:
        return key in self.table

    def get(self, key: Hashable) -> Callable | None:
        return self.table.get(key)

    def lookup(self, layer, source: str | None = None) -> Callable:
        """The handler for an IR layer; the table's error when there is none."""
        try:
            return self.table[type(layer)]
        except KeyError:
            where = source or "<spec>"
            span = getattr(layer, "span", None)
            if span is not None:
                where += f":{span.line}:{span.column}"
            raise self.error(
                f"{where}: {self.owner} does not support layer kind '{layer.kind}' "
                f"(layer '{layer.name}')"
            ) from None
