"""The kind table: one row per layer kind, and every list of kinds derived from it.

A row says what a kind *is*, once: the IR class, the spec keywords, the Keras class and
Keras's automatic-name prefix, its role, how it changes the receptive field, and its weights
(Keras's names, the canonical layout of each, and the PyTorch state-dict name). What a kind
*does* in each place is a handler registered per IR class in that place's own table (shape
rules, formatter, the three targets, the importers; see :mod:`specdsl.ir.registry`), and
``tests/core/test_kind_table.py`` walks this table against every one of them.

Adding a layer kind, step by step (README, "How it is built", says the same):

1. its IR class in :mod:`specdsl.ir.layers` and its row here;
2. its grammar rule in ``grammars/specdsl.lark`` and its ``l_<rule>`` in
   :mod:`specdsl.syntax.lower_layers`, its text in :mod:`specdsl.syntax.format_layers`;
3. its shape rule in :mod:`specdsl.check.shapes` (a windowed kind also gets ``window``);
4. one handler in each target (``backends/<target>/layers.py``) and one reader in each
   importer (``backends/keras/read_layers.py``, ``backends/onnx/read_layers.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, Union

from pydantic import Field

from specdsl.ir import layers as L

Role = Literal["compute", "augmentation", "training", "scaling", "base", "input"]
"""compute: part of the inference graph; augmentation: random image transforms, active only
in training; training: active only in training (dropout); scaling: the input's scaling
(``rescale``, ``preprocess``); base: a nested pretrained base; input: a base's input entry."""

FieldEffect = Literal["window", "pointwise", "global"]
"""How the kind changes the receptive field (the cost report): a sliding window (its geometry
is resolved by the analysis), value by value, or every value sees the whole input."""


@dataclass(frozen=True)
class WeightSlot:
    """One weight of a kind: Keras's name, its canonical layout, its PyTorch name."""

    name: str  # kernel, bias, depthwise_kernel, gamma, ...
    layout: str  # a key of specdsl.weights.layouts.LAYOUTS: HWIO, HWIM, IO, C
    torch: str  # the state-dict name: weight, bias, running_mean, ...
    trainable: bool = True  # False for batch-norm moving statistics


@dataclass(frozen=True)
class Kind:
    kind: str  # the IR discriminator
    ir_class: type
    keywords: tuple[str, ...]  # spec words that write it (the first is canonical)
    keras_class: str
    autoname: str  # Keras's automatic-name prefix: conv2d, conv2d_1, ...
    role: Role
    field: FieldEffect
    weights: tuple[WeightSlot, ...] = ()
    torch_buffers: tuple[str, ...] = ()  # state-dict entries without a Keras weight
    example: str = ""  # a statement that writes it (tests and docs)
    merge: bool = False  # reads two or more tensors (its ``inputs``), not one

    def slot(self, name: str) -> WeightSlot:
        for s in self.weights:
            if s.name == name:
                return s
        raise KeyError(f"kind '{self.kind}' has no weight '{name}'")

    @property
    def vanishes(self) -> bool:
        """Nothing at inference: augmentation, training-only layers, a base's input entry."""
        return self.role in ("augmentation", "training", "input")


_BIAS = WeightSlot("bias", "C", "bias")
_BN = (
    WeightSlot("gamma", "C", "weight"),
    WeightSlot("beta", "C", "bias"),
    WeightSlot("moving_mean", "C", "running_mean", trainable=False),
    WeightSlot("moving_variance", "C", "running_var", trainable=False),
)

KINDS: tuple[Kind, ...] = (
    Kind("input", L.InputLayer, (), "InputLayer", "input_layer", "input", "pointwise"),
    Kind(
        "conv", L.Conv2D, ("conv",), "Conv2D", "conv2d", "compute", "window",
        (WeightSlot("kernel", "HWIO", "weight"), _BIAS), example="conv 4 k3 s2 same relu",
    ),
    Kind(
        "dwconv", L.DepthwiseConv2D, ("dwconv",), "DepthwiseConv2D", "depthwise_conv2d",
        "compute", "window", (WeightSlot("kernel", "HWIM", "weight"), _BIAS),  # Keras 3's name
        example="dwconv k3 s2 same depth_multiplier=2 relu6",
    ),
    Kind(
        "sepconv", L.SeparableConv2D, ("sepconv",), "SeparableConv2D", "separable_conv2d",
        "compute", "window",
        (
            WeightSlot("depthwise_kernel", "HWIM", "0.weight"),  # PyTorch: nn.Sequential of
            WeightSlot("pointwise_kernel", "HWIO", "1.weight"),  # the two convolutions
            WeightSlot("bias", "C", "1.bias"),
        ),
        example="sepconv 6 k3 s2 same depth_multiplier=2 relu",
    ),
    Kind(
        "zeropad", L.ZeroPadding2D, ("zeropad",), "ZeroPadding2D", "zero_padding2d", "compute",
        "window", example="zeropad top=0 bottom=1 left=2 right=1",
    ),
    Kind(
        "maxpool", L.MaxPool2D, ("pool",), "MaxPooling2D", "max_pooling2d", "compute", "window",
        example="pool 3 s2 same",
    ),
    Kind(
        "avgpool", L.AvgPool2D, ("avgpool",), "AveragePooling2D", "average_pooling2d",
        "compute", "window", example="avgpool 3 s2 same",
    ),
    Kind(
        "globalavgpool", L.GlobalAvgPool2D, ("globalavgpool", "gap"), "GlobalAveragePooling2D",
        "global_average_pooling2d", "compute", "global", example="globalavgpool",
    ),
    Kind(
        "globalmaxpool", L.GlobalMaxPool2D, ("globalmaxpool", "gmp"), "GlobalMaxPooling2D",
        "global_max_pooling2d", "compute", "global", example="globalmaxpool",
    ),
    Kind("flatten", L.Flatten, ("flatten",), "Flatten", "flatten", "compute", "global",
         example="flatten"),
    Kind(
        "dense", L.Dense, ("dense",), "Dense", "dense", "compute", "global",
        (WeightSlot("kernel", "IO", "weight"), _BIAS), example="dense 5 tanh",
    ),
    Kind("dropout", L.Dropout, ("dropout",), "Dropout", "dropout", "training", "pointwise",
         example="dropout 0.5"),
    Kind(
        "batchnorm", L.BatchNorm, ("batchnorm", "bn"), "BatchNormalization",
        "batch_normalization", "compute", "pointwise", _BN, ("num_batches_tracked",),
        example="batchnorm momentum=0.9 epsilon=0.01",
    ),
    Kind("activation", L.Activation, ("activation",), "Activation", "activation", "compute",
         "pointwise", example="activation gelu"),
    Kind("rescale", L.Rescale, ("rescale",), "Rescaling", "rescaling", "scaling", "pointwise",
         example="rescale 1/255"),
    Kind("preprocess", L.Preprocess, ("preprocess",), "Preprocess", "preprocess", "scaling",
         "pointwise", example="preprocess tf"),
    Kind("flip", L.RandomFlip, ("flip",), "RandomFlip", "random_flip", "augmentation",
         "pointwise", example="augment flip horizontal"),
    Kind("rotate", L.RandomRotation, ("rotate",), "RandomRotation", "random_rotation",
         "augmentation", "pointwise", example="augment rotate 0.1"),
    Kind("zoom", L.RandomZoom, ("zoom",), "RandomZoom", "random_zoom", "augmentation",
         "pointwise", example="augment zoom 0.2"),
    Kind("contrast", L.RandomContrast, ("contrast",), "RandomContrast", "random_contrast",
         "augmentation", "pointwise", example="augment contrast 0.1"),
    Kind("translate", L.RandomTranslation, ("translate",), "RandomTranslation",
         "random_translation", "augmentation", "pointwise", example="augment translate 0.1"),
    Kind("add", L.Add, ("add",), "Add", "add", "compute", "pointwise",
         example="add conv2d, conv2d_1", merge=True),
    Kind("concat", L.Concatenate, ("concat",), "Concatenate", "concatenate", "compute",
         "pointwise", example="concat conv2d, conv2d_1", merge=True),
    Kind("multiply", L.Multiply, ("multiply",), "Multiply", "multiply", "compute", "pointwise",
         example="multiply conv2d, conv2d_1", merge=True),
    Kind("base", L.Base, ("base",), "Functional", "", "base", "pointwise"),  # its layers count
)  # fmt: skip

BY_KIND: dict[str, Kind] = {k.kind: k for k in KINDS}
BY_CLASS: dict[type, Kind] = {k.ir_class: k for k in KINDS}
BY_KEYWORD: dict[str, Kind] = {w: k for k in KINDS for w in k.keywords}
_KERAS_CLASSES = {k.keras_class for k in KINDS}  # the Keras importer looks kinds up by class
assert len(BY_KIND) == len(BY_CLASS) == len(_KERAS_CLASSES) == len(KINDS), "a kind repeats"


def kind_of(layer) -> Kind:
    """The row of an IR layer (or of an IR class)."""
    return BY_CLASS[layer if isinstance(layer, type) else type(layer)]


def kinds_with(role: str) -> tuple[str, ...]:
    return tuple(k.kind for k in KINDS if k.role == role)


AUGMENT_KINDS = kinds_with("augmentation")
SCALING_KINDS = kinds_with("scaling")
WEIGHTED_KINDS = tuple(k.kind for k in KINDS if k.weights)

# The discriminated unions of the IR, in table order: a base's own layers (an input entry
# and leaf layers) and a model's layers (leaf layers and bases).
SimpleLayer = Annotated[
    Union[tuple(k.ir_class for k in KINDS if k.role != "base")],  # noqa: UP007
    Field(discriminator="kind"),
]
Layer = Annotated[
    Union[tuple(k.ir_class for k in KINDS if k.role != "input")],  # noqa: UP007
    Field(discriminator="kind"),
]
L.Base.model_rebuild(_types_namespace={"SimpleLayer": SimpleLayer})


class AutoNames:
    """Keras's automatic layer names: per prefix ``conv2d``, ``conv2d_1``, ``conv2d_2``, ...

    The lowering names unnamed layers with it; the formatter uses it to tell a written name
    from an automatic one. A base's prefix is its architecture (``vgg16``)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    @staticmethod
    def prefix(kind: str, arch: str | None = None) -> str:
        return arch if kind == "base" and arch else BY_KIND[kind].autoname

    def peek(self, prefix: str) -> str:
        n = self.counts.get(prefix, 0)
        return prefix if n == 0 else f"{prefix}_{n}"

    def take(self, prefix: str) -> str:
        name = self.peek(prefix)
        self.counts[prefix] = self.counts.get(prefix, 0) + 1
        return name
