"""editors/vscode: the manifest, the language configuration and the generated TextMate grammar."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import ROOT

pytest.importorskip("pygments", reason="the grammar's words come through the lexer (lsp extra)")

from specdsl.lsp import textmate  # noqa: E402

VSCODE = ROOT / "editors" / "vscode"
GRAMMAR = VSCODE / "syntaxes" / "specdsl.tmLanguage.json"


def test_committed_grammar_is_the_generated_one():
    assert GRAMMAR.read_text(encoding="utf-8") == textmate.text(), (
        "regenerate it: python -m specdsl.lsp.textmate"
    )


def test_manifest_wires_language_grammar_and_server():
    manifest = json.loads((VSCODE / "package.json").read_text())
    (lang,) = manifest["contributes"]["languages"]
    assert lang["id"] == "specdsl" and ".spec" in lang["extensions"]
    (grammar,) = manifest["contributes"]["grammars"]
    assert (VSCODE / grammar["path"]).is_file() and (VSCODE / lang["configuration"]).is_file()
    assert manifest["contributes"]["configuration"]["properties"]["specdsl.command"]["default"] == [
        "specdsl",
        "lsp",
    ]
    config = json.loads((VSCODE / lang["configuration"]).read_text())
    assert config["comments"]["lineComment"] == "#"
    assert (VSCODE / manifest["main"]).is_file()


def _scopes(line: str) -> dict[str, str]:
    """A small stand-in for a TextMate engine: first match wins at each position."""
    rules = [(re.compile(p["match"]), p) for p in textmate.grammar()["patterns"]]
    out, pos = {}, 0
    while pos < len(line):
        for rx, p in rules:
            m = rx.match(line, pos)
            if m and m.end() > pos:
                if "name" in p:
                    out[m.group()] = p["name"]
                for i, cap in p.get("captures", {}).items():
                    out[m.group(int(i))] = cap["name"]
                pos = m.end()
                break
        else:
            pos += 1
    return out


@pytest.mark.parametrize("path", sorted((ROOT / "specs").glob("**/*.spec")), ids=lambda p: p.name)
def test_grammar_scopes_the_lecture_specs(path):
    scopes = {}
    for line in path.read_text().splitlines():
        scopes.update(_scopes(line))
    assert scopes.get("input") == "keyword.other.specdsl"
    assert any(v == "constant.numeric.shape.specdsl" for v in scopes.values())
    words = [w for w in ("conv", "dense", "base", "pool") if w in scopes]
    assert words and all(scopes[w] == "storage.type.layer.specdsl" for w in words)
    for act in ("relu", "sigmoid", "softmax"):
        if act in scopes:
            assert scopes[act] == "support.function.specdsl"
