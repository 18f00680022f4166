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


_WORD_BEFORE = r"(?<![\w.\-])"  # a word starts here: not inside a name like conv2d_1
_WORD_AFTER = r"(?![\w.\-])"
_REF = {"name": "variable.other.layer.specdsl"}  # a layer read by name: `from stem`, `add a, b`
_COMMENT = {"match": r"#.*$", "name": "comment.line.number-sign.specdsl"}
_MERGES = ("add", "concat", "multiply")


def grammar() -> dict:
    """The patterns, in the order TextMate tries them where two match at the same column.

    TextMate takes the match that starts first on the line, so every word is matched whole
    (the last pattern takes the names no other pattern knows) and no number is found inside
    a name such as ``conv2d_1``.
    """
    patterns: list[dict] = [
        _COMMENT,
        {"match": r'"([^"\\]|\\.)*"', "name": "string.quoted.double.specdsl"},
        {
            "match": rf"{_WORD_BEFORE}(stage)\s+({_NAME})\s*(:)",
            "captures": {
                "1": {"name": "keyword.other.specdsl"},
                "2": {"name": "entity.name.section.specdsl"},
                "3": {"name": "punctuation.separator.colon.specdsl"},
            },
        },
        {  # a written layer name, at the start of a line or after `;`
            "match": rf"(?:^|(?<=;))\s*({_NAME})\s*(:)(?=\s*[A-Za-z])",
            "captures": {
                "1": {"name": "entity.name.function.layer.specdsl"},
                "2": {"name": "punctuation.separator.colon.specdsl"},
            },
        },
        {
            "match": rf"{_WORD_BEFORE}(from)\s+({_NAME})",
            "captures": {"1": {"name": "keyword.other.specdsl"}, "2": _REF},
        },
        {  # a merge and the layers it reads: `add conv2d_1, shortcut`
            "begin": rf"{_WORD_BEFORE}({'|'.join(_MERGES)}){_WORD_AFTER}",
            "beginCaptures": {"1": {"name": "storage.type.layer.specdsl"}},
            "end": r"(?=[;#])|$",
            "patterns": [
                {"match": _NAME, **_REF},
                {"match": ",", "name": "punctuation.separator.comma.specdsl"},
            ],
        },
        {  # an option, and a path as its value: `weights=./vgg16.h5`
            "match": rf"{_WORD_BEFORE}({_NAME})\s*(=)\s*((?:[~/]|\.(?!\d))[^\s;,\"]*)?",
            "captures": {
                "1": {"name": "variable.parameter.option.specdsl"},
                "2": {"name": "keyword.operator.assignment.specdsl"},
                "3": {"name": "string.unquoted.path.specdsl"},
            },
        },
        {
            "match": rf"{_WORD_BEFORE}\d+(x\d+)+{_WORD_AFTER}",
            "name": "constant.numeric.shape.specdsl",
        },
        {
            "match": rf"{_WORD_BEFORE}[ks]\d+(x\d+)?{_WORD_AFTER}",
            "name": "constant.numeric.kernel.specdsl",
        },
        {
            "match": r"(?<![\w.])[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?(?![\w.])",
            "name": "constant.numeric.specdsl",
        },
    ]
    for token, scope in _SCOPES.items():
        alternatives = "|".join(re.escape(w) for w in _words(token))
        patterns.append({"match": rf"{_WORD_BEFORE}({alternatives}){_WORD_AFTER}", "name": scope})
    patterns += [
        {"match": _NAME},  # any other name (a label, a model name) is a name, whole
        {"match": "/", "name": "keyword.operator.arithmetic.specdsl"},  # rescale 1/255
        {"match": ";", "name": "punctuation.terminator.statement.specdsl"},
        {"match": ",", "name": "punctuation.separator.comma.specdsl"},
        {"match": r"[\[\]]", "name": "punctuation.section.brackets.specdsl"},
        {"match": ":", "name": "punctuation.separator.colon.specdsl"},
    ]
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
