"""The ``metadata_props`` contract between ``specdsl export`` and ``specdsl run``.

An exported ``.onnx`` file carries these keys (all values are strings):

=====================  ==================================================================
``specdsl_version``    the specdsl that wrote it (its presence marks a specdsl model)
``model_name``         the spec's ``model`` name
``spec_hash``          :func:`specdsl.ir.spec_hash` of the spec
``labels``             the class labels as a JSON list (empty: none given in the spec)
``input_size``         ``HxW`` of the images the graph takes
``input_channels``     ``1`` (grayscale), ``3`` (RGB) or ``4`` (RGBA)
``input_layout``       ``NHWC uint8``: a batch of images as decoded, values 0..255
``input_scaling``      ``1/255`` when the graph divides the pixels by 255 itself (a model
                       without ``rescale``/``preprocess``, trained on pixels / 255), else ``none``
``output_activation``  the last layer's activation (``softmax``, ``sigmoid``, ``linear`` ...)
``spec``               the spec in canonical text (``specdsl fmt``), for importers and diff
=====================  ==================================================================
"""

from __future__ import annotations

import json
from typing import NamedTuple

VERSION = "specdsl_version"
MODEL_NAME = "model_name"
SPEC_HASH = "spec_hash"
LABELS = "labels"
INPUT_SIZE = "input_size"
INPUT_CHANNELS = "input_channels"
INPUT_LAYOUT = "input_layout"
INPUT_SCALING = "input_scaling"
OUTPUT_ACTIVATION = "output_activation"
SPEC_TEXT = "spec"

LAYOUT_NHWC_UINT8 = "NHWC uint8"
PROBABILITY_ACTIVATIONS = ("softmax", "sigmoid")


class MetadataError(Exception):
    """The model lacks what ``run`` needs; the message says what to pass instead."""


class ModelInfo(NamedTuple):
    """What ``run`` must know about a model to feed it and to read its output."""

    height: int
    width: int
    channels: int
    labels: tuple[str, ...]
    output_activation: str | None  # None: unknown (a model specdsl did not write)
    name: str | None = None
    from_specdsl: bool = False

    @property
    def probabilities(self) -> bool:
        return self.output_activation in PROBABILITY_ACTIVATIONS


def parse_size(text: str) -> tuple[int, int, int]:
    """``HxWxC`` (or ``HxW``, meaning 3 channels) -> (H, W, C); ValueError with a message."""
    parts = text.lower().replace(" ", "").split("x")
    try:
        nums = [int(p) for p in parts]
    except ValueError:
        nums = []
    if len(nums) == 2:
        nums.append(3)
    if len(nums) != 3 or min(nums) < 1 or nums[2] not in (1, 3, 4):
        raise ValueError(f"--size must look like 180x180x3 (channels 1, 3 or 4), got '{text}'")
    return nums[0], nums[1], nums[2]


def parse_labels(text: str) -> tuple[str, ...]:
    labels = tuple(s.strip() for s in text.split(","))
    if not all(labels):
        raise ValueError(f"--labels must be comma-separated names, got '{text}'")
    return labels


def model_info(
    meta: dict[str, str],
    input_shape: list,
    source: str,
    size: tuple[int, int, int] | None = None,
    labels: tuple[str, ...] | None = None,
) -> ModelInfo:
    """Combine the file's metadata, its input shape and the command-line overrides."""
    ours = VERSION in meta
    if size is None and INPUT_SIZE in meta and INPUT_CHANNELS in meta:
        h, w = (int(v) for v in meta[INPUT_SIZE].split("x"))
        size = (h, w, int(meta[INPUT_CHANNELS]))
    if size is None:
        dims = list(input_shape)[1:]
        if (
            len(dims) == 3
            and all(isinstance(d, int) and d > 0 for d in dims)
            and dims[2] in (1, 3, 4)
        ):
            size = (dims[0], dims[1], dims[2])
        else:
            raise MetadataError(
                f"{source}: no specdsl metadata and its input shape {input_shape} is not a "
                "fixed NHWC image; give --size HxWxC"
            )
    if labels is None and meta.get(LABELS):
        labels = tuple(json.loads(meta[LABELS]))
    return ModelInfo(
        height=size[0],
        width=size[1],
        channels=size[2],
        labels=labels or (),
        output_activation=meta.get(OUTPUT_ACTIVATION),
        name=meta.get(MODEL_NAME),
        from_specdsl=ours,
    )
