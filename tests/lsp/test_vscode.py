"""editors/vscode: the manifest, the language configuration and the generated TextMate grammar."""

from __future__ import annotations

import json
import os
import re
import subprocess
import zipfile

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
    """A small stand-in for a TextMate engine (no npm needed): first match wins at each position.

    A merge's begin pattern stands for the whole rule. The real engine runs in test_textmate.py.
    """
    patterns = textmate.grammar()["patterns"]
    rules = [(re.compile(p.get("match") or p["begin"]), p) for p in patterns]
    out, pos = {}, 0
    while pos < len(line):
        for rx, p in rules:
            m = rx.match(line, pos)
            if m and m.end() > pos:
                if "name" in p:
                    out[m.group()] = p["name"]
                for i, cap in (p.get("captures") or p.get("beginCaptures", {})).items():
                    if m.group(int(i)):
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


# A stand-in for VS Code's `vscode` module: enough for extension.js and vscode-languageclient
# to load, so a missing runtime dependency in the .vsix shows here.
_LOAD_EXTENSION = """
const Module = require("module");
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === "vscode") return new Proxy({}, { get: () => function () {} });
  return load.call(this, request, ...rest);
};
const ext = require(process.argv[1]);
process.stdout.write(typeof ext.activate + " " + typeof ext.deactivate);
"""


def test_packaged_as_vsix_by_vsce(tmp_path):
    from tests.lsp.npm_tools import npm_tool, tools_dir

    npm_tool("@vscode/vsce", "vsce")  # installed (or skipped) under the lock, not by the script
    env = {**os.environ, "SPECDSL_NPM_TOOLS": str(tools_dir())}
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "package_vscode.sh"), str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    manifest = json.loads((VSCODE / "package.json").read_text())
    vsix = tmp_path / f"specdsl-{manifest['version']}.vsix"
    assert "DONE  Packaged" in done.stdout and vsix.is_file()
    with zipfile.ZipFile(vsix) as z:
        names = set(z.namelist())
        for need in (
            "extension.vsixmanifest",
            "extension/package.json",
            "extension/syntaxes/specdsl.tmLanguage.json",
            "extension/language-configuration.json",
            "extension/extension.js",
            "extension/node_modules/vscode-languageclient/package.json",
        ):
            assert need in names, need
        assert not [n for n in names if n.endswith((".map", ".d.ts"))]  # .vscodeignore
        packed = json.loads(z.read("extension/package.json"))
        assert packed["contributes"] == manifest["contributes"]
        assert z.read("extension/syntaxes/specdsl.tmLanguage.json") == GRAMMAR.read_bytes()
        identity = z.read("extension.vsixmanifest").decode()
        assert f'Id="specdsl" Version="{manifest["version"]}" Publisher="specdsl"' in identity
        z.extractall(tmp_path / "unpacked")
    loaded = subprocess.run(
        ["node", "-e", _LOAD_EXTENSION, str(tmp_path / "unpacked" / "extension" / "extension.js")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert loaded.stdout == "function function", loaded.stderr
