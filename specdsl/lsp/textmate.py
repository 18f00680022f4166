"""The TextMate grammar of ``editors/vscode`` from the same word lists as the Pygments lexer.

``python -m specdsl.lsp.textmate`` rewrites ``editors/vscode/syntaxes/specdsl.tmLanguage.json``;
a test checks that the committed file is what this module makes.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from pygments.token import Keyword, Name

from specdsl.highlight import word_classes

_NAME = r"[A-Za-z_][A-Za-z0-9_.\-]*"
_SCOPES = {  # token type -> TextMate scope
    Keyword.Type: "storage.type.layer.specdsl",
    Keyword: "keyword.other.specdsl",
    Name.Builtin: "support.function.specdsl",
    Name.Class: "entity.name.type.base.specdsl",
}


def _words(token) -> list[str]:
    return sorted(w for w, t in word_classes().items() if t is token)


def grammar() -> dict:
    patterns: list[dict] = [
        {"match": r"#.*$", "name": "comment.line.number-sign.specdsl"},
        {"match": r'"([^"\\]|\\.)*"', "name": "string.quoted.double.specdsl"},
        {
            "match": rf"\b(stage)\s+({_NAME})\s*(:)",
            "captures": {
                "1": {"name": "keyword.other.specdsl"},
                "2": {"name": "entity.name.section.specdsl"},
            },
        },
        {
            "match": rf"^\s*({_NAME})\s*(:)(?=\s*[A-Za-z])",
            "captures": {"1": {"name": "entity.name.function.layer.specdsl"}},
        },
        {
            "match": rf"\b({_NAME})\s*(?==)",
            "captures": {"1": {"name": "variable.parameter.option.specdsl"}},
        },
        {"match": r"\b\d+(x\d+)+\b", "name": "constant.numeric.shape.specdsl"},
        {"match": r"\b[ks]\d+(x\d+)?\b", "name": "constant.numeric.kernel.specdsl"},
        {
            "match": r"[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?\b",
            "name": "constant.numeric.specdsl",
        },
    ]
    for token, scope in _SCOPES.items():
        alternatives = "|".join(re.escape(w) for w in _words(token))
        patterns.append({"match": rf"(?<![\w.\-])({alternatives})(?![\w.\-])", "name": scope})
    return {
        "$schema": "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
        "name": "specdsl",
        "scopeName": "source.specdsl",
        "fileTypes": ["spec"],
        "patterns": patterns,
    }


def text() -> str:
    return json.dumps(grammar(), indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else Path("editors/vscode/syntaxes/specdsl.tmLanguage.json")
    out.write_text(text(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
