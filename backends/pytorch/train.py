"""train.py: Keras's ``fit`` in PyTorch, runnable alone or unchanged under ``torchrun``.

The script is the spec's training section as constants (metrics, batch, checkpoint monitor,
stages with their optimizer and frozen modules) followed by definitions copied from
``snippets/training.py``: only the optimizer, loss and helpers this spec needs.
"""

from __future__ import annotations

import json

from specdsl import ir
from specdsl.backends.pytorch.layout import module_names
from specdsl.backends.pytorch.model import model_class_name, spec_label
from specdsl.backends.registry import BackendError
from specdsl.backends.source import pick
from specdsl.check.analysis import Analysis
from specdsl.ir import spec_hash
from specdsl.ir.vocab import OPTIMIZERS

LINE = 100
SUPPORTED_METRICS = ("accuracy", "binary_accuracy", "sparse_categorical_accuracy")

# optimizer name -> (snippet class or None, constructor expression on params and lr)
OPTIMIZER_CODE = {
    "rmsprop": ("KerasRMSprop", "KerasRMSprop(params, lr=lr)"),
    "adam": ("KerasAdam", "KerasAdam(params, lr=lr)"),
    "adamw": ("KerasAdam", "KerasAdam(params, lr=lr, weight_decay=0.004)"),
    "sgd": (None, "torch.optim.SGD(params, lr=lr)"),
    "nadam": (None, "torch.optim.NAdam(params, lr=lr, eps=1e-07)"),
}

LOOP = [  # snippets/training.py
    "Objective",
    "Progress",
    "set_frozen",
    "param_counts",
    "metric_logs",
    "autocast_dtype",
    "train_epoch",
    "evaluate",
    "improved",
    "save_atomic",
    "save_last",
    "fit_stage",
]
LOGS = ["Board", "open_board", "board_run", "log_spec", "log_images", "log_epoch"]
RUN = [  # snippets/run.py
    "parse_args",
    "keep_freed_memory",
    "setup_distributed",
    "write_outputs",
    "plot_curves",
    "start_record",
    "run",
    "one_line",
    "main",
    "load_spec",
]

IMPORTS = [
    ("import argparse", "argparse."),
    ("import ctypes", "ctypes."),
    ("import json", "json."),
    ("import math", "math."),
    ("import os", "os."),
    ("import sys", "sys."),
    ("import time", "time."),
    ("import types", "types."),
    ("from pathlib import Path", "Path("),
    ("from typing import NamedTuple", "NamedTuple"),
    ("", ""),
    ("import torch", "torch."),
    ("import torch.distributed as dist", "dist."),
    ("import torch.nn.functional as F", "F."),
    ("from data import {data}", ""),
    ("from model import {model}", ""),
    ("from torch import nn", "nn."),
    ("from torch.nn.parallel import DistributedDataParallel", "DistributedDataParallel("),
    ("", ""),
    ("from specdsl.api import load", "load("),
    ("from specdsl.check.diagnostics import SpecError", "SpecError"),
    ("from specdsl.data import DataError", "DataError"),
    ("from specdsl.ir import spec_hash", "spec_hash("),
    ("from specdsl.weights import checkpoint", "checkpoint."),
    ("from specdsl.weights.files import read_base_weights", "read_base_weights("),
    ("from specdsl.weights.keras_files import {keras_files}", ""),
    ("from specdsl.weights.torch_layout import {torch_layout}", ""),
]


def _loss_snippet(analysis: Analysis) -> tuple[str, bool]:
    t = analysis.spec.training
    if not t.loss:
        where = analysis.spec.source or "<spec>"
        raise BackendError(f"{where}: the spec has no 'loss' statement; training needs one")
    final = analysis.final_activation
    act = final.name
    from_logits = final.squashes and t.loss in (
        ("binary_crossentropy",) if act == "sigmoid" else ("sparse_categorical_crossentropy",)
    ) + (("categorical_crossentropy",) if act == "softmax" else ())
    return f"loss__{t.loss}__{'logits' if from_logits else 'probs'}", from_logits


def _metrics(analysis: Analysis) -> tuple[str, ...]:
    where = analysis.spec.source or "<spec>"
    for m in analysis.spec.training.metrics:
        if m not in SUPPORTED_METRICS:
            raise BackendError(
                f"{where}: the pytorch backend does not compute metric '{m}' "
                f"(supported: {', '.join(SUPPORTED_METRICS)})"
            )
    return tuple(analysis.spec.training.metrics)


def frozen_modules(analysis: Analysis, trainable: dict[str, bool]) -> list[str]:
    """Module paths whose weights a stage keeps frozen (a whole base as one name)."""
    names = module_names(analysis)
    out: list[str] = []
    for info in analysis.layers:
        if info.children:
            weighted = [c for c in info.children if c.kind in ir.WEIGHTED_KINDS]
            frozen = [c for c in weighted if not trainable.get(c.path, True)]
            if weighted and len(frozen) == len(weighted):
                out.append(names[info.name])
            else:
                out.extend(names[c.name] for c in frozen)
        elif info.kind in ir.WEIGHTED_KINDS and not trainable.get(info.path, True):
            out.append(names[info.name])
    return out


def stages(analysis: Analysis) -> list[tuple[str, int, str, float, list[str]]]:
    """(name, epochs, optimizer, learning rate, frozen modules) of each fit, as the spec says."""
    t = analysis.spec.training
    where = analysis.spec.source or "<spec>"
    out = []
    if not t.stages:
        trainable = {}
        for info in analysis.layers:
            trainable[info.path] = info.trainable
            trainable.update({c.path: c.trainable for c in info.children})
        plan = [("train", t.epochs, t.optimizer, trainable)]
    else:
        plan = [
            (
                s.stage.name,
                s.stage.epochs or t.epochs,
                s.stage.optimizer or t.optimizer,
                s.trainable,
            )
            for s in analysis.stages
        ]
    for name, epochs, opt, trainable in plan:
        if opt.name not in OPTIMIZER_CODE:
            raise BackendError(f"{where}: the pytorch backend has no optimizer '{opt.name}'")
        lr = opt.learning_rate if opt.learning_rate is not None else OPTIMIZERS[opt.name]
        out.append((name, epochs or 1, opt.name, lr, frozen_modules(analysis, trainable)))
    return out


def _stage_lines(plan) -> list[str]:
    lines = ["STAGES = ("]
    if len(plan) == 1:
        name, epochs, opt, lr, frozen = plan[0]
        head = f"{json.dumps(name)}, epochs={epochs}, optimizer={json.dumps(opt)}, "
        tup = "(" + ", ".join(json.dumps(f) for f in frozen) + ("," if len(frozen) == 1 else "")
        one = f"STAGES = (Stage({head}learning_rate={lr!r}"
        one += (f", frozen={tup})" if frozen else "") + "),)"
        if len(one) <= LINE:
            return [one]
    for name, epochs, opt, lr, frozen in plan:
        head = f"{json.dumps(name)}, epochs={epochs}, optimizer={json.dumps(opt)}, "
        head += f"learning_rate={lr!r}"
        tup = "(" + ", ".join(json.dumps(f) for f in frozen) + ("," if len(frozen) == 1 else "")
        tup += ")"
        one = f"    Stage({head}" + (f", frozen={tup}" if frozen else "") + "),"
        if len(one) <= LINE:
            lines.append(one)
            continue
        lines += ["    Stage(", f"        {json.dumps(name)},", f"        epochs={epochs},"]
        lines += [f"        optimizer={json.dumps(opt)},", f"        learning_rate={lr!r},"]
        if frozen:
            if len(f"        frozen={tup},") <= LINE:
                lines.append(f"        frozen={tup},")
            else:
                lines += ["        frozen=(", *(f"            {json.dumps(f)}," for f in frozen)]
                lines.append("        ),")
        lines.append("    ),")
    return lines + [")"]


def _optimizer_factory(plan) -> list[str]:
    lines = [
        "def make_optimizer(name, params, lr):",
        '    """The Keras optimizer of a stage, with Keras\'s defaults."""',
    ]
    for opt in sorted({p[2] for p in plan}):
        lines += [f'    if name == "{opt}":', f"        return {OPTIMIZER_CODE[opt][1]}"]
    lines.append('    raise ValueError(f"unknown optimizer {name}")')
    return lines


def train_source(analysis: Analysis) -> str:
    """The text of train.py for the spec."""
    spec, t = analysis.spec, analysis.spec.training
    loss_snippet, from_logits = _loss_snippet(analysis)
    metrics = _metrics(analysis)
    plan = stages(analysis)
    binary = analysis.output_shape[-1:] == (1,)
    correct = "correct__categorical"
    if binary:
        correct = f"correct__binary__{'logits' if from_logits else 'probs'}"
    base = analysis.base
    features = t.strategy == "features"
    monitor = t.checkpoint.monitor if t.checkpoint is not None else None
    cls = model_class_name(analysis)

    loop = LOOP + (["gather_shards", "extract_features"] if features else [])
    run = RUN + (["load_base_weights"] if base is not None else [])
    inputs = "training_inputs__features" if features else "training_inputs__images"
    builder = "build_model__base" if base is not None else "build_model__plain"
    optimizers = sorted({OPTIMIZER_CODE[p[2]][0] for p in plan} - {None})
    body = [
        *pick("pytorch", "optimizers", optimizers),
        "\n".join(_optimizer_factory(plan)),
        *pick("pytorch", "losses", [loss_snippet], rename={loss_snippet: "compute_loss"}),
        *pick("pytorch", "losses", [correct], rename={correct: "count_correct"}),
        *pick("pytorch", "run", [builder], rename={builder: "build_model"}),
        *pick("pytorch", "training", [inputs], rename={inputs: "training_inputs"}),
        *pick("pytorch", "training", loop),
        *pick("pytorch", "logs", LOGS),
        *pick("pytorch", "run", run),
        'if __name__ == "__main__":\n    sys.exit(main())',
    ]
    weights = json.dumps(base.layer.weights) if base is not None and base.layer.weights else None
    constants = [
        f'SPEC_FILE = Path(__file__).resolve().with_name("{spec.name}.spec")',
        f'SPEC_HASH = "{spec_hash(spec)}"',
        "",
        "# The spec's training section, with Keras's meanings",
        f"METRICS = {_tuple(metrics)}",
        f"BATCH_SIZE = {t.batch_size or 32}  # the global batch: split across torchrun processes",
        f"MONITOR = {json.dumps(monitor) if monitor else None}  "
        + (
            "# model.pt keeps the best epoch" if monitor else "# no checkpoint: keep the last epoch"
        ),
        f'STRATEGY = "{t.strategy}"'
        + ("  # run the frozen base once, train the head on its features" if features else ""),
        f"BASE = {json.dumps(module_names(analysis)[base.name]) if base else None}",
        f'PRECISION = "{t.precision}"  # float32, or mixed: bfloat16/float16 compute',
        *pick("pytorch", "logs", ["TENSORBOARD", "PREVIEW"]),
    ]
    if base is not None:
        constants += [
            f"BASE_ARCH = {json.dumps(base.layer.arch)}",
            f"BASE_WEIGHTS = {weights}  # 'imagenet', a Keras weights file, or None",
        ]
    body = [b.replace("Model()", f"{cls}()") for b in body]
    stage = pick("pytorch", "training", ["Stage"])[0] + "\n\n\n" + "\n".join(_stage_lines(plan))
    text = "\n".join([*constants, stage, *body])
    imports = _imports(text, cls, features, base is not None)
    head = "\n\n".join([_docstring(analysis, from_logits), imports, "\n".join(constants)])
    return "\n\n\n".join([head, stage, *body]) + "\n"


def _tuple(items) -> str:
    if len(items) == 1:
        return f"({json.dumps(items[0])},)"
    return "(" + ", ".join(json.dumps(i) for i in items) + ")"


def _imports(text: str, cls: str, features: bool, base: bool) -> str:
    data_names = sorted(["load_datasets", "make_loader"] + (["TensorImages"] if features else []))
    fill = {
        "data": ", ".join(data_names),
        "model": cls,
        "keras_files": "imagenet_weights_file",
        "torch_layout": ", ".join(
            sorted(["torch_to_canonical"] + (["canonical_to_torch"] if base else []))
        ),
    }
    out: list[str] = []
    for line, marker in IMPORTS:
        if not line:
            if out and out[-1]:
                out.append("")
            continue
        if "{" in line:
            key = line[line.index("{") + 1 : line.index("}")]
            if key == "keras_files" and not base:
                continue
            out.append(line.format(**fill))
        elif marker in text:
            out.append(line)
    return "\n".join(out).strip()


def _docstring(analysis: Analysis, from_logits: bool) -> str:
    spec = analysis.spec
    return "\n".join(
        [
            f'"""Train {spec.name} with PyTorch as Keras\'s fit does (generated by specdsl; do not '
            "edit).",
            "",
            f"spec: {spec_label(spec)}  spec_hash: {spec_hash(spec)}",
            "",
            "    python train.py --data DIR [--run-dir DIR] [--epochs N] [--batch-size N] "
            "[--limit N]",
            "    torchrun --nproc_per_node 2 train.py --data DIR   # DistributedDataParallel",
            "    python train.py --data DIR --run-dir DIR --resume  # go on after a crash",
            "",
            "DIR is an image folder like the lecture's (train/, validation/, test/, one subfolder",
            "per class) or a folder of MNIST idx files. The run folder gets model.pt (the best",
            "weights), model.safetensors (specdsl's backend-neutral checkpoint), history.json,",
            "curves.png and tensorboard/ (event files: tensorboard --logdir RUN_DIR), and after",
            "every epoch last.pt (weights, optimizer, epoch, history, random state: what --resume",
            "goes on from); under torchrun only rank 0 writes.",
            "The loss is computed "
            + (
                "on the logits of the final activation, as a compiled Keras model does."
                if from_logits
                else "on the model's outputs, as Keras does."
            ),
            '"""',
        ]
    )
