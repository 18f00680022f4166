"""``specdsl curves RUN_DIR...``: the lecture's training curves (Listing 8.12) from run folders.

Both training backends write the same ``history.json`` into a run folder::

    {"spec": ..., "spec_hash": ..., "stage": ["train", ...],        # one stage name per epoch
     "history": {"loss": [...], "accuracy": [...], "val_loss": [...], ...},   # Keras's history
     "test": {...}, "epoch_seconds": [...], "epoch_cpu_seconds": [...]}

One run is drawn as Listing 8.12 draws it (training dots, validation line); several are
overlaid in one colour each, to compare them (the lecture's scratch run against the augmented
one, Figures 8.9 and 8.11). A dotted line marks where a stage begins.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

HISTORY = "history.json"
PANEL_WIDTH, PANEL_HEIGHT, DPI = 6.0, 4.5, 100  # inches per panel; 600x450 pixels each


class CurvesError(Exception):
    """One line for the user: a folder that is not a finished run, or a broken history."""


@dataclass(frozen=True)
class Run:
    name: str  # what the legend calls it
    history: dict[str, list[float]]  # Keras's history: metric -> one value per epoch
    stages: tuple[str, ...]  # the stage of each epoch

    @property
    def epochs(self) -> int:
        return len(self.history["loss"])

    def boundaries(self) -> list[tuple[int, str]]:
        """(epochs before it, name) of each stage after the first."""
        s = self.stages
        return [(k, s[k]) for k in range(1, len(s)) if s[k] != s[k - 1]]


def _series(values, where: str, key: str) -> list[float]:
    if not isinstance(values, list):
        raise CurvesError(f"{where}: history '{key}' is not a list of numbers")
    out = []
    for v in values:
        if v is None:
            out.append(math.nan)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out.append(float(v))
        else:
            raise CurvesError(f"{where}: history '{key}' holds {v!r}, not a number")
    return out


def read_run(path: Path) -> Run:
    """A run folder (or its history.json) as written by ``specdsl train``; CurvesError else."""
    path = Path(path)
    if not path.exists():
        raise CurvesError(f"no such run folder: {path}")
    file = path / HISTORY if path.is_dir() else path
    if not file.is_file():
        raise CurvesError(
            f"{path}: not a run folder (no {HISTORY}; `specdsl train` writes it when a run ends)"
        )
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise CurvesError(f"{file}: not a readable {HISTORY} ({e})") from None
    if not isinstance(data, dict) or not isinstance(data.get("history"), dict):
        raise CurvesError(f"{file}: not a specdsl {HISTORY} (no 'history' of metrics per epoch)")
    history = {str(k): _series(v, str(file), str(k)) for k, v in data["history"].items()}
    if not history.get("loss"):
        raise CurvesError(f"{file}: the history has no 'loss' per epoch (no epoch finished?)")
    stages = data.get("stage", [])
    if not isinstance(stages, list) or not all(isinstance(s, str) for s in stages):
        raise CurvesError(f"{file}: 'stage' is not a list of stage names")
    run_dir = file.parent if file.name == HISTORY else file
    return Run(run_dir.resolve().name or str(run_dir), history, tuple(stages))


def read_runs(paths) -> list[Run]:
    """The runs, named by folder (by path where two folders share a name)."""
    paths = [Path(p) for p in paths]
    runs = [read_run(p) for p in paths]
    names = [r.name for r in runs]
    if len(set(names)) < len(names):
        runs = [Run(str(p), r.history, r.stages) for p, r in zip(paths, runs, strict=True)]
    return runs


def panels(runs: list[Run]) -> list[str]:
    """The metrics drawn: the first metric besides loss ('accuracy' first), then loss."""
    seen: list[str] = []
    for run in runs:
        for key in run.history:
            if key != "loss" and not key.startswith("val_") and key not in seen:
                seen.append(key)
    first = ["accuracy"] if "accuracy" in seen else seen[:1]
    return [*first, "loss"]


def draw(runs: list[Run], output: Path) -> tuple[int, int]:
    """Write the PNG: one panel per metric (600x450 pixels each); its (width, height)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    names = panels(runs)
    size = (PANEL_WIDTH * len(names), PANEL_HEIGHT)
    fig, axes = plt.subplots(1, len(names), figsize=size, dpi=DPI, squeeze=False)
    single = len(runs) == 1
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, name in zip(axes[0], names, strict=True):
        validated = False
        for k, run in enumerate(runs):
            color = "b" if single else colors[k % len(colors)]
            who = "" if single else f"{run.name}: "
            if name in run.history:
                values = run.history[name]
                epochs = range(1, len(values) + 1)
                ax.plot(epochs, values, "o", color=color, label=f"{who}Training {name}")
            if f"val_{name}" in run.history:
                validated = True
                values = run.history[f"val_{name}"]
                epochs = range(1, len(values) + 1)
                ax.plot(epochs, values, "-", color=color, label=f"{who}Validation {name}")
            for at, stage in run.boundaries():
                ax.axvline(at + 0.5, color=color, linestyle=":", label=f"{who}stage {stage}")
        ax.set_title(f"{'Training and validation' if validated else 'Training'} {name}")
        ax.set_xlabel("Epochs")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(name)
        if ax.has_data():
            ax.legend(fontsize="small")
    fig.tight_layout()
    tmp = output.with_name(f".{output.name}.tmp")
    try:
        fig.savefig(tmp, format="png", dpi=DPI)
        os.replace(tmp, output)
    finally:
        plt.close(fig)
        tmp.unlink(missing_ok=True)
    return round(size[0] * DPI), round(size[1] * DPI)
