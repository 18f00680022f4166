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

A file is untrusted input: every key ``run`` reads is checked here, and a malformed one is a
:class:`MetadataError` naming the file and the key (``--size`` and ``--labels`` override the
keys they stand for, so a file with a broken one can still be used). Whatever is printed
from the file passes through :func:`specdsl.run.text.printable` on its way out.
"""

from __future__ import annotations

import json
import re
from typing import NamedTuple

from specdsl.run.text import shown

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
CHANNELS = (1, 3, 4)
MAX_SIDE = 16384  # pixels per side of the model's input: beyond any CNN classifier
MAX_NAME = 256  # characters of a model name

_SIDES = re.compile(r"([0-9]{1,9})x([0-9]{1,9})")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
_VERSION_TEXT = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}")


class MetadataError(Exception):
    """The model lacks what ``run`` needs, or says it wrongly; the message is one line."""


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


def _sides_ok(*sides: int) -> bool:
    return all(1 <= s <= MAX_SIDE for s in sides)


def parse_size(text: str) -> tuple[int, int, int]:
    """``HxWxC`` (or ``HxW``, meaning 3 channels) -> (H, W, C); ValueError with a message."""
    parts = text.lower().replace(" ", "").split("x")
    nums = [int(p) for p in parts if p.isascii() and p.isdigit()]
    if len(nums) != len(parts):
        nums = []
    if len(nums) == 2:
        nums.append(3)
    if len(nums) != 3 or not _sides_ok(nums[0], nums[1]) or nums[2] not in CHANNELS:
        raise ValueError(
            f"--size must look like 180x180x3 (sides 1..{MAX_SIDE}, channels 1, 3 or 4), "
            f"got {shown(text)}"
        )
    return nums[0], nums[1], nums[2]


def parse_labels(text: str) -> tuple[str, ...]:
    labels = tuple(s.strip() for s in text.split(","))
    if not all(labels):
        raise ValueError(f"--labels must be comma-separated names, got {shown(text)}")
    return labels


def _kind(value) -> str:
    kinds = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return kinds.get(type(value), "a number")


def parse_metadata_labels(text: str) -> tuple[str, ...]:
    """The ``labels`` value: a JSON list of non-blank strings; ValueError saying what is wrong
    (without the key or the file: the caller names them)."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError("is not valid JSON (nested too deeply)") from None
    except json.JSONDecodeError as e:
        reason = f"{e.msg.removesuffix(' at')} at char {e.pos}"
        raise ValueError(f"is not valid JSON ({reason}): {shown(text)}") from None
    except ValueError as e:  # e.g. an integer of more digits than Python converts
        raise ValueError(f"is not usable JSON ({str(e).splitlines()[0]})") from None
    if not isinstance(value, list):
        raise ValueError(f"must be a JSON list of strings, not {_kind(value)}: {shown(text)}")
    for n, label in enumerate(value):
        if not isinstance(label, str):
            raise ValueError(f"must be a list of strings, but item {n} is {_kind(label)}")
        if not label.strip():
            raise ValueError(f"item {n} is a blank label")
    return tuple(value)


class _Meta:
    """Checked reads of one file's metadata; errors name the file and the key."""

    def __init__(self, meta: dict[str, str], source: str) -> None:
        self.meta, self.source = meta, source

    def error(self, key: str, why: str, override: str = "") -> MetadataError:
        hint = f" (give {override} to override it)" if override else ""
        return MetadataError(f"{self.source}: metadata '{key}' {why}{hint}")

    def text(self, key: str, pattern: re.Pattern | None = None, what: str = "") -> str | None:
        value = self.meta.get(key)
        if value is None:
            return None
        if not isinstance(value, str):  # ONNX Runtime gives strings; a caller may not
            raise self.error(key, f"is {_kind(value)}, not a string")
        if pattern is not None and not pattern.fullmatch(value):
            raise self.error(key, f"must be {what}: {shown(value)}")
        return value

    def size(self) -> tuple[int, int, int] | None:
        """(H, W, C) from ``input_size`` and ``input_channels``; None when neither is there."""
        size, channels = self.meta.get(INPUT_SIZE), self.meta.get(INPUT_CHANNELS)
        if size is None and channels is None:
            return None
        for key, value in ((INPUT_SIZE, size), (INPUT_CHANNELS, channels)):
            if value is None:
                other = INPUT_CHANNELS if key == INPUT_SIZE else INPUT_SIZE
                raise self.error(key, f"is missing (but '{other}' is there)", "--size HxWxC")
        size = self.text(INPUT_SIZE)
        found = _SIDES.fullmatch(size)
        h, w = (int(found.group(1)), int(found.group(2))) if found else (0, 0)
        if not _sides_ok(h, w):
            why = f"must be HxW with sides 1..{MAX_SIDE}, like 180x180: {shown(size)}"
            raise self.error(INPUT_SIZE, why, "--size HxWxC")
        channels = self.text(INPUT_CHANNELS)
        if channels not in [str(c) for c in CHANNELS]:
            why = f"must be 1, 3 or 4: {shown(channels)}"
            raise self.error(INPUT_CHANNELS, why, "--size HxWxC")
        return h, w, int(channels)

    def labels(self) -> tuple[str, ...]:
        text = self.text(LABELS)
        if not text:
            return ()
        try:
            return parse_metadata_labels(text)
        except ValueError as e:
            raise self.error(LABELS, str(e), "--labels a,b,...") from None


def _size_from_shape(input_shape: list, source: str) -> tuple[int, int, int]:
    dims = list(input_shape)[1:]
    fixed = len(dims) == 3 and all(isinstance(d, int) and not isinstance(d, bool) for d in dims)
    if fixed and _sides_ok(dims[0], dims[1]) and dims[2] in CHANNELS:
        return dims[0], dims[1], dims[2]
    what = "is not an image it can take" if fixed else "is not a fixed NHWC image"
    raise MetadataError(
        f"{source}: no specdsl metadata and its input shape {input_shape} {what} "
        f"(sides 1..{MAX_SIDE}, channels 1, 3 or 4); give --size HxWxC"
    )


def model_info(
    meta: dict[str, str],
    input_shape: list,
    source: str,
    size: tuple[int, int, int] | None = None,
    labels: tuple[str, ...] | None = None,
) -> ModelInfo:
    """Combine the file's metadata, its input shape and the command-line overrides; every key
    used is checked (MetadataError naming the file and the key)."""
    m = _Meta(meta, source)
    ours = m.text(VERSION, _VERSION_TEXT, "a version like 0.3.0") is not None
    layout = m.text(INPUT_LAYOUT)
    if layout is not None and layout != LAYOUT_NHWC_UINT8:
        raise m.error(INPUT_LAYOUT, f"must be '{LAYOUT_NHWC_UINT8}': {shown(layout)}")
    activation = m.text(OUTPUT_ACTIVATION, _WORD, "an activation name like softmax")
    name = m.text(MODEL_NAME) or None
    if name is not None and len(name) > MAX_NAME:
        raise m.error(MODEL_NAME, f"is longer than {MAX_NAME} characters: {shown(name)}")
    if size is None:
        size = m.size() or _size_from_shape(input_shape, source)
    if labels is None:
        labels = m.labels()
    return ModelInfo(
        height=size[0],
        width=size[1],
        channels=size[2],
        labels=labels,
        output_activation=activation,
        name=name,
        from_specdsl=ours,
    )


# Written by ``specdsl export --quantize int8`` only (``run`` and ``eval`` just show them):
QUANTIZATION = "quantization"  # e.g. "int8 QDQ, per-channel int8 weights, uint8 activations"
CALIBRATION = "calibration"  # what it was calibrated on: "200 images from DIR (minmax)"
CALIBRATION_COUNT = "calibration_images"  # how many images, a decimal number
