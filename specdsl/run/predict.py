"""Decode, resize and batch images; run the session; turn outputs into labelled results."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from specdsl.run.images import ImageError, decode_sized
from specdsl.run.metadata import MetadataError, ModelInfo
from specdsl.run.resize import to_uint8
from specdsl.run.sources import Source


class Result(NamedTuple):
    path: str
    top: tuple[tuple[str, float], ...] = ()  # best first
    error: str | None = None


def prepare(path: str, info: ModelInfo, uint8: bool, decode: str = "exact") -> np.ndarray:
    """One image as the model's input row (resized like Keras; uint8 or float32 0..255).
    ``decode="fast"``: JPEGs decoded at a reduced DCT scale first (:mod:`.decode_fast`)."""
    if decode == "fast":
        from specdsl.run.decode_fast import decode_sized_fast as sized
    else:
        sized = decode_sized
    img = sized(path, info.channels, info.height, info.width)
    if img.dtype == np.uint8:  # already the model's size
        return img if uint8 else img.astype(np.float32)
    return to_uint8(img) if uint8 else img


MAX_CLASSES = 1_000_000  # outputs per image: more is not a classifier (nor worth a label list)


def labels_for(info: ModelInfo, units: int) -> tuple[str, ...]:
    """The label of each output column (a single sigmoid unit stands for two classes)."""
    if not 0 < units <= MAX_CLASSES:
        raise MetadataError(f"the model gives {units:,} values per image; not a classifier")
    n = 2 if units == 1 and info.output_activation == "sigmoid" else units
    if info.labels:
        if len(info.labels) != n:
            raise MetadataError(
                f"the model gives {n} classes but {len(info.labels)} labels are known "
                f"({', '.join(info.labels)})"
            )
        return info.labels
    return tuple(str(i) for i in range(n))


def scores(output: np.ndarray, info: ModelInfo) -> np.ndarray:
    """Per-class scores (N, classes); a sigmoid unit p becomes (1 - p, p)."""
    out = output.reshape(output.shape[0], -1)
    if out.shape[1] == 1 and info.output_activation == "sigmoid":
        return np.concatenate([1.0 - out, out], axis=1)
    return out


class RunError(Exception):
    """ONNX Runtime failed on a batch (one line)."""


def _run(session, name: str, batch: np.ndarray) -> np.ndarray:
    try:
        return session.run(None, {name: batch})[0]
    except Exception as e:  # ORT's own kinds (InvalidArgument, Fail, ...)
        reason = " ".join(str(e).split()).rsplit(" : ", 1)[-1] or type(e).__name__
        raise RunError(f"ONNX Runtime failed on a batch of shape {batch.shape}: {reason}") from None


def _top(row: np.ndarray, labels: tuple[str, ...], k: int) -> list[tuple[str, float]]:
    order = np.argsort(-row, kind="stable")[:k]
    return tuple((labels[i], float(row[i])) for i in order)


def not_finite(row: np.ndarray, info: ModelInfo) -> str | None:
    """Why a row of outputs cannot be reported (NaN or infinite values), else None."""
    bad = ~np.isfinite(row)
    if not bad.any():
        return None
    kinds = " and ".join(
        k for k, m in (("NaN", np.isnan(row)), ("infinite", np.isinf(row))) if m.any()
    )
    what = "probabilities" if info.probabilities else "scores"
    return f"the model's output is {kinds} ({int(bad.sum())} of {row.size} {what})"


def classify(
    session,
    info: ModelInfo,
    sources: list[Source],
    batch_size: int = 32,
    top: int = 1,
    decode: str = "exact",
) -> Iterator[Result]:
    """Results in the order of ``sources``; bad images give a Result with ``error``."""
    inp = session.get_inputs()[0]
    uint8 = inp.type == "tensor(uint8)"
    dims = session.get_outputs()[0].shape[1:]
    known = all(isinstance(d, int) for d in dims)
    labels = labels_for(info, int(np.prod(dims))) if known else None  # else: at first output

    def load(src: Source):
        if src.error:
            return src.error
        try:
            return prepare(src.path, info, uint8, decode)
        except ImageError as e:
            return str(e)
        except Exception as e:  # never a traceback for one image
            return f"cannot process: {type(e).__name__}: {e}".splitlines()[0]

    batches = [sources[i : i + batch_size] for i in range(0, len(sources), batch_size)]
    for batch, loaded in zip(batches, _prefetched(batches, load), strict=True):
        good = [x for x in loaded if isinstance(x, np.ndarray)]
        rows = iter(())
        if good:
            out = _run(session, inp.name, np.stack(good))
            labels = labels or labels_for(info, int(np.prod(out.shape[1:])))
            rows = iter(scores(out, info))
        for src, x in zip(batch, loaded, strict=True):
            if not isinstance(x, np.ndarray):
                yield Result(src.path, error=x)
                continue
            row = next(rows)
            why = not_finite(row, info)
            if why:
                yield Result(src.path, error=why)
            else:
                yield Result(src.path, _top(row, labels, max(1, top)))


DECODE_THREADS = 2  # per batch; with the prefetch thread, decoding keeps up with inference


def _prefetched(batches: list, load) -> Iterator[list]:
    """Each batch loaded; the next one is loaded while the caller runs this one, its images
    on DECODE_THREADS threads (ONNX Runtime, Pillow, simplejpeg and numpy release the GIL)."""
    box: list = [None]
    pool = None
    if len(batches) > 1 or (batches and len(batches[0]) > 1):
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(DECODE_THREADS, thread_name_prefix="specdsl-decode")

    def work(batch) -> None:
        # load() never raises
        box[0] = list(pool.map(load, batch)) if pool else [load(s) for s in batch]

    thread = None
    try:
        for n, batch in enumerate(batches):
            if thread is None:
                work(batch)
            else:
                thread.join()
            loaded = box[0]
            thread = None
            if n + 1 < len(batches):
                thread = threading.Thread(target=work, args=(batches[n + 1],), daemon=True)
                thread.start()
            yield loaded
    finally:
        if thread is not None:
            thread.join()
        if pool is not None:
            pool.shutdown(wait=False)
