"""``specdsl eval``: accuracy of an ONNX model on a labelled image folder or on MNIST's idx files.

A folder is laid out like the lecture's ``test/``: one subfolder per class, named as the model's
labels; its images go through ``specdsl run``'s decoding and resizing
(:func:`specdsl.run.predict.classify`). An MNIST folder gives its ``t10k`` test images (their
digits are the labels ``0``..``9``), fed as they are (resized as ``run`` resizes, should the
model take another size). Every problem with the data is one line (:class:`EvalError`).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

from specdsl.run.metadata import MetadataError, ModelInfo
from specdsl.run.predict import _run, labels_for, not_finite, scores
from specdsl.run.sources import IMAGE_SUFFIXES, Source

SPLITS = ("train", "validation", "test")
MNIST_TEST = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


class EvalError(Exception):
    """The data cannot be evaluated (one line naming the folder)."""


class Data(NamedTuple):
    """What to evaluate: image files or in-memory MNIST images, with their true class."""

    root: str
    kind: str  # "folder" or "mnist"
    sources: list[Source]  # folder: the files; mnist: one Source per image (path#index)
    truth: np.ndarray  # class index into the model's labels, per item
    images: np.ndarray | None = None  # mnist: (N, 28, 28) uint8


def _short(names, n: int = 6) -> str:
    names = list(names)
    more = f", ... ({len(names)} in all)" if len(names) > n else ""
    return ", ".join(names[:n]) + more


def _images_in(folder: Path) -> list[str]:
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        found += [
            os.path.join(root, f) for f in sorted(files) if f.lower().endswith(IMAGE_SUFFIXES)
        ]
    return found


def evenly(n: int, limit: int | None) -> np.ndarray:
    """Indices of at most ``limit`` of ``n`` items spread evenly (all when no limit)."""
    if limit is None or limit >= n:
        return np.arange(n)
    return np.unique(np.linspace(0, n, limit, endpoint=False).astype(np.int64))


def folder_data(root: Path, labels: tuple[str, ...], limit: int | None) -> Data:
    """A class-per-subfolder folder, its subfolders matched by name with ``labels``."""
    subs = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not subs:
        loose = _images_in(root)
        why = f"{len(loose)} images but no class subfolders" if loose else "no class subfolders"
        raise EvalError(
            f"{root}: {why}; eval wants one subfolder per class, named as the model's labels "
            f"({_short(labels)})"
        )
    unknown = [s for s in subs if s not in labels]
    if unknown and set(subs) <= set(SPLITS) and "test" in subs:
        raise EvalError(
            f"{root}: holds the splits {', '.join(subs)}, not classes; give {root / 'test'}"
        )
    if unknown:
        raise EvalError(
            f"{root}: the subfolders {_short(unknown)} match no label of the model "
            f"(its labels: {_short(labels)}); eval matches class folders to labels by name"
        )
    if len(set(labels)) != len(labels):
        raise EvalError(f"the model's labels are not unique ({_short(labels)})")
    files, truth = [], []
    for name in subs:
        found = _images_in(root / name)
        files += found
        truth += [labels.index(name)] * len(found)
    if not files:
        raise EvalError(
            f"{root}: no images in its class folders ({', '.join(subs)}; "
            f"{' '.join(IMAGE_SUFFIXES)})"
        )
    keep = evenly(len(files), limit)
    return Data(
        str(root), "folder", [Source(files[i]) for i in keep], np.asarray(truth)[keep], None
    )


def _mnist_file(root: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz"):
        if (root / name).is_file():
            return root / name
    return None


def is_mnist(root: Path) -> bool:
    return all(_mnist_file(root, s) for s in MNIST_TEST)


def mnist_data(root: Path, labels: tuple[str, ...], limit: int | None) -> Data:
    """MNIST's test split; the digits must be labels of the model."""
    from specdsl.data import DataError
    from specdsl.data.mnist import read_idx

    images, digits = (_mnist_file(root, s) for s in MNIST_TEST)
    try:
        x, y = read_idx(images), read_idx(digits)
    except DataError as e:
        raise EvalError(str(e)) from None
    if x.ndim != 3 or y.ndim != 1 or len(x) != len(y) or x.dtype != np.uint8:
        raise EvalError(f"{images}: not MNIST images and labels ({x.shape} and {y.shape})")
    missing = sorted({str(int(d)) for d in np.unique(y)} - set(labels))
    if missing:
        raise EvalError(
            f"{root}: MNIST digits {', '.join(missing)} are not labels of the model "
            f"(its labels: {_short(labels)})"
        )
    index = {lab: i for i, lab in enumerate(labels)}
    keep = evenly(len(x), limit)
    truth = np.asarray([index[str(int(d))] for d in y[keep]])
    sources = [Source(f"{images.name}#{i}") for i in keep]
    return Data(str(root), "mnist", sources, truth, x[keep])


def find_data(root: str | Path, labels: tuple[str, ...], limit: int | None) -> Data:
    root = Path(root)
    if not root.exists():
        raise EvalError(f"{root}: no such folder")
    if not root.is_dir():
        raise EvalError(f"{root}: not a folder (give a class-per-subfolder folder or MNIST's)")
    if is_mnist(root):
        return mnist_data(root, labels, limit)
    return folder_data(root, labels, limit)


class Progress:
    """A one-line progress bar on stderr, drawn only on a terminal and for long runs."""

    def __init__(self, total: int, enabled: bool | None = None) -> None:
        self.total, self.done, self.last = total, 0, 0.0
        tty = sys.stderr.isatty()
        self.enabled = (tty and total >= 256) if enabled is None else enabled

    def step(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if not self.enabled or (now - self.last < 0.1 and self.done < self.total):
            return
        self.last = now
        width = 30
        filled = int(width * self.done / max(1, self.total))
        bar = "#" * filled + "-" * (width - filled)
        print(f"\r[{bar}] {self.done}/{self.total}", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.enabled:
            print("\r" + " " * 60 + "\r", end="", file=sys.stderr, flush=True)


class Predictions(NamedTuple):
    labels: tuple[str, ...]
    probs: np.ndarray  # (N, classes) for the images that worked
    truth: np.ndarray  # (N,)
    paths: list[str]  # (N,)
    errors: list[tuple[str, str]]  # (path, why) of the images that did not


def _mnist_rows(data: Data, info: ModelInfo, uint8: bool) -> np.ndarray:
    from specdsl.run.resize import resize_bilinear, to_uint8

    x = data.images[..., None]
    if x.shape[1:3] != (info.height, info.width):
        x = np.stack([to_uint8(resize_bilinear(img, info.height, info.width)) for img in x])
    if info.channels > 1:
        x = np.repeat(x, 3, axis=-1)
        if info.channels == 4:
            x = np.concatenate([x, np.full(x.shape[:3] + (1,), 255, np.uint8)], axis=-1)
    return x if uint8 else x.astype(np.float32)


def predict(
    session,
    info: ModelInfo,
    labels: tuple[str, ...],
    data: Data,
    batch_size: int = 32,
    progress: Progress | None = None,
    decode: str = "exact",
) -> Predictions:
    """Every image through the model; errors (bad images, NaN outputs) kept apart."""
    from specdsl.run.predict import classify

    progress = progress or Progress(0, False)
    inp = session.get_inputs()[0]
    probs, truth, paths, errors = [], [], [], []
    if data.kind == "mnist":
        x = _mnist_rows(data, info, inp.type == "tensor(uint8)")
        for start in range(0, len(x), batch_size):
            out = scores(_run(session, inp.name, x[start : start + batch_size]), info)
            if out.shape[1] != len(labels):
                raise EvalError(f"the model gives {out.shape[1]} classes, not {len(labels)}")
            for j, row in enumerate(out):
                k = start + j
                why = not_finite(row, info)
                if why:
                    errors.append((data.sources[k].path, why))
                    continue
                probs.append(row)
                truth.append(data.truth[k])
                paths.append(data.sources[k].path)
            progress.step(len(out))
    else:
        info = info._replace(labels=labels)
        results = classify(session, info, data.sources, batch_size, len(labels), decode=decode)
        for k, r in enumerate(results):
            progress.step()
            if r.error:
                errors.append((r.path, r.error))
                continue
            got = dict(r.top)
            probs.append(np.asarray([got[lab] for lab in labels], np.float64))
            truth.append(data.truth[k])
            paths.append(r.path)
    progress.close()
    width = len(labels)
    arr = np.asarray(probs, np.float64).reshape(-1, width) if probs else np.zeros((0, width))
    return Predictions(labels, arr, np.asarray(truth, np.int64), paths, errors)


class Metrics(NamedTuple):
    labels: tuple[str, ...]
    count: int
    correct: int
    confusion: np.ndarray  # rows: true class, columns: predicted class
    precision: list[float | None]  # None: the class was never predicted
    recall: list[float | None]  # None: no image of the class
    worst: list[tuple[str, str, float, str, float]]  # path, true, p(true), predicted, p

    @property
    def accuracy(self) -> float:
        return self.correct / self.count if self.count else float("nan")


def metrics(p: Predictions, worst: int = 0) -> Metrics:
    n = len(p.labels)
    pred = p.probs.argmax(axis=1) if len(p.probs) else np.zeros(0, np.int64)
    cm = np.zeros((n, n), np.int64)
    np.add.at(cm, (p.truth, pred), 1)
    diag = np.diag(cm)
    cols, rows = cm.sum(axis=0), cm.sum(axis=1)
    precision = [float(diag[i] / cols[i]) if cols[i] else None for i in range(n)]
    recall = [float(diag[i] / rows[i]) if rows[i] else None for i in range(n)]
    bad = []
    if worst and len(pred):
        p_true = p.probs[np.arange(len(pred)), p.truth]
        for i in np.argsort(p_true, kind="stable")[:worst]:
            t, q = int(p.truth[i]), int(pred[i])
            bad.append(
                (p.paths[i], p.labels[t], float(p_true[i]), p.labels[q], float(p.probs[i, q]))
            )
    return Metrics(p.labels, len(pred), int(diag.sum()), cm, precision, recall, bad)


def units_of(session) -> int | None:
    dims = session.get_outputs()[0].shape[1:]
    if all(isinstance(d, int) for d in dims):
        return int(np.prod(dims))
    return None


def model_labels(session, info: ModelInfo) -> tuple[str, ...]:
    """The label of each output column (indices ``0``.. when the model names none)."""
    units = units_of(session)
    if units is None:
        if info.labels:
            return info.labels
        raise EvalError("the model names no class labels and its output size is not fixed")
    try:
        return labels_for(info, units)
    except MetadataError as e:
        raise EvalError(str(e)) from None
