"""Copy definitions out of a backend's snippet modules by name (their text, never imported).

A backend's ``snippets/`` folder holds real, linted Python: each top-level ``def``, ``class``
(and ``Class.method``) and each top-level assignment of one name is a definition the writers
copy into the emitted files, exactly as written there.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

BACKENDS = Path(__file__).parent


@cache
def _definitions(backend: str, module: str) -> tuple[dict[str, str], tuple[str, ...]]:
    """name -> source of each definition, and their order in the module."""
    text = (BACKENDS / backend / "snippets" / f"{module}.py").read_text(encoding="utf-8")
    lines = text.splitlines()
    tree = ast.parse(text)
    found: dict[str, str] = {}
    order: list[str] = []

    def grab(name: str, node, definition: bool = True) -> None:
        """A def or class replaces an assignment of the same name (a placeholder)."""
        if name in found and not definition:
            return
        if name not in found:
            order.append(name)
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        found[name] = "\n".join(lines[first - 1 : node.end_lineno])

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            grab(node.name, node)
            if isinstance(node, ast.ClassDef):
                for sub in node.body:
                    if isinstance(sub, ast.FunctionDef):
                        grab(f"{node.name}.{sub.name}", sub)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            if isinstance(node.targets[0], ast.Name):
                grab(node.targets[0].id, node, definition=False)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            grab(node.target.id, node, definition=False)
    return found, tuple(order)


def pick(backend: str, module: str, names, rename: dict[str, str] | None = None) -> list[str]:
    """The sources of ``names`` from ``backends/<backend>/snippets/<module>.py``, in its order.

    ``rename`` maps a definition's name to the name it gets in the emitted file.
    """
    found, order = _definitions(backend, module)
    wanted = set(names)
    missing = wanted - set(found)
    if missing:
        where = f"{backend}/snippets/{module}.py"
        raise KeyError(f"{where} has no definition {sorted(missing)[0]!r}")
    out = []
    for name in order:
        if name in wanted:
            src = found[name]
            if rename and name in rename:
                short = name.rsplit(".", 1)[-1]
                src = src.replace(f"def {short}(", f"def {rename[name]}(", 1)
                src = src.replace(f"class {short}(", f"class {rename[name]}(", 1)
            out.append(src)
    return out
