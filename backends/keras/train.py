"""Write ``train.py``: the spec's training section as a script that runs on its own.

The script is a fixed template (``templates/train/*.py.tmpl``, joined in file-name order:
setup, data, last checkpoint, training, results) with the spec's settings written in as
constants, one ``set_trainable_<stage>`` function per stage, and only the parts the spec needs
(``#if base`` / ``#if features`` blocks).
"""

from __future__ import annotations

from pathlib import Path

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
from specdsl.check.analysis import Analysis

TEMPLATES = Path(__file__).with_name("templates") / "train"


def spec_file_name(analysis: Analysis) -> str:
    return f"{analysis.spec.name}.spec"


def train_source(analysis: Analysis) -> str:
    """The text of train.py for the model."""
    t = analysis.spec.training
    if t.strategy == "features" and t.stages:
        raise CodeError(
            "the keras backend does not train strategy 'features' in stages; "
            "use stages with the base inside the model (strategy fit)"
        )
    flags = {"base": analysis.base is not None, "features": t.strategy == "features"}
    parts = {
        "HEADER": _header(analysis),
        "CONSTANTS": _constants(analysis),
        "STAGES": _stages(analysis),
    }
    pieces = sorted(TEMPLATES.glob("*.py.tmpl"))
    template = "".join(p.read_text(encoding="utf-8") for p in pieces)
    return render(template, flags, parts)


def render(template: str, flags: dict[str, bool], parts: dict[str, list[str]]) -> str:
    """Keep ``#if name`` / ``#else`` / ``#endif`` blocks by flag; fill ``#insert NAME`` lines."""
    out: list[str] = []
    keep = [True]
    for line in template.splitlines():
        word = line.split()
        if line.startswith("#if "):
            keep.append(keep[-1] and flags[word[1]])
        elif line.startswith("#else"):
            keep[-1] = not keep[-1] and keep[-2]
        elif line.startswith("#endif"):
            keep.pop()
        elif not keep[-1]:
            continue
        elif line.startswith("#insert "):
            out.extend(parts[word[1]])
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def _header(analysis: Analysis) -> list[str]:
    lines = header(analysis, "Training script")
    return lines[:-1] + [
        "",
        "    python train.py --data DIR [--run-dir DIR] [--epochs N] [--batch-size N] [--limit N]",
        "    python train.py --data DIR --run-dir DIR --resume  # go on after a crash",
        "",
        "DIR is an image folder like the lecture's (train/, validation/, test/, one subfolder per",
        "class) or a folder of MNIST idx files. The run folder gets the best checkpoint,",
        "history.json, curves.png and model.safetensors (specdsl's backend-neutral weights), and",
        "after every epoch last.npz (weights, optimizer state, epoch, history, random state):",
        "what --resume goes on from.",
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


def _stages(analysis: Analysis) -> list[str]:
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
    return lines
