"""The lecture's specs and its own numbers, and what a spec file says (classes, stages, params).

One place for the facts the runs and the table share: which specs there are, the lecture's
result, epochs and trainable parameters for each, and the orderings it claims.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The lecture's models, then the same three transfer patterns with EfficientNet-Lite0.
LECTURE_SPECS = (
    "mnist_convnet",
    "dogs_cats_scratch",
    "dogs_cats_aug",
    "vgg16_features",
    "vgg16_features_aug",
    "vgg16_finetune",
)
LITE0_SPECS = ("lite0_features", "lite0_features_aug", "lite0_finetune")
ALL_SPECS = LECTURE_SPECS + LITE0_SPECS

# The lecture's own numbers, written once from ../shared/LECTURE.md ("The six models"):
# its result, the metric it names, its epochs and its trainable parameters.
LECTURE = {
    "mnist_convnet": {
        "result": 0.991,
        "metric": "test accuracy",
        "epochs": "5",
        "trainable_params": 104_202,
        "listing": "8.1-8.4",
    },
    "dogs_cats_scratch": {
        "result": 0.695,
        "metric": "test accuracy",
        "epochs": "30",
        "trainable_params": 991_041,
        "listing": "8.7-8.13",
    },
    "dogs_cats_aug": {
        "result": 0.835,
        "metric": "test accuracy",
        "epochs": "100",
        "trainable_params": 991_041,
        "listing": "8.14-8.17",
    },
    "vgg16_features": {
        "result": 0.97,
        "metric": "validation accuracy (~)",
        "epochs": "20",
        "trainable_params": 3_277_313,
        "listing": "8.19-8.21",
    },
    "vgg16_features_aug": {
        "result": 0.975,
        "metric": "test accuracy",
        "epochs": "50",
        "trainable_params": 3_277_313,
        "listing": "8.23-8.26",
    },
    "vgg16_finetune": {
        "result": 0.985,
        "metric": "test accuracy",
        "epochs": "50 + 30",
        "trainable_params": 10_356_737,
        "listing": "8.27-8.28",
    },
}
# The lecture's ordering on dogs vs. cats, worst to best (its central claim).
LECTURE_ORDER = (
    "dogs_cats_scratch",
    "dogs_cats_aug",
    "vgg16_features",
    "vgg16_features_aug",
    "vgg16_finetune",
)
# The same claim with a real ImageNet base: EfficientNet-Lite0 in place of VGG16.
LITE0_ORDER = ("dogs_cats_scratch", "dogs_cats_aug", *LITE0_SPECS)
ORDERS = {"VGG16": LECTURE_ORDER, "Lite0": LITE0_ORDER}


def spec_info(path: Path) -> dict:
    """Classes, stages with their epochs, monitor, strategy and trainable parameters."""
    from specdsl.api import load

    a = load(path)
    t = a.spec.training
    if a.stages:
        stages = [
            {"name": s.stage.name, "epochs": s.stage.epochs, "trainable_params": s.trainable_params}
            for s in a.stages
        ]
    else:
        stages = [{"name": "train", "epochs": t.epochs, "trainable_params": a.trainable_params}]
    return {
        "model": a.spec.name,
        "classes": list(a.spec.classes or ()),
        "stages": stages,
        "monitor": t.checkpoint.monitor if t.checkpoint is not None else None,
        "strategy": t.strategy,
        "base": a.base.layer.arch if a.base is not None else None,
        "trainable_params": stages[-1]["trainable_params"],
        "total_params": a.total_params,
    }
