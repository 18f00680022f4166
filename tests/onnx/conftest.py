"""Fixtures of the ONNX tests: every lecture spec exported once, with known weights."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from specdsl.api import load
from specdsl.check.analysis import Analysis
from tests.conftest import LECTURE_SPECS

pytest.importorskip("onnx", reason="the onnx package is not installed (pip install specdsl[onnx])")
pytest.importorskip("onnxruntime", reason="onnxruntime is not installed")


@dataclass
class Exported:
    analysis: Analysis
    tensors: dict[str, np.ndarray]
    path: Path


def export_spec(analysis: Analysis, out_dir: Path, seed: int = 0) -> Exported:
    from specdsl.backends.onnx import export
    from specdsl.weights.checkpoint import random_weights

    tensors = random_weights(analysis, seed=seed)
    # random_weights zeroes the biases: give them values so that parity sees them
    rng = np.random.default_rng(seed + 1)
    for key in tensors:
        if key.endswith("/bias"):
            tensors[key] = rng.normal(0, 0.05, tensors[key].shape).astype(np.float32)
    path = export(analysis, tensors, out_dir / f"{analysis.spec.name}.onnx")
    return Exported(analysis, tensors, path)


@pytest.fixture(scope="session")
def lecture_onnx(tmp_path_factory) -> dict[str, Exported]:
    """Spec name -> the exported lecture model (seeded random weights, non-zero biases)."""
    out = tmp_path_factory.mktemp("lecture_onnx")
    return {p.stem: export_spec(load(p), out) for p in LECTURE_SPECS}


def session(path: Path):
    import onnxruntime as ort

    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
