"""Text -> parse tree -> IR. Every problem becomes a diagnostic; all of them are reported."""

from __future__ import annotations

from pathlib import Path

from lark import Tree
from lark.exceptions import UnexpectedInput
from pydantic import ValidationError

from specdsl import ir
from specdsl.check.diagnostics import Diagnostic, Diagnostics, SpecError
from specdsl.syntax.errors import mask, split_statements, to_diagnostic
from specdsl.syntax.grammar import parser
from specdsl.syntax.lower import Lowerer


def parse_statements(text: str) -> tuple[Tree, list[Diagnostic]]:
    """Recovery: parse each statement on its own (positions kept by masking the rest).

    Returns a tree of the statements that parsed, so that their semantic errors are
    reported too, and a diagnostic for each that did not.
    """
    found = []
    stmts = []
    for start, end in split_statements(text):
        try:
            stmts.extend(parser().parse(mask(text, start, end)).children)
        except UnexpectedInput as err:
            found.append(to_diagnostic(err, text, (start, end)))
    return Tree("start", stmts), found


def parse_text(text: str, file: str | None = None, *, name: str | None = None) -> ir.ModelSpec:
    """Parse spec text into the IR; raise :class:`SpecError` with every diagnostic found.

    Warnings do not raise; they are ignored here (``specdsl check`` reports them).
    """
    spec, diags = parse_with_diagnostics(text, file, name=name)
    if diags.has_errors or spec is None:
        raise SpecError([d.with_file(file) for d in diags], text)
    return spec


def parse_with_diagnostics(
    text: str, file: str | None = None, *, name: str | None = None
) -> tuple[ir.ModelSpec | None, Diagnostics]:
    from specdsl.zoo import load_zoo_spec

    diags = Diagnostics()
    failed = False
    try:
        tree = parser().parse(text)
    except UnexpectedInput:
        tree, errors = parse_statements(text)
        diags.extend(errors)
        failed = True
    default = name or (Path(file).stem if file else "model")
    default = default if default.isidentifier() else "model"
    try:
        spec = Lowerer(diags, default, load_zoo_spec).lower(tree)
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
        return path.read_text(encoding="utf-8")
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
