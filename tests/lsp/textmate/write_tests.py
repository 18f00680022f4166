"""Write the TextMate grammar tests of this folder (``vscode-tmgrammar-test`` unit tests).

Each ``*.spec.test`` is a spec, line by line, with an assertion under each line for every
word, number, string and comment on it: the scope it must have. The expected scopes come from
the rules of the language written out here (which words are statement keywords, layer
keywords, Keras names, bases; what a shape, a kernel, a layer name, a reference, an option
is), never from the grammar under test, so a grammar that drifts fails. The lecture's six specs
are copied in as they are; ``graph.spec.test`` and ``syntax.spec.test`` cover the rest of the
syntax. Run it again when a lecture spec changes: ``python tests/lsp/textmate/write_tests.py``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))  # run as a script: tests.conftest from the checkout

from tests.conftest import LECTURE_NAMES as LECTURE  # noqa: E402  (the six, named once)

KEYWORD = "keyword.other.specdsl"
LAYER = "storage.type.layer.specdsl"
BUILTIN = "support.function.specdsl"
BASE = "entity.name.type.base.specdsl"
SHAPE = "constant.numeric.shape.specdsl"
KERNEL = "constant.numeric.kernel.specdsl"
NUMBER = "constant.numeric.specdsl"
COMMENT = "comment.line.number-sign.specdsl"
STRING = "string.quoted.double.specdsl"
PATH = "string.unquoted.path.specdsl"
DEFINITION = "entity.name.function.layer.specdsl"
REFERENCE = "variable.other.layer.specdsl"
OPTION = "variable.parameter.option.specdsl"
SECTION = "entity.name.section.specdsl"
ASSIGN = "keyword.operator.assignment.specdsl"
DIVIDE = "keyword.operator.arithmetic.specdsl"
SEMICOLON = "punctuation.terminator.statement.specdsl"
COMMA = "punctuation.separator.comma.specdsl"
# A plain name (a model name, a class label, imagenet): none of the scopes above (the tool
# compares whole scope names and takes one `-`: `required - excluded excluded ...`).
PLAIN = "source.specdsl - " + " ".join(
    (KEYWORD, LAYER, BUILTIN, BASE, SHAPE, KERNEL, NUMBER, STRING, DEFINITION, REFERENCE, OPTION)
)

WORDS = {
    **dict.fromkeys(
        "model input classes augment loss optimizer metrics epochs batch checkpoint best freeze"
        " unfreeze strategy stage from horizontal same valid nobias none precision".split(),
        KEYWORD,
    ),
    **dict.fromkeys(
        "conv dwconv sepconv pool avgpool gap flatten dense dropout rescale flip rotate zoom"
        " preprocess base activation batchnorm add concat multiply zeropad".split(),
        LAYER,
    ),
    **dict.fromkeys(
        "relu relu6 sigmoid softmax tanh rmsprop adam accuracy val_loss binary_crossentropy"
        " sparse_categorical_crossentropy caffe features".split(),
        BUILTIN,
    ),
    "vgg16": BASE,
}
MERGES = {"add", "concat", "multiply"}
_NAME = r"[A-Za-z_][\w.\-]*"
_TOKEN = re.compile(
    rf'(?P<string>"(?:[^"\\]|\\.)*")|(?P<comment>#.*)|(?P<path>(?<==)(?:\.?\.?/|~)[^\s;,"]*)'
    rf"|(?P<name>{_NAME})|(?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?:x\d+)*)|(?P<punct>[/;,=])"
)


def expected(line: str) -> list[tuple[int, str, str]]:
    """(column, token, scope) for every token of ``line`` that has a scope to check."""
    out = []
    statement: list[str] = []  # the words of the statement so far (`;` starts a new one)
    for m in _TOKEN.finditer(line):
        kind, tok, col = m.lastgroup, m.group(), m.start()
        after = line[m.end() :].lstrip()[:1]
        if kind == "string":
            scope = STRING
        elif kind == "comment":
            scope = COMMENT
        elif kind == "path":
            scope = PATH
        elif kind == "number":
            if re.fullmatch(r"\d+(x\d+)+", tok):
                scope = SHAPE
            else:
                scope = NUMBER
        elif kind == "punct":
            scope = {"/": DIVIDE, ";": SEMICOLON, ",": COMMA, "=": ASSIGN}[tok]
            if tok == ";":
                statement = []
        elif statement[-1:] == ["stage"]:
            scope = SECTION
        elif not statement and after == ":":
            scope = DEFINITION
        elif statement[-1:] == ["from"] or (statement and statement[0] in MERGES):
            scope = REFERENCE
        elif after == "=":
            scope = OPTION
        elif re.fullmatch(r"[ks]\d+(x\d+)?", tok):
            scope = KERNEL
        else:
            scope = WORDS.get(tok, PLAIN)
        if kind == "name" and not (statement == [] and after == ":"):
            statement.append(tok)
        out.append((col, tok, scope))
    return out


def assertions(line: str) -> list[str]:
    out = []
    for col, tok, scope in expected(line):
        if col == 0:  # '#' stands in column 0 of an assertion line: `<-` reaches it
            out.append(f"# <{'-' * len(tok)} {scope}")
        else:
            out.append(f"#{' ' * (col - 1)}{'^' * len(tok)} {scope}")
    return out


def test_file(title: str, lines: list[str]) -> str:
    out = [f'# SYNTAX TEST "source.specdsl" "{title}"']
    for line in lines:
        out.append(line)
        out += assertions(line)
    return "\n".join(out) + "\n"


GRAPH = """\
# A bottleneck with a skip connection (the README's graph example)
input 56x56x64
stem: conv 64 k1 relu
conv 64 k3 same relu
conv 256 k1
shortcut: conv 256 k1 from stem
add conv2d_1, shortcut           # Keras: layers.Add()([x, shortcut])
activation relu
side: conv 8 k1 from input; out: concat add, side
name: conv 64 k1 from stem
out2: add a, b
gate: multiply out2, name
"""

SYNTAX = """\
# The rest of the syntax: strings, options, paths, slices, negative and float numbers
model "café" # a model name may be a string
classes "great white shark" tench "猫" "say \\"hi\\""
input 224x224x3
rescale 1/128 offset=-0.9921875
stem_conv: conv 32 k3x5 s2 same nobias
dwconv k3 s1x2 valid depth_multiplier=2 relu6
zeropad top=0 bottom=1 left=0 right=1
batchnorm momentum=0.99 epsilon=1e-3
base vgg16 weights=./weights/vgg16.h5
base vgg16 weights="../vgg16 notop.h5"
dense_1: dense 10 softmax; dropout .5
freeze vgg16[:-4]
optimizer adam lr=1e-5
"""


def main() -> None:
    for name in LECTURE:
        text = (ROOT / "specs" / f"{name}.spec").read_text(encoding="utf-8")
        out = HERE / f"{name}.spec.test"
        out.write_text(test_file(f"specs/{name}.spec", text.splitlines()), encoding="utf-8")
    (HERE / "graph.spec.test").write_text(test_file("graphs", GRAPH.splitlines()))
    (HERE / "syntax.spec.test").write_text(test_file("syntax", SYNTAX.splitlines()))


if __name__ == "__main__":
    main()
