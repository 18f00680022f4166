"""Write ``train.py``: the spec's training section as a script that runs on its own.

The script is definitions copied by name from the snippet modules (``snippets/run.py``,
``data_loading.py``, ``training.py``: real, linted Python) with the spec's settings written
in as constants and one ``set_trainable_<stage>`` function per stage. What only some specs
need is a definition of its own, chosen here: the pretrained base's weights and options
(``__base``), training the head on stored features (``train__features``).
"""

from __future__ import annotations

from specdsl.backends.keras.codefmt import (
    INDENT,
    CodeError,
    call_line,
    py_list,
    py_num,
    py_str,
)
from specdsl.backends.keras.freeze_code import stats_text, trainable_body
from specdsl.backends.keras.model import header
from specdsl.backends.package import spec_file_name
from specdsl.backends.source import pick
from specdsl.check.analysis import Analysis

IMPORTS = """\
from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

# isort: split
# specdsl (installed): the spec, data readers, weight files, the neutral checkpoint
from specdsl.api import load
{runtime}
from specdsl.check.diagnostics import SpecError
from specdsl.data import DataError, detect
from specdsl.data.folders import check_classes, scan_image_folder
from specdsl.data.mnist import load_mnist
from specdsl.ir import spec_hash
from specdsl.weights import checkpoint
from specdsl.weights.checkpoint import CheckpointError
{keras_files}
# isort: split
# the model: model.py beside this script
from model import INPUT_SHAPE, build_model"""

CHECKPOINT = [  # snippets/training.py: last.npz, what --resume goes on from
    "start_run",
    "save_last",
    "load_last",
    "restore_random_state",
    "restore_optimizer",
    "LastCheckpoint",
]
DATA = [  # snippets/data_loading.py
    "Data",
    "load_data",
    "load_mnist_arrays",
    "load_image_folder",
    "limited_view",
    "fit_inputs",
]
LOGS = [  # snippets/logs.py
    "Board",
    "open_board",
    "board_run",
    "log_spec",
    "log_images",
    "preview_files",
    "TensorBoardLog",
]
RESULTS = ["float32_output", "write_atomic", "save_history", "plot_curves"]  # snippets/run.py
DISTRIBUTED = [  # snippets/distributed.py: several workers (TF_CONFIG) or several GPUs
    "Cluster",
    "find_cluster",
    "weights_digest",
    "distribute",
    "replica_steps",
    "on_replicas",
    "metric_results",
    "score_replicas",
    "fit_replicas",
    "evaluate_replicas",
]


def train_source(analysis: Analysis) -> str:
    """The text of train.py for the model."""
    t = analysis.spec.training
    if t.strategy == "features" and t.stages:
        raise CodeError(
            "the keras backend does not train strategy 'features' in stages; "
            "use stages with the base inside the model (strategy fit)"
        )
    base = analysis.base is not None
    variant = "__base" if base else "__plain"
    if t.strategy == "features":
        training = ["split_at_base", "extract_features", "train__features"]
    else:
        training = ["train__fit"]
    files = (
        "from specdsl.weights.files import read_base_weights\n"
        "from specdsl.weights.keras_files import imagenet_weights_file\n"
    )
    imports = IMPORTS.format(
        runtime="from specdsl.backends.keras.runtime import get_weights, set_weights",
        keras_files=files if base else "",
    )
    constants = [
        *_constants(analysis),
        *pick("keras", "data_loading", ["COLOR_MODES", "LABEL_MODES"]),
        *pick("keras", "training", ["LAST"]),
        *pick("keras", "logs", ["TENSORBOARD", "PREVIEW"]),
        *pick("keras", "run", ["PRECISIONS"]),
    ]
    stage = "\n\n\n".join([*pick("keras", "training", ["Stage"]), _stages(analysis)])
    stage += "\n\n" + pick("keras", "training", ["OPTIMIZERS"])[0]
    chunks = [
        "\n\n".join(["\n".join(_header(analysis)), imports, "\n".join(constants)]),
        *pick("keras", "run", ["TrainError"]),
        stage,
        *pick("keras", "run", [f"parse_args{variant}", "load_spec"], rename=_plain("parse_args")),
        _banner("data"),
        *pick("keras", "data_loading", DATA),
    ]
    weights = pick("keras", "run", [f"base_weights{variant}"], rename=_plain("base_weights"))
    chunks += [_banner("pretrained base"), *weights] if base else weights
    chunks += [
        _banner("the last checkpoint: what --resume goes on from"),
        *pick("keras", "training", CHECKPOINT),
        _banner("run logs: TensorBoard"),
        *pick("keras", "logs", LOGS),
        _banner("several workers (TF_CONFIG) or GPUs: tf.distribute, a step of our own"),
        *pick("keras", "distributed", DISTRIBUTED),
        _banner("training"),
        *pick("keras", "training", ["BestCheckpoint", "EpochTimer", "count_params"]),
        *pick("keras", "training", ["make_optimizer", "run_stages"]),
        *pick("keras", "training", [*training, "evaluate"], rename=_plain("train")),
        _banner("results"),
        *pick("keras", "run", [*RESULTS, "main"]),
        'if __name__ == "__main__":\n    sys.exit(main())',
    ]
    return "\n\n\n".join(chunks) + "\n"


def _plain(name: str) -> dict[str, str]:
    """Each variant of ``name`` (``name__base``, ...) gets the plain name in train.py."""
    return {f"{name}__{v}": name for v in ("plain", "base", "fit", "features")}


def _banner(title: str) -> str:
    """A section comment: ``# ---- title ---...`` as wide as a black-formatted line (88)."""
    return f"# ---- {title} ".ljust(87, "-")


def _header(analysis: Analysis) -> list[str]:
    lines = header(analysis, "Training script")
    return lines[:-1] + [
        "",
        "    python train.py --data DIR [--run-dir DIR] [--epochs N] [--batch-size N] [--limit N]",
        "    python train.py --data DIR --run-dir DIR --resume  # go on after a crash",
        "",
        "DIR is an image folder like the lecture's (train/, validation/, test/, one subfolder per",
        "class) or a folder of MNIST idx files. The run folder gets the best checkpoint,",
        "history.json, curves.png, model.safetensors (specdsl's backend-neutral weights) and",
        "tensorboard/ (TensorBoard's event files: tensorboard --logdir RUN_DIR), and after every",
        "epoch last.npz (weights, optimizer state, epoch, history, random state): what --resume",
        "goes on from.",
        "",
        "With TF_CONFIG naming several workers (specdsl train --workers N sets it), each worker",
        "runs this script and they train together (tf.distribute.MultiWorkerMirroredStrategy;",
        "--batch-size is the global batch); the chief, worker 0, writes the run folder.",
        '"""',
    ]


def _constants(analysis: Analysis) -> list[str]:
    t = analysis.spec.training
    monitor = t.checkpoint.monitor if t.checkpoint is not None else None
    scale = analysis.scales_inputs
    out = analysis.output_shape
    lines = [
        f"SPEC_FILE = {py_str(spec_file_name(analysis))}",
        f"SPEC_HASH = {py_str(_hash(analysis))}",
        f"CLASSES = {py_list(analysis.spec.classes)}",
        f"NUM_CLASSES = {out[-1] if out else 1}",
        f"LOSS = {py_str(t.loss) if t.loss else None}",
        f"METRICS = {py_list(t.metrics)}",
        f"BATCH_SIZE = {t.batch_size or 32}",
        f"MONITOR = {py_str(monitor) if monitor else None}  # the checkpoint keeps the best epoch",
        f"SCALE_INPUTS = {scale}  # True when the model has no rescale/preprocess: pixels / 255",
        f"PRECISION = {py_str(t.precision)}  # Keras's dtype policy: float32 or mixed_*",
    ]
    base = analysis.base
    if base is not None:
        weights = base.layer.weights
        lines += [
            f"BASE = {py_str(base.name)}",
            f"BASE_ARCH = {py_str(base.layer.arch)}",
            f"BASE_WEIGHTS = {py_str(weights) if weights else None}  # 'imagenet', a file or None",
        ]
    return lines


def _hash(analysis: Analysis) -> str:
    from specdsl.ir import spec_hash

    return spec_hash(analysis.spec)


def stage_functions(analysis: Analysis) -> list[str]:
    """``set_trainable_<stage>(model)`` for each stage (none without stages)."""
    lines: list[str] = []
    stages = zip(analysis.spec.training.stages, analysis.stages, strict=True)
    for k, (stage, info) in enumerate(stages):
        ops = analysis.spec.freeze + stage.freeze
        doc = f"Stage {stage.name}: {stats_text(info.trainable_params, info.non_trainable_params)}."
        flags = info.trainable
        lines += ["", "", f"def {_stage_function(stage.name, k)}(model):", f'{INDENT}"""{doc}"""']
        lines += trainable_body(analysis, lambda i, f=flags: f.get(i.path, True), ops, reset=True)
    return lines


def _stage_function(name: str, k: int) -> str:
    return f"set_trainable_{name if name.isidentifier() else f'stage_{k + 1}'}"


def _optimizer_args(opt) -> list[str]:
    lr = py_num(opt.learning_rate) if opt.learning_rate else None
    return [f"optimizer={py_str(opt.name)}", f"learning_rate={lr}"]


def _stages(analysis: Analysis) -> str:
    t = analysis.spec.training
    entries: list[list[str]] = []
    if not t.stages:
        entries.append(
            [py_str("train"), f"epochs={t.epochs or 1}", *_optimizer_args(t.optimizer)]
            + ["set_trainable=None"]
        )
    for k, stage in enumerate(t.stages):
        entries.append(
            [py_str(stage.name), f"epochs={stage.epochs or t.epochs or 1}"]
            + _optimizer_args(stage.optimizer or t.optimizer)
            + [f"set_trainable={_stage_function(stage.name, k)}"]
        )
    lines = [*stage_functions(analysis), "", "", "STAGES = ["]
    for args in entries:
        lines += call_line(INDENT, "", "Stage", args, ",")
    lines.append("]")
    return "\n".join(lines[2:])
