"""Layer kinds of the IR: one frozen pydantic class per kind (its row: :mod:`specdsl.ir.kinds`).

Field meanings follow Keras exactly (``Conv2D``, ``MaxPooling2D``, ...). ``name`` is the
Keras layer name: either the one written in the spec or Keras's automatic name.
"""

from __future__ import annotations

from typing import Literal

from specdsl.ir.span import Node

Padding = Literal["valid", "same"]
Pair = tuple[int, int]


INPUT = "input"  # the model's input, as a layer's ``inputs`` name it


class LayerBase(Node):
    name: str
    # The layers whose outputs it reads (``from x``; a merge's list). Empty: the previous
    # layer's output, so a chain is the special case and its IR is what it always was.
    inputs: tuple[str, ...] = ()

    @property
    def window(self) -> tuple[Pair, Pair, Padding] | None:
        """(kernel, strides, padding) of a sliding-window kind; None for the others.

        The analysis resolves it once into explicit pads (``LayerInfo.geometry``)."""
        return None


class InputLayer(LayerBase):
    """The input entry of a base model (entry 0 of Keras's ``model.layers``)."""

    kind: Literal["input"] = "input"
    shape: tuple[int, ...]


class Conv2D(LayerBase):
    kind: Literal["conv"] = "conv"
    filters: int
    kernel: Pair = (3, 3)
    strides: Pair = (1, 1)
    padding: Padding = "valid"
    activation: str | None = None
    use_bias: bool = True

    @property
    def window(self):
        return self.kernel, self.strides, self.padding


class Depthwise2D(LayerBase):
    """What depthwise and separable convolutions share: a ``kernel`` per input channel,
    ``depth_multiplier`` times (channel ``c`` gives outputs ``c*m .. c*m+m-1``)."""

    kernel: Pair = (3, 3)
    strides: Pair = (1, 1)
    padding: Padding = "valid"
    depth_multiplier: int = 1
    activation: str | None = None
    use_bias: bool = True

    @property
    def window(self):
        return self.kernel, self.strides, self.padding


class DepthwiseConv2D(Depthwise2D):
    """Keras ``DepthwiseConv2D``: ``channels * depth_multiplier`` outputs."""

    kind: Literal["dwconv"] = "dwconv"


class SeparableConv2D(Depthwise2D):
    """Keras ``SeparableConv2D``: the depthwise convolution, then a 1x1 convolution to
    ``filters``; bias and activation after the second."""

    kind: Literal["sepconv"] = "sepconv"
    filters: int


class ZeroPadding2D(LayerBase):
    """Keras ``ZeroPadding2D``: zero rows and columns around the image."""

    kind: Literal["zeropad"] = "zeropad"
    pads: tuple[int, int, int, int] = (1, 1, 1, 1)  # top, bottom, left, right
    # ``zeropad k3``: the pads Keras's imagenet_utils.correct_pad gives before a stride-2
    # window of this size (MobileNetV2): they depend on the input size, so the analysis
    # resolves them (LayerInfo.geometry.pads) and ``pads`` is unused
    correct: int | None = None

    @property
    def window(self):
        return (1, 1), (1, 1), self.pads


class Pool2D(LayerBase):
    """What max and average pooling share (Keras ``MaxPooling2D`` / ``AveragePooling2D``)."""

    pool: Pair = (2, 2)
    strides: Pair | None = None  # None: same as pool (Keras default)
    padding: Padding = "valid"

    @property
    def window(self):
        return self.pool, self.strides or self.pool, self.padding


class MaxPool2D(Pool2D):
    kind: Literal["maxpool"] = "maxpool"


class AvgPool2D(Pool2D):
    kind: Literal["avgpool"] = "avgpool"


class GlobalAvgPool2D(LayerBase):
    kind: Literal["globalavgpool"] = "globalavgpool"


class GlobalMaxPool2D(LayerBase):
    kind: Literal["globalmaxpool"] = "globalmaxpool"


class Flatten(LayerBase):
    kind: Literal["flatten"] = "flatten"


class Dense(LayerBase):
    kind: Literal["dense"] = "dense"
    units: int
    activation: str | None = None
    use_bias: bool = True


class Dropout(LayerBase):
    kind: Literal["dropout"] = "dropout"
    rate: float


class BatchNorm(LayerBase):
    kind: Literal["batchnorm"] = "batchnorm"
    momentum: float = 0.99
    epsilon: float = 0.001


class Activation(LayerBase):
    kind: Literal["activation"] = "activation"
    activation: str


class Rescale(LayerBase):
    """``rescale 1/255``: y = x * scale + offset (Keras ``Rescaling``)."""

    kind: Literal["rescale"] = "rescale"
    scale: float
    offset: float = 0.0
    text: str | None = None  # how the scale was written ("1/255"), kept for printing


class Preprocess(LayerBase):
    """A pretrained base's own input preprocessing (``keras.applications`` modes).

    caffe: RGB -> BGR, then subtract the ImageNet channel means (VGG16's ``preprocess_input``).
    tf: scale to [-1, 1]. torch: scale to [0, 1], then normalize by ImageNet mean/std.
    """

    kind: Literal["preprocess"] = "preprocess"
    mode: Literal["caffe", "tf", "torch"]


class RandomFlip(LayerBase):
    kind: Literal["flip"] = "flip"
    mode: Literal["horizontal", "vertical", "horizontal_and_vertical"] = "horizontal_and_vertical"


class RandomRotation(LayerBase):
    """factor: fraction of a full turn (0.1 = up to +-36 degrees), as in Keras."""

    kind: Literal["rotate"] = "rotate"
    factor: float


class RandomZoom(LayerBase):
    """factor: zoom in or out by up to this fraction of the height (and width), as in Keras."""

    kind: Literal["zoom"] = "zoom"
    factor: float


class RandomContrast(LayerBase):
    kind: Literal["contrast"] = "contrast"
    factor: float


class RandomTranslation(LayerBase):
    kind: Literal["translate"] = "translate"
    factor: float


class Add(LayerBase):
    """Keras ``Add``: the element-wise sum of two or more tensors of one shape."""

    kind: Literal["add"] = "add"


class Concatenate(LayerBase):
    """Keras ``Concatenate`` on the channels (the last axis)."""

    kind: Literal["concat"] = "concat"


class Multiply(LayerBase):
    """Keras ``Multiply``: the element-wise product of two or more tensors of one shape."""

    kind: Literal["multiply"] = "multiply"


class Base(LayerBase):
    """A pretrained convolutional base from the zoo (``base vgg16 weights=imagenet``).

    ``layers`` is the base's own layer list exactly as Keras's ``conv_base.layers``:
    entry 0 is its input layer. ``arch`` names the zoo spec it was expanded from.
    """

    kind: Literal["base"] = "base"
    arch: str
    weights: str | None = None  # "imagenet", a file path, or None (random init)
    layers: tuple[SimpleLayer, ...] = ()  # noqa: F821 (specdsl.ir.kinds)


# Every layer class is part of specdsl.ir (a new kind needs no edit there).
__all__ = [
    n for n, v in list(globals().items()) if isinstance(v, type) and issubclass(v, LayerBase)
]
