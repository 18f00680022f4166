"""One reader per Keras layer class: a layer's saved ``config`` -> an IR layer.

Registered by the Keras class name (``@reads("Conv2D")``), as onnx2torch keys its converters by
op type. A setting the spec language cannot say (dilation, groups, channels_first, ...) is an
error naming the layer, never a silent approximation.
"""

from __future__ import annotations

from specdsl import ir
from specdsl.ir.registry import KindTable
from specdsl.review.importers.common import ImportFailed, rescale_fields, snap

READERS = KindTable("the Keras importer")  # keyed by Keras class name
reads = READERS.register


def supported() -> str:
    return ", ".join(sorted(READERS.table))


def _pair(v) -> tuple[int, int]:
    if isinstance(v, int):
        return (v, v)
    return (int(v[0]), int(v[-1]))


def _activation(name) -> str | None:
    if name is None or name == "linear":
        return None
    if isinstance(name, dict):  # a serialized activation object
        name = name.get("config", {}).get("name") or name.get("class_name")
    return str(name)


def _require(cfg: dict, where: str, key: str, allowed, what: str) -> None:
    value = cfg.get(key, allowed[0])
    if isinstance(value, list):
        value = tuple(value)
    if value not in allowed:
        raise ImportFailed(f"{where}: {what} {key}={value!r} has no spec equivalent")


def _factor(v, where: str, what: str) -> float:
    """Keras takes ``0.2`` or ``(-0.2, 0.2)``; the spec says ``0.2``."""
    if isinstance(v, (list, tuple)):
        lo, hi = float(v[0]), float(v[1])
        if lo != -hi:
            raise ImportFailed(f"{where}: {what} range ({lo}, {hi}) is not symmetric")
        return snap(hi)
    return snap(float(v))


def _conv_fields(cfg: dict, where: str, cls: str, groups: bool = False) -> dict:
    """What a convolution's config says that every convolution kind has."""
    _require(cfg, where, "dilation_rate", [(1, 1), 1], cls)
    if groups:
        _require(cfg, where, "groups", [1], cls)
    _require(cfg, where, "data_format", ["channels_last", None], cls)
    return {
        "name": cfg["name"],
        "kernel": _pair(cfg["kernel_size"]),
        "strides": _pair(cfg.get("strides", 1)),
        "padding": cfg.get("padding", "valid"),
        "activation": _activation(cfg.get("activation")),
        "use_bias": bool(cfg.get("use_bias", True)),
    }


@reads("Conv2D")
def conv(cfg: dict, where: str):
    fields = _conv_fields(cfg, where, "Conv2D", groups=True)
    return ir.Conv2D(filters=int(cfg["filters"]), **fields)


@reads("DepthwiseConv2D")
def depthwise_conv(cfg: dict, where: str):
    fields = _conv_fields(cfg, where, "DepthwiseConv2D")
    return ir.DepthwiseConv2D(depth_multiplier=int(cfg.get("depth_multiplier", 1)), **fields)


@reads("SeparableConv2D")
def separable_conv(cfg: dict, where: str):
    fields = _conv_fields(cfg, where, "SeparableConv2D")
    return ir.SeparableConv2D(
        filters=int(cfg["filters"]),
        depth_multiplier=int(cfg.get("depth_multiplier", 1)),
        **fields,
    )


@reads("ZeroPadding2D")
def zeropad(cfg: dict, where: str):
    _require(cfg, where, "data_format", ["channels_last", None], "ZeroPadding2D")
    p = cfg.get("padding", 1)
    if isinstance(p, int):
        pads = (p, p, p, p)
    elif all(isinstance(v, int) for v in p):
        pads = (p[0], p[0], p[1], p[1])
    else:
        (t, b), (left, r) = p
        pads = (t, b, left, r)
    return ir.ZeroPadding2D(name=cfg["name"], pads=tuple(int(v) for v in pads))


@reads("MaxPooling2D", "AveragePooling2D")
def pool(cfg: dict, where: str, cls: str = ""):
    _require(cfg, where, "data_format", ["channels_last", None], "pooling")
    size = _pair(cfg.get("pool_size", 2))
    strides = cfg.get("strides")
    strides = None if strides is None or _pair(strides) == size else _pair(strides)
    kind = ir.AvgPool2D if cls == "AveragePooling2D" else ir.MaxPool2D
    return kind(name=cfg["name"], pool=size, strides=strides, padding=cfg.get("padding", "valid"))


@reads("GlobalAveragePooling2D", "GlobalMaxPooling2D")
def global_pool(cfg: dict, where: str, cls: str = ""):
    _require(cfg, where, "keepdims", [False], "global pooling")
    _require(cfg, where, "data_format", ["channels_last", None], "global pooling")
    kind = ir.GlobalAvgPool2D if cls == "GlobalAveragePooling2D" else ir.GlobalMaxPool2D
    return kind(name=cfg["name"])


@reads("Flatten")
def flatten(cfg: dict, where: str):
    _require(cfg, where, "data_format", ["channels_last", None], "Flatten")
    return ir.Flatten(name=cfg["name"])


@reads("Dense")
def dense(cfg: dict, where: str):
    return ir.Dense(
        name=cfg["name"],
        units=int(cfg["units"]),
        activation=_activation(cfg.get("activation")),
        use_bias=bool(cfg.get("use_bias", True)),
    )


@reads("Dropout")
def dropout(cfg: dict, where: str):
    _require(cfg, where, "noise_shape", [None], "Dropout")
    return ir.Dropout(name=cfg["name"], rate=snap(cfg["rate"]))


@reads("BatchNormalization")
def batchnorm(cfg: dict, where: str):
    _require(cfg, where, "axis", [-1, 3, [3], (3,), (-1,)], "BatchNormalization")
    _require(cfg, where, "center", [True], "BatchNormalization")
    _require(cfg, where, "scale", [True], "BatchNormalization")
    return ir.BatchNorm(
        name=cfg["name"],
        momentum=snap(cfg.get("momentum", 0.99)),
        epsilon=snap(cfg.get("epsilon", 0.001)),
    )


@reads("Activation")
def activation(cfg: dict, where: str):
    act = _activation(cfg["activation"]) or "linear"
    return ir.Activation(name=cfg["name"], activation=act)


@reads("ReLU")
def relu(cfg: dict, where: str):
    if (
        cfg.get("max_value") not in (None, 6, 6.0)
        or cfg.get("negative_slope", 0)
        or cfg.get("threshold", 0)
    ):
        raise ImportFailed(f"{where}: ReLU with max_value/negative_slope/threshold")
    act = "relu6" if cfg.get("max_value") else "relu"
    return ir.Activation(name=cfg["name"], activation=act)


@reads("Rescaling")
def rescaling(cfg: dict, where: str):
    scale, offset = cfg.get("scale", 1.0), cfg.get("offset", 0.0)
    if isinstance(scale, (list, dict)) or isinstance(offset, (list, dict)):
        raise ImportFailed(f"{where}: Rescaling with per-channel scale or offset")
    return ir.Rescale(name=cfg["name"], **rescale_fields(float(scale), float(offset)))


@reads("RandomFlip")
def flip(cfg: dict, where: str):
    return ir.RandomFlip(name=cfg["name"], mode=cfg.get("mode", "horizontal_and_vertical"))


@reads("RandomRotation")
def rotation(cfg: dict, where: str):
    return ir.RandomRotation(name=cfg["name"], factor=_factor(cfg["factor"], where, "factor"))


@reads("RandomZoom")
def zoom(cfg: dict, where: str):
    height = _factor(cfg["height_factor"], where, "height_factor")
    width = cfg.get("width_factor")
    if width is not None and _factor(width, where, "width_factor") != height:
        raise ImportFailed(f"{where}: RandomZoom with a width_factor of its own")
    return ir.RandomZoom(name=cfg["name"], factor=height)


@reads("RandomContrast")
def contrast(cfg: dict, where: str):
    factor = cfg["factor"]
    if isinstance(factor, (list, tuple)) and float(factor[0]) == 0.0:
        factor = factor[1]  # Keras 3 stores RandomContrast(0.1) as factor (0, 0.1)
    return ir.RandomContrast(name=cfg["name"], factor=_factor(factor, where, "factor"))


@reads("RandomTranslation")
def translation(cfg: dict, where: str):
    h = _factor(cfg["height_factor"], where, "height_factor")
    if _factor(cfg["width_factor"], where, "width_factor") != h:
        raise ImportFailed(f"{where}: RandomTranslation with different height and width factors")
    return ir.RandomTranslation(name=cfg["name"], factor=h)


@reads("Preprocess")
def preprocess(cfg: dict, where: str):
    """specdsl's own Keras layer for ``preprocess caffe|tf|torch`` (its ``mode``)."""
    mode = cfg.get("mode")
    if mode not in ("caffe", "tf", "torch"):
        raise ImportFailed(f"{where}: Preprocess mode {mode!r} is not caffe, tf or torch")
    return ir.Preprocess(name=cfg["name"], mode=mode)


@reads("Lambda")
def lambda_layer(cfg: dict, where: str):
    """A ``Lambda`` of a ``keras.applications`` ``preprocess_input`` (how the Keras backend and
    the lecture write it). Its saved config names the function but not its module, so the
    mode is settled afterwards from the base that follows it."""
    fn = cfg.get("function")
    name = fn.get("config") if isinstance(fn, dict) else None
    if name != "preprocess_input":
        raise ImportFailed(
            f"{where} is a Lambda of {name or 'a Python function'}; specdsl "
            "imports a Lambda only when it is a base's preprocess_input"
        )
    return ir.Preprocess(name=cfg["name"], mode="caffe")


@reads("Add", "Concatenate", "Multiply")
def merge(cfg: dict, where: str, cls: str = ""):
    """A merge; the reader of the model sets its ``inputs`` from the saved graph."""
    if cls == "Concatenate" and cfg.get("axis", -1) not in (-1, 3):
        raise ImportFailed(f"{where}: Concatenate on axis {cfg.get('axis')} (specdsl: channels)")
    kind = {"Add": ir.Add, "Concatenate": ir.Concatenate, "Multiply": ir.Multiply}[cls]
    return kind(name=cfg["name"])


def read_layer(cls: str, cfg: dict, where: str):
    fn = READERS.get(cls)
    if fn is None:
        raise ImportFailed(
            f"{where} is a {cls}, which specdsl cannot import (supported: {supported()})"
        )
    if fn in (pool, global_pool, merge):
        return fn(cfg, where, cls)
    return fn(cfg, where)
