"""The intermediate representation: frozen pydantic models that keep their source span."""

from specdsl.ir import layers as _layers
from specdsl.ir.blocks import BlockCall, BlockDef, BlockParam, BlockStatement
from specdsl.ir.kinds import (
    AUGMENT_KINDS,
    KINDS,
    SCALING_KINDS,
    WEIGHTED_KINDS,
    AutoNames,
    Kind,
    Layer,
    SimpleLayer,
    kind_of,
)
from specdsl.ir.layers import *  # noqa: F403  (every layer class: layers.__all__)
from specdsl.ir.layers import INPUT
from specdsl.ir.model import Checkpoint, FreezeOp, ModelSpec, Optimizer, Slice, Stage, Training
from specdsl.ir.span import Node, Span
from specdsl.ir.tools import ir_equal, spec_hash, strip_spans

__all__ = [
    "AUGMENT_KINDS",
    "AutoNames",
    "BlockCall",
    "BlockDef",
    "BlockParam",
    "BlockStatement",
    "INPUT",
    "KINDS",
    "SCALING_KINDS",
    "WEIGHTED_KINDS",
    "Kind",
    "Checkpoint",
    "FreezeOp",
    "Layer",
    "ModelSpec",
    "Node",
    "Optimizer",
    "SimpleLayer",
    "Slice",
    "Span",
    "Stage",
    "Training",
    "ir_equal",
    "kind_of",
    "spec_hash",
    "strip_spans",
    *_layers.__all__,
]
