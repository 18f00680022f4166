"""A Pygments lexer for spec text, registered as the ``specdsl`` lexer (``*.spec`` files).

Pygments finds it through the ``pygments.lexers`` entry point, so Sphinx and MkDocs
(```` ```specdsl ````), Jupyter and ``rich`` highlight specs. The word lists are not written
here: keywords come from the grammar (Lark's literal terminals), layer keywords from the kind
table, activations, losses, optimizers, metrics, preprocessing modes and checkpoint monitors
from :mod:`specdsl.ir.vocab`, bases from the zoo. They are read the first time a word is
classified, so importing this module (which Pygments does whenever it looks for a lexer) only
imports Pygments.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pygments.lexer import RegexLexer, bygroups
from pygments.token import (
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
)

_NAME = r"[A-Za-z_][A-Za-z0-9_.\-]*"
_END = r"(?![A-Za-z0-9_])"


@lru_cache(maxsize=1)
def word_classes() -> dict[str, object]:
    """Every word the language knows, with its token type (later groups win)."""
    from specdsl.ir import vocab
    from specdsl.ir.kinds import KINDS
    from specdsl.syntax.errors import keywords
    from specdsl.zoo import zoo_names

    table: dict[str, object] = {}
    builtins = (
        *vocab.ACTIVATIONS,
        *vocab.LOSSES,
        *vocab.OPTIMIZERS,
        *vocab.METRICS,
        *vocab.PREPROCESS_MODES,
        *vocab.CHECKPOINT_MONITORS,
        *vocab.STRATEGIES,
    )
    table.update(dict.fromkeys(builtins, Name.Builtin))
    table.update(dict.fromkeys(zoo_names(), Name.Class))
    table.update(dict.fromkeys(keywords(), Keyword))
    table.update(dict.fromkeys((w for k in KINDS for w in k.keywords), Keyword.Type))
    return table


def _word(lexer, match: re.Match):
    word = match.group()
    yield match.start(), word_classes().get(word, Name), word


class SpecLexer(RegexLexer):
    """Spec text: statements, layer keywords, Keras words, shapes, kernels, options."""

    name = "specdsl"
    aliases = ["specdsl"]  # "spec" is RPM's
    filenames = ["*.spec"]
    mimetypes = ["text/x-specdsl"]
    url = "https://github.com/specdsl/specdsl"
    # RPM's lexer claims *.spec too; with no text to look at, a spec file is ours.
    priority = 0.5

    tokens = {
        "root": [
            (r"#[^\n]*", Comment.Single),
            (r"\s+", Whitespace),
            (r'"([^"\\\n]|\\.)*"', String.Double),
            (rf"(stage)([ \t]+)({_NAME})([ \t]*)(:)", bygroups(
                Keyword, Whitespace, Name.Namespace, Whitespace, Punctuation)),
            (rf"({_NAME})([ \t]*)(:)(?=[ \t]*[A-Za-z])", bygroups(
                Name.Function, Whitespace, Punctuation)),
            (rf"({_NAME})([ \t]*)(=)", bygroups(Name.Attribute, Whitespace, Operator)),
            (rf"\d+(x\d+)+{_END}", Number.Integer),  # shapes: 180x180x3
            (rf"[ks]\d+(x\d+)?{_END}", Number.Integer),  # kernels and strides: k3, s2, k3x5
            (r"\d+(?=\.\.)", Number.Integer),  # a range's start: for i in 2..3
            (r"(\d+\.\d*|\.\d+)([eE][-+]?\d+)?|\d+[eE][-+]?\d+", Number.Float),
            (r"[-+]?\d+", Number.Integer),
            (r"-(\.\d+)([eE][-+]?\d+)?", Number.Float),
            (_NAME, _word),
            (r"/(?=\d|\.\d)", Operator),  # rescale 1/255
            (r"\.\.(?=\d)", Operator),  # for i in 2..3
            (r"[.~/][^\s;,\"]*", String.Other),  # paths: weights=./vgg16.h5
            (r"[;,:\[\]]", Punctuation),
            # blocks: `block NAME(a, b=1):`, calls, `{a*2}` placeholders, `for i in 2..3:`
            (r"[(){}]", Punctuation),
            (r"[*+\-]", Operator),
        ]
    }  # fmt: skip

    def analyse_text(text: str) -> float:  # noqa: N805 (Pygments makes it a static method)
        """A spec names its input size: ``input 180x180x3``."""
        return 0.6 if re.search(r"^\s*input\s+\d+x\d+", text, re.MULTILINE) else 0.0


def ansi(text: str) -> str:
    """``text`` with ANSI colors for a terminal: the same characters, colored by the lexer."""
    from pygments import highlight
    from pygments.formatters import TerminalFormatter

    lexer = SpecLexer(stripnl=False, ensurenl=False)  # keep the text's own line breaks
    return highlight(text, lexer, TerminalFormatter())


def rich_text(text: str):
    """``text`` as a :class:`rich.text.Text` colored by the lexer (a table cell, one line)."""
    from rich.syntax import Syntax

    lexer = SpecLexer(stripnl=False, ensurenl=False)
    syntax = Syntax(text, lexer, theme="ansi_dark", background_color="default")
    out = syntax.highlight(text)
    out.rstrip()
    return out


__all__ = ["SpecLexer", "ansi", "rich_text", "word_classes"]
