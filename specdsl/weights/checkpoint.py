"""specdsl's backend-neutral checkpoint: one safetensors file, keyed by IR layer names.

Canonical layout (the one every backend converts to and from) is Keras's:

====================  ================================  ==================================
key                   shape                             meaning
====================  ================================  ==================================
``<layer>/kernel``    conv: (kh, kw, in, out)           Conv2D kernel, HWIO
``<layer>/kernel``    dense: (in, out)                  Dense kernel; after a Flatten the
                                                        rows follow H, W, C (NHWC) order
``<layer>/bias``      (out,)
``<layer>/gamma``     (C,)                              batch norm scale
``<layer>/beta``      (C,)                              batch norm offset
``<layer>/moving_mean``, ``<layer>/moving_variance``    batch norm statistics
====================  ================================  ==================================

Layers inside a base use their own names (``block1_conv1/kernel``): names are unique across
the whole model. Every tensor is float32. The safetensors header metadata holds
``format`` ("specdsl-checkpoint"), ``format_version`` ("1"), ``spec_hash``, ``spec_name``
and ``specdsl_version``. Writing is atomic (a temporary file renamed into place).
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from specdsl.check.analysis import Analysis
from specdsl.fileio import write_atomic

FORMAT = "specdsl-checkpoint"
FORMAT_VERSION = "1"


class CheckpointError(Exception):
    """A checkpoint does not fit the model; the message names the file and the key."""


@dataclass
class Checkpoint:
    tensors: dict[str, np.ndarray]
    metadata: dict[str, str]


def expected_shapes(analysis: Analysis) -> dict[str, tuple[int, ...]]:
    """Every canonical key of the model and its shape, in layer order."""
    return {key: w.shape for key, w, _ in analysis.weights()}


def validate(
    tensors: dict[str, np.ndarray], analysis: Analysis, source: str = "checkpoint"
) -> None:
    """Raise CheckpointError naming the first missing, unexpected or wrongly shaped key."""
    want = expected_shapes(analysis)
    missing = [k for k in want if k not in tensors]
    if missing:
        raise CheckpointError(
            f"{source}: missing weight '{missing[0]}' (shape {want[missing[0]]})"
            + (f" and {len(missing) - 1} more" if len(missing) > 1 else "")
        )
    extra = [k for k in tensors if k not in want]
    if extra:
        raise CheckpointError(
            f"{source}: weight '{extra[0]}' is not in model '{analysis.spec.name}'"
        )
    for key, shape in want.items():
        got = tuple(tensors[key].shape)
        if got != tuple(shape):
            raise CheckpointError(
                f"{source}: weight '{key}' has shape {got}, the model needs {shape}"
            )


def save(path: str | Path, tensors: dict[str, np.ndarray], analysis: Analysis) -> Path:
    """Validate against the model and write atomically."""
    from safetensors.numpy import save as st_save

    from specdsl import __version__
    from specdsl.ir import spec_hash

    validate(tensors, analysis, str(path))
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "spec_hash": spec_hash(analysis.spec),
        "spec_name": analysis.spec.name,
        "specdsl_version": __version__,
    }
    ordered = {
        k: np.ascontiguousarray(tensors[k], dtype=np.float32) for k in expected_shapes(analysis)
    }
    data = st_save(ordered, metadata=meta)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(path, data)


def load(path: str | Path, analysis: Analysis | None = None) -> Checkpoint:
    """Read a checkpoint; with ``analysis``, check every key and shape against the model."""
    from safetensors import SafetensorError
    from safetensors.numpy import load as st_load

    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise CheckpointError(f"{path}: cannot read ({e.strerror})") from None
    try:
        tensors = st_load(raw)
        (n,) = struct.unpack("<Q", raw[:8])
        metadata = json.loads(raw[8 : 8 + n]).get("__metadata__", {}) or {}
    except (SafetensorError, ValueError, struct.error) as e:
        raise CheckpointError(f"{path}: not a safetensors checkpoint ({e})") from None
    if metadata.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a specdsl checkpoint (no '{FORMAT}' header)")
    if analysis is not None:
        validate(tensors, analysis, str(path))
    return Checkpoint(tensors, metadata)


def random_weights(analysis: Analysis, seed: int = 0) -> dict[str, np.ndarray]:
    """Fresh weights in the canonical layout (Glorot-uniform kernels, zero biases, BN identity).

    Used for ``build --backend onnx`` and for parity tests.
    """
    rng = np.random.default_rng(seed)
    out = {}
    for key, w, _ in analysis.weights():
        if w.name == "kernel":
            fan_in = int(np.prod(w.shape[:-1]))
            fan_out = int(w.shape[-1] * (np.prod(w.shape[:-2]) if len(w.shape) > 2 else 1))
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            out[key] = rng.uniform(-limit, limit, w.shape).astype(np.float32)
        elif w.name in ("gamma", "moving_variance"):
            out[key] = np.ones(w.shape, np.float32)
        else:
            out[key] = np.zeros(w.shape, np.float32)
    return out
