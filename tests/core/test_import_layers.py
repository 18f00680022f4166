"""The pipeline's direction in the imports: text -> syntax -> IR -> check -> targets.

Each case imports one module in a fresh interpreter and lists what came with it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def _loaded(module: str) -> list[str]:
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return [m for m in json.loads(out.stdout) if m.startswith("specdsl")]


@pytest.mark.parametrize(
    "module, never",
    [
        ("specdsl.ir", ("specdsl.syntax", "specdsl.check", "specdsl.backends")),
        ("specdsl.diagnostics", ("specdsl.syntax", "specdsl.check", "specdsl.backends")),
        ("specdsl.zoo", ("specdsl.syntax", "specdsl.check")),
        ("specdsl.syntax.parse", ("specdsl.check", "specdsl.backends", "specdsl.review")),
        ("specdsl.check.analyze", ("specdsl.backends", "specdsl.review", "specdsl.cli")),
    ],
)
def test_imports_flow_one_way(module: str, never: tuple[str, ...]):
    wrong = [m for m in _loaded(module) if m.startswith(never)]
    assert not wrong, f"{module} imports {wrong}"
