"""Copy definitions out of the snippet modules by name (their source text, never imported)."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

SNIPPETS = Path(__file__).parent / "snippets"


@cache
def _definitions(module: str) -> tuple[dict[str, str], tuple[str, ...]]:
    """name -> source of each top-level def/class (and ``Class.method``), and their order."""
    text = (SNIPPETS / f"{module}.py").read_text(encoding="utf-8")
    lines = text.splitlines()
    tree = ast.parse(text)
    found: dict[str, str] = {}
    order: list[str] = []

    def grab(node) -> str:
        first = min([node.lineno] + [d.lineno for d in node.decorator_list])
        return "\n".join(lines[first - 1 : node.end_lineno])

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            found[node.name] = grab(node)
            order.append(node.name)
            if isinstance(node, ast.ClassDef):
                for sub in node.body:
                    if isinstance(sub, ast.FunctionDef):
                        found[f"{node.name}.{sub.name}"] = grab(sub)
                        order.append(f"{node.name}.{sub.name}")
    return found, tuple(order)


def pick(module: str, names, rename: dict[str, str] | None = None) -> list[str]:
    """The sources of ``names`` from a snippet module, in the module's order.

    ``rename`` maps a definition's name to the name it gets in the emitted file.
    """
    found, order = _definitions(module)
    wanted = set(names)
    missing = wanted - set(found)
    if missing:
        raise KeyError(f"snippets/{module}.py has no definition {sorted(missing)[0]!r}")
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
