"""The table's rows, read back from run folders (no training here: run folders only).

A row holds the run's test accuracy, the epoch whose weights were tested, seconds per epoch,
trainable parameters per stage, the script's own record of the run, and the lecture's numbers.
"""

from __future__ import annotations

import json
from pathlib import Path

from lecture_specs import ALL_SPECS, LECTURE, spec_info


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
