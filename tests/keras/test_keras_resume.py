"""A real Keras run of the lecture's MNIST convnet (no `checkpoint` statement) killed with
SIGKILL after an epoch and resumed with `specdsl train --resume`: no finished epoch lost or
repeated, and the final checkpoint exports and runs (the crash helper: tests/pytorch)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.pytorch.test_resume import crash_and_resume

pytest.importorskip("keras", reason="Keras is not installed (pip install specdsl[keras])")


def read_history(path):
    with np.load(path) as f:
        return json.loads(str(f["meta"]))["record"]["history"]


@pytest.mark.slow
def test_killed_keras_run_resumes_without_losing_or_repeating_an_epoch(shared_data, tmp_path):
    crash_and_resume("keras", "last.npz", read_history, shared_data, tmp_path, 6, "2000", 1.0)
