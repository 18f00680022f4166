"""How ``specdsl eval`` reports: text tables, one JSON document, a confusion-matrix PNG.

Labels and paths can come from an untrusted model file or folder: text passes through
:func:`specdsl.run.text.printable`; JSON keeps the exact strings."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from specdsl.run.evaluate import Metrics
from specdsl.run.text import printable


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.4f}"


def text(m: Metrics, data_root: str, errors: int) -> str:
    names = [printable(lab) for lab in m.labels]
    w = max(8, *(len(n) for n in names))
    support = m.confusion.sum(axis=1)
    lines = [
        f"{printable(data_root)}: {m.count} images" + (f", {errors} unusable" if errors else ""),
        f"accuracy {m.accuracy:.4f} ({m.correct} of {m.count})",
        "",
        f"{'class':<{w}}  precision  recall  support",
    ]
    for name, p, r, s in zip(names, m.precision, m.recall, support, strict=True):
        lines.append(f"{name:<{w}}  {_num(p):>9}  {_num(r):>6}  {int(s):>7}")
    cell = max(6, *(len(n) for n in names), len(str(int(m.confusion.max(initial=0)))))
    lines += ["", "confusion matrix (rows: true class, columns: predicted class)"]
    lines.append(" " * w + "".join(f"  {n:>{cell}}" for n in names))
    for name, row in zip(names, m.confusion, strict=True):
        lines.append(f"{name:<{w}}" + "".join(f"  {int(v):>{cell}}" for v in row))
    if m.worst:
        lines += ["", "most wrong (lowest probability given to the true class):"]
        for path, true, p_true, pred, p_pred in m.worst:
            lines.append(
                printable(f"  {path}: true {true} {p_true:.4f}, predicted {pred} {p_pred:.4f}")
            )
    return "\n".join(lines)


def document(m: Metrics, header: dict, errors: list[tuple[str, str]]) -> str:
    classes = [
        {"label": lab, "precision": p, "recall": r, "support": int(s)}
        for lab, p, r, s in zip(
            m.labels, m.precision, m.recall, m.confusion.sum(axis=1), strict=True
        )
    ]
    worst = [
        {"path": a, "true": b, "probability_true": c, "predicted": d, "probability_predicted": e}
        for a, b, c, d, e in m.worst
    ]
    doc = dict(
        header,
        images=m.count,
        correct=m.correct,
        accuracy=m.accuracy if m.count else None,
        labels=list(m.labels),
        classes=classes,
        confusion=m.confusion.tolist(),
        worst=worst,
        errors=[{"path": p, "error": e} for p, e in errors],
    )
    return json.dumps(doc, indent=2)


def plot(m: Metrics, path: str | Path, title: str = "") -> None:
    """The confusion matrix as a PNG (Pillow only): cells shaded by the share of their row,
    each with its count; OSError when the file cannot be written."""
    from PIL import Image, ImageDraw, ImageFont

    n = len(m.labels)
    font = ImageFont.load_default()
    names = [printable(lab)[:16] for lab in m.labels]
    label_w = 8 + 7 * max(len(s) for s in names)
    cell = max(36, 8 + 7 * max(len(str(int(m.confusion.max(initial=0)))), *(len(s) for s in names)))
    top = 48 + 16
    width, height = label_w + n * cell + 16, top + n * cell + 40
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    draw.text((8, 6), printable(title)[:100], fill="black", font=font)
    draw.text(
        (8, 24), f"accuracy {m.accuracy:.4f} ({m.correct}/{m.count})", fill="black", font=font
    )
    draw.text((label_w, top - 14), "predicted", fill="gray", font=font)
    rows = m.confusion.sum(axis=1, keepdims=True)
    share = np.divide(m.confusion, np.maximum(rows, 1))
    for i in range(n):
        y = top + i * cell
        draw.text((8, y + cell // 2 - 6), names[i], fill="black", font=font)
        for j in range(n):
            x = label_w + j * cell
            shade = int(255 - 200 * share[i, j])
            color = (shade, shade, 255) if i == j else (255, shade, shade)
            draw.rectangle([x, y, x + cell - 2, y + cell - 2], fill=color)
            count = str(int(m.confusion[i, j]))
            ink = "white" if share[i, j] > 0.6 else "black"
            draw.text((x + 4, y + cell // 2 - 6), count, fill=ink, font=font)
    for j in range(n):
        draw.text((label_w + j * cell + 2, top + n * cell + 4), names[j], fill="black", font=font)
    draw.text((8, height - 16), "rows: true class", fill="gray", font=font)
    img.save(path, format="PNG")
