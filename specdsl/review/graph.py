"""A picture of the model: one node per layer, the tensor shape on every edge.

``model_graph`` turns an :class:`Analysis` into nodes and edges; ``mermaid`` and ``dot`` print
them (Mermaid renders in GitHub pull requests and READMEs as it is); ``graph_svg`` draws an SVG.
A base is one node, or with ``expand`` a box of its own layers.
"""

from __future__ import annotations

from dataclasses import dataclass

from specdsl import ir
from specdsl.check.analysis import Analysis, LayerInfo
from specdsl.syntax.format import layer_text


@dataclass(frozen=True)
class Node:
    id: str
    title: str  # the layer name
    detail: str  # the spec statement
    params: int
    style: str  # input, layer, augment, frozen, output
    group: str | None = None  # the base a layer belongs to (expanded)
    trainable_params: int = 0

    @property
    def lines(self) -> list[str]:
        out = [self.title]
        if self.detail != self.title:
            out.append(self.detail)
        if self.params:
            if self.style == "frozen":
                note = " (frozen)"
            elif self.trainable_params != self.params:
                note = f" ({self.trainable_params:,} trainable)"
            else:
                note = ""
            out.append(f"{self.params:,} params{note}")
        return out


@dataclass(frozen=True)
class Edge:
    src: str
    dst: str
    label: str


@dataclass(frozen=True)
class Graph:
    name: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    groups: tuple[tuple[str, str], ...]  # (group, its caption)


def shape_label(shape) -> str:
    return "x".join(map(str, shape))


def _style(info: LayerInfo) -> str:
    if info.kind in ir.AUGMENT_KINDS:
        return "augment"
    if info.params and info.trainable_params == 0:
        return "frozen"
    return "layer"


def _node(i: int, info: LayerInfo, group: str | None = None) -> Node:
    return Node(
        f"n{i}",
        info.name,
        layer_text(info.layer),
        info.params,
        _style(info),
        group,
        info.trainable_params,
    )


def model_graph(a: Analysis, expand: bool = False) -> Graph:
    """Nodes for the layers; an edge from each layer it reads (a merge: several), so branches
    and skip connections show as they are."""
    nodes = [Node("n0", "input", shape_label(a.input_shape), 0, "input")]
    edges: list[Edge] = []
    groups: list[tuple[str, str]] = []
    # layer name -> (the node its output leaves from, that output's shape)
    out_of: dict[str, tuple[str, tuple[int, ...]]] = {ir.INPUT: ("n0", a.input_shape)}
    for info in a.layers:
        sources = [out_of[n] for n in info.inputs or (ir.INPUT,)]
        if expand and info.children:
            trainable = info.trainable_params
            caption = f"{layer_text(info.layer)} ({info.params:,} params, {trainable:,} trainable)"
            groups.append((info.name, caption))
            for child in info.children:
                if child.kind == "input":
                    continue
                node = _node(len(nodes), child, group=info.name)
                nodes.append(node)
                edges.extend(Edge(src, node.id, shape_label(shape)) for src, shape in sources)
                sources = [(node.id, child.output_shape)]
            out_of[info.name] = sources[0]
            continue
        node = _node(len(nodes), info)
        nodes.append(node)
        edges.extend(Edge(src, node.id, shape_label(shape)) for src, shape in sources)
        out_of[info.name] = (node.id, info.output_shape)
    out = Node(f"n{len(nodes)}", "output", shape_label(a.output_shape), 0, "output")
    nodes.append(out)
    last, shape = out_of[a.layers[-1].name] if a.layers else out_of[ir.INPUT]
    edges.append(Edge(last, out.id, shape_label(shape)))
    return Graph(a.spec.name, tuple(nodes), tuple(edges), tuple(groups))


# ---- Mermaid ---------------------------------------------------------------------------------

MERMAID_CLASSES = {
    "input": "fill:#e8f0fe,stroke:#4a6fa5",
    "output": "fill:#e8f0fe,stroke:#4a6fa5",
    "augment": "fill:#fff8e1,stroke:#c9a227,stroke-dasharray:4 3",
    "frozen": "fill:#eeeeee,stroke:#888888,color:#555555",
    "layer": "fill:#ffffff,stroke:#333333",
}


def _mermaid_text(s: str) -> str:
    return s.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def mermaid(g: Graph) -> str:
    lines = ["flowchart TD"]

    def node_line(n: Node, indent: str) -> str:
        label = "<br/>".join(_mermaid_text(x) for x in n.lines)
        if n.style in ("input", "output"):
            return f'{indent}{n.id}(["{label}"]):::{n.style}'
        return f'{indent}{n.id}["{label}"]:::{n.style}'

    for n in g.nodes:
        if n.group is None:
            lines.append(node_line(n, "  "))
    for i, (group, caption) in enumerate(g.groups):
        lines.append(f'  subgraph g{i}["{_mermaid_text(caption)}"]')
        lines.extend(node_line(n, "    ") for n in g.nodes if n.group == group)
        lines.append("  end")
    for e in g.edges:
        lines.append(f'  {e.src} -->|"{_mermaid_text(e.label)}"| {e.dst}')
    for style, css in MERMAID_CLASSES.items():
        lines.append(f"  classDef {style} {css}")
    return "\n".join(lines) + "\n"


# ---- Graphviz DOT ----------------------------------------------------------------------------

DOT_STYLES = {
    "input": 'shape=oval, style=filled, fillcolor="#e8f0fe", color="#4a6fa5"',
    "output": 'shape=oval, style=filled, fillcolor="#e8f0fe", color="#4a6fa5"',
    "augment": 'shape=box, style="rounded,dashed,filled", fillcolor="#fff8e1", color="#c9a227"',
    "frozen": 'shape=box, style="rounded,filled", fillcolor="#eeeeee", color="#888888"',
    "layer": 'shape=box, style="rounded,filled", fillcolor="#ffffff", color="#333333"',
}


def _dot_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot(g: Graph) -> str:
    lines = [
        f"digraph {_dot_str(g.name)} {{",
        "  rankdir=TB;",
        '  fontname="Helvetica"; fontsize=11;',
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]

    def node_line(n: Node, indent: str) -> str:
        label = "\\n".join(x.replace("\\", "\\\\").replace('"', '\\"') for x in n.lines)
        return f'{indent}{n.id} [label="{label}", {DOT_STYLES[n.style]}];'

    for n in g.nodes:
        if n.group is None:
            lines.append(node_line(n, "  "))
    for i, (group, caption) in enumerate(g.groups):
        lines.append(f"  subgraph cluster_{i} {{")
        lines.append(f"    label={_dot_str(caption)};")
        lines.append('    labeljust="l"; style="rounded,dashed"; color="#4a6fa5";')
        lines.extend(node_line(n, "    ") for n in g.nodes if n.group == group)
        lines.append("  }")
    for e in g.edges:
        lines.append(f"  {e.src} -> {e.dst} [label={_dot_str(' ' + e.label)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
