"""``specdsl train SPEC --backend pytorch``: the shared launcher (:mod:`specdsl.backends.launch`)
with what PyTorch needs: last.pt, the data and base weights checked before PyTorch starts, and
``--workers N``: train.py under torchrun, N processes on this machine (DistributedDataParallel).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from specdsl.backends.launch import base_weights, launch
from specdsl.backends.pytorch.package import package_sources
from specdsl.backends.registry import TrainOptions
from specdsl.check.analysis import Analysis

LAST = "last.pt"  # train.py's last-epoch checkpoint, what --resume goes on from

# train.py's environment unless the caller's says otherwise: OpenMP threads that sleep when
# idle. Spinning ones (the default) fight DataLoader workers and other processes for the
# cores: measured on 2 shared cores, 16 -> 9 CPU seconds per epoch of dogs_cats_scratch.
ENV = {"OMP_WAIT_POLICY": "PASSIVE"}


def check_inputs(analysis: Analysis, options: TrainOptions) -> None:
    """The data folder and the base's weights file, checked before anything is written.

    train.py checks them again (it also runs on its own); checking here first gives the one
    clear line without starting PyTorch. Raises DataError or CheckpointError.
    """
    from specdsl.backends.keras.weights import imagenet_weights_file
    from specdsl.data import detect
    from specdsl.data.folders import check_classes, scan_image_folder
    from specdsl.weights.checkpoint import CheckpointError

    if detect(options.data) == "folder":
        check_classes(scan_image_folder(options.data), analysis.spec.classes)
    base = analysis.base
    if base is None:
        return
    weights = base_weights(analysis, options)
    if weights is None and base.layer.weights == "imagenet":
        imagenet_weights_file(base.layer.arch)
    elif weights is not None and not weights.is_file():
        raise CheckpointError(f"{weights}: no such weights file")


def torchrun(cmd: list[str], count: int) -> list[tuple[list[str], dict[str, str]]]:
    """One process: ``python -m torch.distributed.run --standalone --nproc_per_node N train.py
    ...``, which starts the N workers; each gets its share of the cores as OpenMP threads."""
    run = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
    threads = str(max(1, (os.cpu_count() or 1) // count))
    return [([*run, "--nproc_per_node", str(count), *cmd[1:]], {"OMP_NUM_THREADS": threads})]


def train(analysis: Analysis, options: TrainOptions) -> Path:
    files = package_sources(analysis)  # every check of the spec before anything is written
    return launch(analysis, options, files, last=LAST, check=check_inputs, env=ENV, spread=torchrun)
