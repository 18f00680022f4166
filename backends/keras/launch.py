"""``specdsl train SPEC --backend keras``: the shared launcher (:mod:`specdsl.backends.launch`)
with what Keras needs: a loss checked first, last.npz, TensorFlow's start-up notices kept off
the terminal (Keras's progress bars show as usual), and ``--workers N``: N processes of
train.py on this machine, each with its TF_CONFIG (MultiWorkerMirroredStrategy).
"""

from __future__ import annotations

import json
from pathlib import Path

from specdsl.backends.keras.package import package_sources
from specdsl.backends.launch import free_ports, launch
from specdsl.backends.registry import BackendError, TrainOptions
from specdsl.check.analysis import Analysis

LAST = "last.npz"  # train.py's last-epoch checkpoint, what --resume goes on from

# TensorFlow's start-up notices, which TF_CPP_MIN_LOG_LEVEL does not silence
TF_NOTICES = (
    "WARNING: All log messages before absl::InitializeLog()",
    "I0000 ",
    "To enable the following instructions:",
)


def tf_config_workers(cmd: list[str], count: int) -> list[tuple[list[str], dict[str, str]]]:
    """``count`` train.py processes, a cluster of workers on localhost (worker 0 the chief)."""
    cluster = {"worker": [f"localhost:{port}" for port in free_ports(count)]}
    return [
        (
            cmd,
            {"TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": k}})},
        )
        for k in range(count)
    ]


def train(analysis: Analysis, options: TrainOptions) -> Path:
    if not analysis.spec.training.loss:
        raise BackendError(
            f"{analysis.spec.source or analysis.spec.name}: the spec has no 'loss' statement; "
            "training needs one"
        )
    env = {"TF_CPP_MIN_LOG_LEVEL": "2"}  # no oneDNN/CPU-feature notices
    files = package_sources(analysis)  # every check of the spec before anything is written
    return launch(
        analysis, options, files, last=LAST, env=env, hidden=TF_NOTICES, spread=tf_config_workers
    )
