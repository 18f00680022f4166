"""``specdsl graph SPEC``: the model as a Mermaid, Graphviz DOT or SVG picture."""

from __future__ import annotations

from pathlib import Path

import typer

from specdsl.cli.app import app
from specdsl.cli.common import EXIT_SPEC, EXIT_USAGE, fail

FORMATS = ("mermaid", "dot", "svg")


@app.command()
def graph(
    file: Path = typer.Argument(..., help="A .spec, .keras or .onnx file."),
    format: str = typer.Option("mermaid", "--format", "-f", help="mermaid, dot or svg."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write here, not stdout."),
    expand: bool = typer.Option(False, "--expand", "-e", help="Draw the layers inside a base."),
    graphviz: bool | None = typer.Option(
        None,
        "--graphviz/--no-graphviz",
        help="SVG through Graphviz's dot (default: when it is installed) or the built-in layout.",
    ),
) -> None:
    """Draw the model: one box per layer, the tensor shape on every arrow."""
    from specdsl.review import graph as g
    from specdsl.review.sources import SourceError, load_source

    if format not in FORMATS:
        fail(f"unknown format '{format}' ({', '.join(FORMATS)})", EXIT_USAGE)
    try:
        source = load_source(file)
    except SourceError as e:
        fail(str(e), EXIT_SPEC)
    model = g.model_graph(source.analysis, expand)
    if format == "mermaid":
        text = g.mermaid(model)
    elif format == "dot":
        text = g.dot(model)
    else:
        from specdsl.review.graph_svg import graphviz_available, svg

        if graphviz and not graphviz_available():
            fail("Graphviz's 'dot' is not installed; use --no-graphviz", EXIT_USAGE)
        text = svg(model, graphviz)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
