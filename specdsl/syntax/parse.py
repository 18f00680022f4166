"""Text -> parse tree -> IR. Every problem becomes a diagnostic; all of them are reported."""

from __future__ import annotations

import gc
from bisect import bisect_left
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from lark import Tree
from lark.exceptions import UnexpectedInput, UnexpectedToken
from pydantic import ValidationError

from specdsl import ir
from specdsl.diagnostics import Diagnostic, Diagnostics, SpecError
from specdsl.syntax.blocks import Taken, take_blocks
from specdsl.syntax.errors import diagnose_statement, placed_chunks
from specdsl.syntax.grammar import parse_slice
from specdsl.syntax.lower import Lowerer
from specdsl.syntax.moved import Repeat, moved_tree
from specdsl.zoo import zoo_path

BOM = "\ufeff"


def parse_statements(text: str, lazy: bool = False) -> tuple[Tree, list[Diagnostic], bool]:
    """Parse statement by statement: the tree of those that parse, a diagnostic for each
    that does not, and whether the text as a whole fails to parse.

    A spec is a flat list of statements between separators (';', newlines), so the text
    parses exactly when every piece between separators does, and each piece gives the same
    tree on its own as within the whole (the grammar has no statement that spans a
    separator; tests/core/test_check_speed.py holds this to the whole-text parse). So:

    * runs of pieces not seen before are parsed together, in place (positions exact);
    * a piece seen before is not parsed again: its first trees are copied and moved;
    * when a run fails, the pieces before the failing one are parsed again, the failing
      one is diagnosed on its own (as if the rest of the text were blank: the message and
      position of the old statement-by-statement recovery), and the run goes on after it.

    Linear in the text however many errors there are; a repetitive spec parses only its
    distinct statements. With ``lazy``, a repeated statement is a :class:`Repeat` instead of
    a moved copy: the lowering replays what it made of the first one, or moves it then.
    """
    return _Statements(text, lazy).parse()


_RUN = 512  # pieces parsed in one go: what an error costs to parse again, at most


class _Statements:
    def __init__(self, text: str, lazy: bool = False):
        self.text = text
        self.lazy = lazy
        self.stmts: list = []
        self.found: list[Diagnostic] = []
        self.failed = False
        # piece -> (trees, line, column, offset) of its first place; None: it does not parse
        self.seen: dict[str, tuple | None] = {}

    def parse(self) -> tuple[Tree, list[Diagnostic], bool]:
        text = self.text
        run: list[tuple] = []  # (start, end, line, column, piece) not parsed yet
        pending: set[str] = set()
        for start, end, line, column in placed_chunks(text):
            piece = text[start:end] + ("\n" if text.startswith("\n", end) else "")
            if piece in pending or piece in self.seen:
                if run:  # statements stay in order: the run before this piece first
                    self._parse_run(run)
                    run, pending = [], set()
                self._again(start, end, line, column, self.seen[piece])
                continue
            run.append((start, end, line, column, piece))
            pending.add(piece)
            if len(run) == _RUN:
                self._parse_run(run)
                run, pending = [], set()
        self._parse_run(run)
        return Tree("start", self.stmts), self.found, self.failed

    def _parse_run(self, run: list[tuple]) -> None:
        """Parse consecutive new pieces in place; diagnose each one that fails."""
        ends = [c[1] for c in run]
        i = 0
        while i < len(run):
            try:
                self._keep(run[i:], _parse_span(self.text, run[i], run[-1]))
                return
            except UnexpectedInput as err:
                token = err.token if isinstance(err, UnexpectedToken) else None
                where = token.start_pos if token is not None else err.pos_in_stream
                bad = min(bisect_left(ends, where, i), len(run) - 1)
            if bad > i:
                try:
                    self._keep(run[i:bad], _parse_span(self.text, run[i], run[bad - 1]))
                except UnexpectedInput:  # pragma: no cover - pieces before the error parse
                    for piece in run[i:bad]:
                        self._bad(piece)
            self._bad(run[bad])
            i = bad + 1

    def _keep(self, run: list[tuple], trees: list) -> None:
        """Give each piece of a parsed run its statements (by position); remember them."""
        j = 0
        for start, end, line, column, piece in run:
            mine = []
            while j < len(trees) and trees[j].meta.start_pos <= end:
                mine.append(trees[j])
                j += 1
            self.seen[piece] = (mine, line, column, start)
            self.stmts.extend(mine)

    def _bad(self, chunk: tuple) -> None:
        start, end, line, column, piece = chunk
        self.seen[piece] = None
        self._again(start, end, line, column, None)

    def _again(self, start: int, end: int, line: int, column: int, first: tuple | None) -> None:
        if first is not None:
            trees, line0, column0, start0 = first
            lines, columns, chars = line - line0, column - column0, start - start0
            if self.lazy:
                self.stmts.extend(Repeat(t, line0, lines, columns, chars) for t in trees)
            else:
                self.stmts.extend(moved_tree(t, line0, lines, columns, chars) for t in trees)
            return
        self.failed = True
        trees, diag = diagnose_statement(self.text, start, end, line, column)
        self.stmts.extend(trees)
        if diag is not None:
            self.found.append(diag)


def _parse_span(text: str, first: tuple, last: tuple) -> list:
    """The statements from the piece ``first`` to the piece ``last`` and its separator."""
    start, _, line, column, _ = first
    stop = min(last[1] + 1, len(text))
    return parse_slice(text, start, stop, line, column).children


@contextmanager
def no_gc() -> Iterator[None]:
    """No cyclic garbage collection while a big tree is built: it finds no garbage there,
    and its passes over the growing tree took half the time of a large spec's check."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse_text(text: str, file: str | None = None, *, name: str | None = None) -> ir.ModelSpec:
    """Parse spec text into the IR; raise :class:`SpecError` with every diagnostic found.

    Warnings do not raise; they are ignored here (``specdsl check`` reports them).
    """
    spec, diags = parse_with_diagnostics(text, file, name=name)
    if diags.has_errors or spec is None:
        raise SpecError([d.with_file(file) for d in diags], text.removeprefix(BOM))
    return spec


def parse_with_diagnostics(
    text: str, file: str | None = None, *, name: str | None = None
) -> tuple[ir.ModelSpec | None, Diagnostics]:
    """The spec (None when the text does not parse) and every diagnostic found.

    A UTF-8 byte-order mark at the start is not part of the spec: lines and columns are
    counted after it, as editors show them.
    """
    if text.startswith(BOM):
        text = text[len(BOM) :]
    diags = Diagnostics()
    with no_gc():
        rest, taken = take_blocks(text)  # block bodies and loops are lowered from templates
        tree, errors, failed = parse_statements(rest, lazy=True)
        diags.extend(errors)
        result = _lower(tree, diags, failed, taken, file, name)
        del tree  # freed while the collector is off, so that it never walks the tree
    return result


def _lower(
    tree: Tree,
    diags: Diagnostics,
    failed: bool,
    taken: Taken,
    file: str | None,
    name: str | None,
) -> tuple[ir.ModelSpec | None, Diagnostics]:
    default = name or (Path(file).stem if file else "model")
    default = default if default.isidentifier() else "model"
    try:
        spec = Lowerer(diags, default, load_zoo_spec, taken).lower(tree)
    except ValidationError as e:  # a value no check caught: still a diagnostic, not a traceback
        first = e.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        diags.error(f"invalid value for {where}: {first['msg']}")
        return None, diags
    if failed:
        if not diags.has_errors:  # pragma: no cover - the whole failed but no piece did
            diags.error("the spec could not be parsed")
        return None, diags
    if file is not None:
        spec = spec.model_copy(update={"source": str(file)})
    return spec, diags


def parse_file(path: str | Path) -> ir.ModelSpec:
    path = Path(path)
    return parse_text(read_spec_text(path), str(path))


def read_spec_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")  # without a byte-order mark
    except FileNotFoundError:
        raise SpecError([Diagnostic(f"no such file: {path}", file=str(path))]) from None
    except IsADirectoryError:
        raise SpecError(
            [Diagnostic(f"{path} is a folder, not a spec file", file=str(path))]
        ) from None
    except UnicodeDecodeError as e:
        raise SpecError(
            [Diagnostic(f"not a UTF-8 text file ({e.reason})", file=str(path))]
        ) from None
    except OSError as e:
        raise SpecError([Diagnostic(f"cannot read: {e.strerror}", file=str(path))]) from None


@cache
def load_zoo_spec(arch: str) -> ir.ModelSpec | None:
    """The parsed zoo spec for ``base ARCH``, or None when the zoo has no such model."""
    path = zoo_path(arch)
    return None if path is None else parse_file(path)
