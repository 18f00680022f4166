"""Shared fixtures: the repository's specs and the real data in ../shared/data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "specs"
# The lecture's six models (golden files exist for these); REPO_SPECS: every spec in specs/.
LECTURE_NAMES = (
    "dogs_cats_aug",
    "dogs_cats_scratch",
    "mnist_convnet",
    "vgg16_features",
    "vgg16_features_aug",
    "vgg16_finetune",
)
LECTURE_SPECS = [SPECS / f"{name}.spec" for name in LECTURE_NAMES]
REPO_SPECS = sorted(SPECS.glob("*.spec"))


def shared_data_dir() -> Path | None:
    """``$SPECDSL_SHARED_DATA`` or ``../shared/data`` beside the repository, if present."""
    env = os.environ.get("SPECDSL_SHARED_DATA")
    candidates = [Path(env)] if env else []
    candidates.append(ROOT.parent / "shared" / "data")
    for c in candidates:
        if c.is_dir():
            return c
    return None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    d = shared_data_dir()
    if d is None:
        pytest.skip("real data folder not found: set SPECDSL_SHARED_DATA or provide ../shared/data")
    return d


@pytest.fixture(scope="session")
def specs_dir() -> Path:
    return SPECS
