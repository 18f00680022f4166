"""Layers that vanish at inference: augmentation, dropout, a base's input entry.

A standalone ``activation`` layer is here too: only its activation node.
"""

from __future__ import annotations

from specdsl import ir
from specdsl.backends.onnx.context import GraphContext
from specdsl.backends.onnx.layers.activations import activate
from specdsl.backends.onnx.table import CONVERT
from specdsl.check.analysis import LayerInfo


@CONVERT.register(
    ir.RandomFlip,
    ir.RandomRotation,
    ir.RandomZoom,
    ir.RandomContrast,
    ir.RandomTranslation,
    ir.Dropout,
    ir.InputLayer,
)
def vanish(ctx: GraphContext, info: LayerInfo) -> None:
    """Active only in training (augmentation, dropout) or nothing at all (an input entry)."""


@CONVERT.register(ir.Activation)
def activation(ctx: GraphContext, info: LayerInfo) -> None:
    activate(ctx, info.name, info.layer.activation)
