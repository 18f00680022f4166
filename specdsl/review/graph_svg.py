"""SVG of a model graph: Graphviz's ``dot`` when it is installed, else a layout of our own.

The own layout is a vertical stack (a CNN of this language is a chain): one rounded box per
layer, an arrow between neighbours with the tensor shape beside it, a dashed frame around an
expanded base. It needs nothing but the standard library and is byte-for-byte deterministic.
"""

from __future__ import annotations

import shutil
import subprocess
from xml.sax.saxutils import escape

from specdsl.review.graph import Graph, dot

FONT = "Helvetica, Arial, sans-serif"
CHAR_W = 7.0  # average glyph width at 12px, generous
LINE_H = 16
PAD = 8
GAP = 34  # vertical space between boxes, where the arrow and the shape label go
MARGIN = 20
GROUP_PAD = 12
GROUP_CAPTION = 20

FILLS = {
    "input": ("#e8f0fe", "#4a6fa5", ""),
    "output": ("#e8f0fe", "#4a6fa5", ""),
    "augment": ("#fff8e1", "#c9a227", ' stroke-dasharray="4 3"'),
    "frozen": ("#eeeeee", "#888888", ""),
    "layer": ("#ffffff", "#333333", ""),
}


def graphviz_available() -> bool:
    return shutil.which("dot") is not None


def svg(g: Graph, use_graphviz: bool | None = None) -> str:
    """The picture as SVG text; ``use_graphviz`` None: use ``dot`` when it is installed."""
    if use_graphviz is None:
        use_graphviz = graphviz_available()
    if use_graphviz:
        done = subprocess.run(
            ["dot", "-Tsvg"], input=dot(g), capture_output=True, text=True, check=True, timeout=60
        )
        return done.stdout
    return builtin_svg(g)


def builtin_svg(g: Graph) -> str:
    widths = [max(len(x) for x in n.lines) * CHAR_W + 2 * PAD for n in g.nodes]
    captions = {group: caption for group, caption in g.groups}
    caption_w = max((len(c) * CHAR_W for c in captions.values()), default=0)
    box_w = max([*widths, 160])
    label_w = max((len(e.label) for e in g.edges), default=0) * CHAR_W + 16
    label_w = max(label_w, caption_w + 16)
    center = MARGIN + GROUP_PAD + box_w / 2
    out: list[str] = []
    tops: dict[str, tuple[float, float]] = {}  # node id -> (top, bottom)
    y = MARGIN
    prev_group = None
    for n in g.nodes:
        if n.group != prev_group and n.group is not None:
            y += GROUP_CAPTION  # room for the frame's caption
        h = len(n.lines) * LINE_H + 2 * PAD
        tops[n.id] = (y, y + h)
        y += h + GAP
        if n.group is not None and _last_of_group(g, n):
            y += GROUP_PAD
        prev_group = n.group
    height = y - GAP + MARGIN
    width = center + box_w / 2 + GROUP_PAD + label_w + MARGIN
    out.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="{FONT}" font-size="12">'
    )
    out.append(f"<title>{escape(g.name)}</title>")
    out.append(
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>'
    )
    for group, caption in g.groups:
        ids = [n.id for n in g.nodes if n.group == group]
        top = tops[ids[0]][0] - GROUP_CAPTION
        bottom = tops[ids[-1]][1] + GROUP_PAD
        left = center - box_w / 2 - GROUP_PAD
        out.append(
            f'<rect x="{left:.1f}" y="{top:.1f}" width="{box_w + 2 * GROUP_PAD:.1f}" '
            f'height="{bottom - top:.1f}" rx="8" fill="none" stroke="#4a6fa5" '
            'stroke-dasharray="6 4"/>'
        )
        right = left + box_w + 2 * GROUP_PAD
        out.append(
            f'<text x="{right + 8:.1f}" y="{top + 14:.1f}" fill="#4a6fa5">{escape(caption)}</text>'
        )
    for n in g.nodes:
        top, bottom = tops[n.id]
        fill, stroke, extra = FILLS[n.style]
        rx = (bottom - top) / 2 if n.style in ("input", "output") else 6
        out.append(
            f'<rect x="{center - box_w / 2:.1f}" y="{top:.1f}" width="{box_w:.1f}" '
            f'height="{bottom - top:.1f}" rx="{min(rx, 18):.1f}" fill="{fill}" '
            f'stroke="{stroke}"{extra}/>'
        )
        for k, line in enumerate(n.lines):
            weight = ' font-weight="bold"' if k == 0 else ""
            ty = top + PAD + LINE_H * (k + 1) - 4
            out.append(
                f'<text x="{center:.1f}" y="{ty:.1f}" text-anchor="middle"{weight}>'
                f"{escape(line)}</text>"
            )
    for e in g.edges:
        y1 = tops[e.src][1]
        y2 = tops[e.dst][0]
        out.append(
            f'<line x1="{center:.1f}" y1="{y1:.1f}" x2="{center:.1f}" y2="{y2:.1f}" '
            'stroke="#555" marker-end="url(#arrow)"/>'
        )
        out.append(
            f'<text x="{center + 8:.1f}" y="{y1 + GAP / 2 + 4:.1f}" fill="#555" '
            f'font-size="11">{escape(e.label)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _last_of_group(g: Graph, node) -> bool:
    members = [n for n in g.nodes if n.group == node.group]
    return members[-1] is node
