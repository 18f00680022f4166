"""The model as a whole: header, layers, freezing, and the training section."""

from __future__ import annotations

from typing import Literal

from specdsl.ir.blocks import BlockCall, BlockDef
from specdsl.ir.kinds import Layer
from specdsl.ir.span import Node, Span


class Slice(Node):
    """Python slice (or single index) over a base's layer list, as Keras's ``layers[a:b]``."""

    start: int | None = None
    stop: int | None = None
    index: int | None = None  # ``vgg16[3]``

    def text(self) -> str:
        if self.index is not None:
            return f"[{self.index}]"
        a = "" if self.start is None else str(self.start)
        b = "" if self.stop is None else str(self.stop)
        return f"[{a}:{b}]"


class FreezeOp(Node):
    """``freeze vgg16[:-4]`` / ``unfreeze block5_conv1``: applied in order from all-trainable."""

    action: Literal["freeze", "unfreeze"]
    target: str
    slice: Slice | None = None

    def text(self) -> str:
        return f"{self.action} {self.target}{self.slice.text() if self.slice else ''}"


class Optimizer(Node):
    name: str = "rmsprop"
    learning_rate: float | None = None  # None: the optimizer's Keras default


class Checkpoint(Node):
    monitor: str | None = "val_loss"  # None: no checkpoint


class Stage(Node):
    """One stage of staged training (fine-tuning). Freeze ops apply on top of the model's."""

    name: str
    freeze: tuple[FreezeOp, ...] = ()
    optimizer: Optimizer | None = None  # None: the training section's
    epochs: int | None = None


class Training(Node):
    loss: str | None = None
    optimizer: Optimizer = Optimizer()
    metrics: tuple[str, ...] = ()
    epochs: int | None = None
    batch_size: int | None = None
    checkpoint: Checkpoint | None = None
    strategy: Literal["fit", "features"] = "fit"
    precision: Literal["float32", "mixed_bfloat16", "mixed_float16"] = "float32"
    stages: tuple[Stage, ...] = ()
    # where each setting was written (for the formatter's comments); not part of equality
    field_spans: dict[str, Span] = {}


class ModelSpec(Node):
    """A whole spec, as written (after lowering): the root of the IR."""

    name: str
    input_shape: tuple[int, int, int] | None = None  # H, W, C
    classes: tuple[str, ...] = ()
    layers: tuple[Layer, ...] = ()
    freeze: tuple[FreezeOp, ...] = ()
    training: Training = Training()
    # how blocks were written (the layers above hold their expansion; see specdsl.ir.blocks)
    blocks: tuple[BlockDef, ...] = ()
    calls: tuple[BlockCall, ...] = ()
    source: str | None = None  # file the spec came from (not part of equality checks)
