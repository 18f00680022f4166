"""The runs: the data folder, the spec for the data, and one `specdsl train` subprocess per spec.

Each run writes its run folder under ``<runs>/<backend>/<spec>/`` and, beside it,
``<spec>.log`` (the training output) and ``<spec>.reproduce.json`` (the command and wall time).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from lecture_specs import ROOT, spec_info


def default_data() -> Path:
    env = os.environ.get("SPECDSL_SHARED_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "data"


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
