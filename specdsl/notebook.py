"""Specs in notebooks: ``specdsl.load("file.spec")`` shows its summary table, ``diff`` its diff.

``load`` takes a path or the spec text itself and never raises for a wrong spec: the object
then shows its diagnostics. Jupyter calls ``_repr_mimebundle_``: HTML (the summary table),
plain text, and the model's graph as ``text/vnd.mermaid`` where the front end renders it
(JupyterLab 4.1+). Nothing here imports TensorFlow, PyTorch or ONNX Runtime.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from specdsl.check.analysis import Analysis
from specdsl.diagnostics import Diagnostic, render_all

MERMAID = "text/vnd.mermaid"
_STYLE = "border-collapse:collapse;font-family:monospace"
_CELL = "padding:2px 8px;border-bottom:1px solid #ddd"


def _table(head: list[str], body: list[list[str]], numeric: set[int] = frozenset()) -> str:
    def cells(row: list[str], tag: str) -> str:
        return "".join(
            f'<{tag} style="{_CELL};text-align:{"right" if i in numeric else "left"}">'
            f"{escape(c)}</{tag}>"
            for i, c in enumerate(row)
        )

    rows = "".join(f"<tr>{cells(r, 'td')}</tr>" for r in body)
    return f'<table style="{_STYLE}"><thead><tr>{cells(head, "th")}</tr></thead>{rows}</table>'


class Spec:
    """A checked spec: ``analysis`` (None when it does not parse) and every diagnostic."""

    def __init__(
        self, text: str, analysis: Analysis | None, diagnostics: list[Diagnostic], label: str
    ):
        self.text = text
        self.analysis = analysis
        self.diagnostics = diagnostics
        self.label = label

    @property
    def ok(self) -> bool:
        return self.analysis is not None and not any(
            d.severity == "error" for d in self.diagnostics
        )

    def summary_rows(self) -> list[list[str]]:
        from specdsl.review.summary import rows

        return [
            [
                ("  " * r.depth) + r.type_text,
                r.shape_text,
                f"{r.params:,}",
                f"{r.macs:,}",
                "yes" if r.trainable else "frozen",
            ]
            for r in rows(self.analysis, expand=False)
        ]

    def _repr_html_(self) -> str:
        if not self.ok:
            msgs = escape(render_all(self.diagnostics, self.text))
            return f"<b>{escape(self.label)}</b>: errors<pre>{msgs}</pre>"
        a = self.analysis
        head = ["Layer (type)", "Output Shape", "Param #", "MACs", "Trainable"]
        table = _table(head, self.summary_rows(), numeric={2, 3})
        totals = (
            f"Total params: {a.total_params:,} &middot; trainable: {a.trainable_params:,} "
            f"&middot; non-trainable: {a.non_trainable_params:,} &middot; MACs: {a.macs:,}"
        )
        warnings = ""
        if self.diagnostics:
            warnings = f"<pre>{escape(render_all(self.diagnostics, self.text))}</pre>"
        return f'<b>Model: "{escape(a.spec.name)}"</b>{table}<p>{totals}</p>{warnings}'

    def __repr__(self) -> str:
        if not self.ok:
            return render_all(self.diagnostics, self.text)
        from specdsl.review.summary import plain

        return plain(self.analysis, expand=False).rstrip("\n")

    def mermaid(self) -> str:
        from specdsl.review.graph import mermaid, model_graph

        return mermaid(model_graph(self.analysis))

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        bundle = {"text/plain": repr(self), "text/html": self._repr_html_()}
        if self.ok:
            bundle[MERMAID] = self.mermaid()
        return bundle


def load(source: str | Path, name: str | None = None) -> Spec:
    """A spec file (a path, or a string ending in ``.spec`` naming a file) or spec text."""
    from specdsl.api import diagnose

    path = Path(source) if isinstance(source, Path) or _looks_like_path(source) else None
    if path is not None:
        text, label = path.read_text(encoding="utf-8"), str(path)
    else:
        text, label = str(source), name or "<spec>"
    analysis, diags = diagnose(text, label if path is not None else None)
    return Spec(text, analysis, diags, label)


def _looks_like_path(source: str) -> bool:
    return "\n" not in source and source.strip().endswith(".spec") and Path(source).is_file()


class Diff:
    """An architecture diff of two specs (or ``.keras`` / ``.onnx`` files), shown as a table."""

    def __init__(self, diff):
        self.diff = diff

    @property
    def same(self) -> bool:
        return self.diff.same

    def _repr_html_(self) -> str:
        from specdsl.review.diff_rows import headline, rows

        head = ["", "Layer", "Statement", "Shape", "Params", "MACs", "Trainable", "Notes"]
        body = [
            [r.mark, ("  " * r.depth) + r.path, r.statement, r.shape, r.params, r.macs,
             r.trainable, r.notes]
            for r in rows(self.diff)
        ]  # fmt: skip
        return f"<b>{escape(headline(self.diff))}</b>" + _table(head, body, numeric={4, 5})

    def __repr__(self) -> str:
        from specdsl.review.diff_markdown import render

        return render(self.diff)


def diff(old: str | Path, new: str | Path) -> Diff:
    """Compare two model files (specs, ``.keras`` or ``.onnx``)."""
    from specdsl.review.diff import diff_models
    from specdsl.review.sources import load_source

    return Diff(diff_models(load_source(old), load_source(new)))


__all__ = ["Diff", "Spec", "diff", "load"]
