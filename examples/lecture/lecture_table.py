"""The table written out: markdown, the notes under it, results.json and the curves copied.

Rows come from ``lecture_rows.collect``; the lecture's orderings are checked against the
measured test accuracies here.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from lecture_specs import LECTURE_ORDER, ORDERS, ROOT

CURVE_LIMIT_BYTES = 200_000


def _fmt_acc(v) -> str:
    return f"{v:.3f}" if isinstance(v, (int, float)) else "—"


def _fmt_int(v) -> str:
    return f"{v:,}" if isinstance(v, int) else "—"


def _fmt_epochs(row: dict) -> str:
    per = row.get("epochs_per_stage") or {}
    if not per:
        return "—"
    return " + ".join(str(n) for n in per.values())


def _fmt_best(row: dict) -> str:
    if not row.get("best_epoch"):
        return "—"
    text = str(row["best_epoch"])
    if len(row.get("epochs_per_stage") or {}) > 1:
        text += f" ({row['best_epoch_stage']})"
    if row.get("best_epoch_rule", "").startswith("last"):
        text += " (last)"
    return text


def ordering(
    rows: list[dict], backend: str, order: tuple[str, ...] = LECTURE_ORDER
) -> tuple[list[str], bool] | None:
    """The models of ``order`` ordered by measured test accuracy, worst first; same order?"""
    acc = {
        r["spec"]: r["test_accuracy"]
        for r in rows
        if r["backend"] == backend and r["spec"] in order and r.get("status") == "ok"
    }
    if len(acc) < 2:
        return None
    measured = sorted(acc, key=lambda s: (acc[s], order.index(s)))
    expected = [s for s in order if s in acc]
    return measured, measured == expected


def markdown(rows: list[dict], notes: list[str] | None = None) -> str:
    lines = [
        "| spec | backend | epochs run | test acc. | best epoch | val acc. there | s / epoch "
        "| run s | trainable params | lecture result | lecture epochs | lecture trainable |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lec = r.get("lecture") or {}
        acc = _fmt_acc(r.get("test_accuracy"))
        if r.get("status") != "ok":
            acc = f"failed: {r.get('error', '')}".replace("|", "\\|")[:120]
        lec_result = "—"
        if lec.get("result") is not None:
            approx = "~" if "~" in lec["metric"] else ""
            kind = "validation" if lec["metric"].startswith("validation") else "test"
            lec_result = f"{approx}{lec['result']:.3f} ({kind})"
        secs = r.get("seconds_per_epoch")
        run_s = r.get("run_seconds")
        lines.append(
            f"| {r['spec']} | {r['backend']} | {_fmt_epochs(r)} | {acc} | {_fmt_best(r)} "
            f"| {_fmt_acc(r.get('best_val_accuracy'))} | {secs if secs is not None else '—'} "
            f"| {f'{run_s:.0f}' if isinstance(run_s, (int, float)) else '—'} "
            f"| {_fmt_int(r.get('trainable_params'))} | {lec_result} "
            f"| {lec.get('epochs', '—')} | {_fmt_int(lec.get('trainable_params'))} |"
        )
    out = "\n".join(lines) + "\n"
    backends = sorted({r["backend"] for r in rows})
    for base, order in ORDERS.items():
        order_lines = []
        for b in backends:
            got = ordering(rows, b, order)
            if got is None:
                continue
            measured, same = got
            verdict = "the lecture's order" if same else "the lecture's order differs"
            order_lines.append(f"- {b}, worst to best: {' < '.join(measured)} ({verdict})")
        if order_lines:
            out += f"\nThe lecture's order with {base}, worst to best (test accuracy): "
            out += " < ".join(order) + ".\n\n" + "\n".join(order_lines) + "\n"
    if notes:
        out += "\nNotes:\n\n" + "\n".join(f"- {n}" for n in notes) + "\n"
    return out


def table_notes(rows: list[dict]) -> list[str]:
    notes = [
        "test acc.: accuracy on the test split of the model the run restored (the best epoch "
        "of the last stage by val_loss where the spec checkpoints, else the last epoch); "
        "best epoch counts epochs over the whole run (stage 2 continues the numbering).",
        "s / epoch: the mean wall time of one training epoch (with its validation pass) as "
        "history.json records it; for `strategy features` it leaves out the one pass of the "
        "frozen base over every split, which run s (the whole `specdsl train`, start-up and "
        "test included) counts.",
        "lecture result: the lecture's number on Dogs vs. Cats (2,000 training photos, 180x180); "
        "vgg16_features is its validation accuracy, the others test accuracy.",
    ]
    limits = {(r["spec"] == "mnist_convnet", r["limit"]) for r in rows if r.get("limit")}
    for is_mnist, limit in sorted(limits):
        what = "MNIST" if is_mnist else "the image folder"
        notes.append(f"--limit {limit} on {what}: at most {limit} examples per split.")
    scaled = [r for r in rows if r.get("epochs_passed") is not None]
    if scaled:
        notes.append(
            "Epochs scaled down: every stage trained "
            + ", ".join(sorted({str(r["epochs_passed"]) for r in scaled}))
            + " epoch(s) instead of the spec's (lecture epochs column)."
        )
    if any(r.get("classes_rewritten") for r in rows):
        notes.append(
            "The image folder's classes replace `cat dog` in a copy of each dogs-vs-cats spec "
            "(the architecture and training settings are the spec's)."
        )
    weights = sorted({r["weights"] for r in rows if r.get("weights")})
    for w in weights:
        if "hed_bsds500" in w:
            notes.append(
                f"VGG16 weights: {Path(w).name}, real VGG16 weights of the same shapes as "
                "Keras's ImageNet no-top base, but fine-tuned for edge detection (HED on "
                "BSDS500): not the lecture's ImageNet weights, which are not on this machine."
            )
        elif "efficientnet-lite0" in w:
            notes.append(
                f"EfficientNet-Lite0 weights: {Path(w).name}, the real ImageNet classifier's "
                "(its top left out)."
            )
        else:
            notes.append(f"Base weights: {Path(w).name}.")
    tested = sorted({r["limit"] for r in rows if r.get("limit") and r["spec"] != "mnist_convnet"})
    for n in tested:
        se = (0.8 * 0.2 / n) ** 0.5
        notes.append(
            f"With {n} test images an accuracy near 0.8 has a standard error of about {se:.3f}: "
            f"differences under about {2 * se:.2f} between rows are within the noise."
        )
    return notes


def write_results(rows: list[dict], out: Path, extra_notes: list[str] | None = None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    notes = table_notes(rows) + list(extra_notes or [])
    for r in rows:
        png = Path(r["run_dir"]) / "curves.png"
        if png.is_file() and png.stat().st_size <= CURVE_LIMIT_BYTES:
            dest = out / "curves" / r["backend"] / f"{r['spec']}.png"
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(png, dest)
            r["curves"] = str(dest.relative_to(out))
    for r in rows:  # paths relative to the checkout, so the committed files hold no home
        for key in ("run_dir", "data", "weights"):
            if r.get(key):
                r[key] = os.path.relpath(r[key], ROOT)
    doc = {"rows": rows, "notes": notes, "orders": {k: list(v) for k, v in ORDERS.items()}}
    (out / "results.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    md = markdown(rows, notes)
    curves = [r for r in rows if r.get("curves")]
    if curves:
        links = (f"[{r['spec']} ({r['backend']})]({r['curves']})" for r in curves)
        md += "\nCurves: " + ", ".join(links)
        md += "\n"
    (out / "results.md").write_text(md, encoding="utf-8")
