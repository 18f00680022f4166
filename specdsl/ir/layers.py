"""Layer kinds of the IR: one frozen pydantic class per kind, in a discriminated union.

Field meanings follow Keras exactly (``Conv2D``, ``MaxPooling2D``, ...). ``name`` is the
Keras layer name: either the one written in the spec or Keras's automatic name.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from specdsl.ir.span import Node

Padding = Literal["valid", "same"]
Pair = tuple[int, int]


class LayerBase(Node):
    name: str

    keras_class: ClassVar[str] = "Layer"


class InputLayer(LayerBase):
    """The input entry of a base model (entry 0 of Keras's ``model.layers``)."""

    kind: Literal["input"] = "input"
    shape: tuple[int, ...]
    keras_class: ClassVar[str] = "InputLayer"


class Conv2D(LayerBase):
    kind: Literal["conv"] = "conv"
    filters: int
    kernel: Pair = (3, 3)
    strides: Pair = (1, 1)
    padding: Padding = "valid"
    activation: str | None = None
    use_bias: bool = True
    keras_class: ClassVar[str] = "Conv2D"


class MaxPool2D(LayerBase):
    kind: Literal["maxpool"] = "maxpool"
    pool: Pair = (2, 2)
    strides: Pair | None = None  # None: same as pool (Keras default)
    padding: Padding = "valid"
    keras_class: ClassVar[str] = "MaxPooling2D"


class AvgPool2D(LayerBase):
    kind: Literal["avgpool"] = "avgpool"
    pool: Pair = (2, 2)
    strides: Pair | None = None
    padding: Padding = "valid"
    keras_class: ClassVar[str] = "AveragePooling2D"


class GlobalAvgPool2D(LayerBase):
    kind: Literal["globalavgpool"] = "globalavgpool"
    keras_class: ClassVar[str] = "GlobalAveragePooling2D"


class GlobalMaxPool2D(LayerBase):
    kind: Literal["globalmaxpool"] = "globalmaxpool"
    keras_class: ClassVar[str] = "GlobalMaxPooling2D"


class Flatten(LayerBase):
    kind: Literal["flatten"] = "flatten"
    keras_class: ClassVar[str] = "Flatten"


class Dense(LayerBase):
    kind: Literal["dense"] = "dense"
    units: int
    activation: str | None = None
    use_bias: bool = True
    keras_class: ClassVar[str] = "Dense"


class Dropout(LayerBase):
    kind: Literal["dropout"] = "dropout"
    rate: float
    keras_class: ClassVar[str] = "Dropout"


class BatchNorm(LayerBase):
    kind: Literal["batchnorm"] = "batchnorm"
    momentum: float = 0.99
    epsilon: float = 0.001
    keras_class: ClassVar[str] = "BatchNormalization"


class Activation(LayerBase):
    kind: Literal["activation"] = "activation"
    activation: str
    keras_class: ClassVar[str] = "Activation"


class Rescale(LayerBase):
    """``rescale 1/255``: y = x * scale + offset (Keras ``Rescaling``)."""

    kind: Literal["rescale"] = "rescale"
    scale: float
    offset: float = 0.0
    text: str | None = None  # how the scale was written ("1/255"), kept for printing
    keras_class: ClassVar[str] = "Rescaling"


class Preprocess(LayerBase):
    """A pretrained base's own input preprocessing (``keras.applications`` modes).

    caffe: RGB -> BGR, then subtract the ImageNet channel means (VGG16's ``preprocess_input``).
    tf: scale to [-1, 1]. torch: scale to [0, 1], then normalize by ImageNet mean/std.
    """

    kind: Literal["preprocess"] = "preprocess"
    mode: Literal["caffe", "tf", "torch"]
    keras_class: ClassVar[str] = "Preprocess"


class RandomFlip(LayerBase):
    kind: Literal["flip"] = "flip"
    mode: Literal["horizontal", "vertical", "horizontal_and_vertical"] = "horizontal_and_vertical"
    keras_class: ClassVar[str] = "RandomFlip"


class RandomRotation(LayerBase):
    """factor: fraction of a full turn (0.1 = up to +-36 degrees), as in Keras."""

    kind: Literal["rotate"] = "rotate"
    factor: float
    keras_class: ClassVar[str] = "RandomRotation"


class RandomZoom(LayerBase):
    """factor: zoom in or out by up to this fraction of the height (and width), as in Keras."""

    kind: Literal["zoom"] = "zoom"
    factor: float
    keras_class: ClassVar[str] = "RandomZoom"


class RandomContrast(LayerBase):
    kind: Literal["contrast"] = "contrast"
    factor: float
    keras_class: ClassVar[str] = "RandomContrast"


class RandomTranslation(LayerBase):
    kind: Literal["translate"] = "translate"
    factor: float
    keras_class: ClassVar[str] = "RandomTranslation"


class Base(LayerBase):
    """A pretrained convolutional base from the zoo (``base vgg16 weights=imagenet``).

    ``layers`` is the base's own layer list exactly as Keras's ``conv_base.layers``:
    entry 0 is its input layer. ``arch`` names the zoo spec it was expanded from.
    """

    kind: Literal["base"] = "base"
    arch: str
    weights: str | None = None  # "imagenet", a file path, or None (random init)
    layers: tuple[SimpleLayer, ...] = ()
    keras_class: ClassVar[str] = "Functional"


AUGMENT_KINDS = ("flip", "rotate", "zoom", "contrast", "translate")

SimpleLayer = Annotated[
    InputLayer
    | Conv2D
    | MaxPool2D
    | AvgPool2D
    | GlobalAvgPool2D
    | GlobalMaxPool2D
    | Flatten
    | Dense
    | Dropout
    | BatchNorm
    | Activation
    | Rescale
    | Preprocess
    | RandomFlip
    | RandomRotation
    | RandomZoom
    | RandomContrast
    | RandomTranslation,
    Field(discriminator="kind"),
]

Layer = Annotated[
    Conv2D
    | MaxPool2D
    | AvgPool2D
    | GlobalAvgPool2D
    | GlobalMaxPool2D
    | Flatten
    | Dense
    | Dropout
    | BatchNorm
    | Activation
    | Rescale
    | Preprocess
    | RandomFlip
    | RandomRotation
    | RandomZoom
    | RandomContrast
    | RandomTranslation
    | Base,
    Field(discriminator="kind"),
]

Base.model_rebuild()

# Keras's automatic name prefix for each kind (``conv2d``, ``conv2d_1``, ...).
KERAS_AUTONAME = {
    "input": "input_layer",
    "conv": "conv2d",
    "maxpool": "max_pooling2d",
    "avgpool": "average_pooling2d",
    "globalavgpool": "global_average_pooling2d",
    "globalmaxpool": "global_max_pooling2d",
    "flatten": "flatten",
    "dense": "dense",
    "dropout": "dropout",
    "batchnorm": "batch_normalization",
    "activation": "activation",
    "rescale": "rescaling",
    "preprocess": "preprocess",
    "flip": "random_flip",
    "rotate": "random_rotation",
    "zoom": "random_zoom",
    "contrast": "random_contrast",
    "translate": "random_translation",
}
