"""The typed view of a model: every layer with its shapes, weights, MACs and trainable flag."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from specdsl import ir
from specdsl.check.shapes import Geometry, Shape, Weight
from specdsl.diagnostics import Diagnostics
from specdsl.ir.graph import reading_order
from specdsl.ir.vocab import PROBABILITY_ACTIVATIONS


@dataclass
class LayerInfo:
    layer: object  # an IR layer
    input_shape: Shape
    output_shape: Shape
    weights: tuple[Weight, ...] = ()
    macs: int = 0
    trainable: bool = True
    children: list[LayerInfo] = field(default_factory=list)  # a base's own layers
    parent: str | None = None  # the base's name, for layers inside a base
    geometry: Geometry | None = None  # a windowed layer's kernel, strides and explicit pads
    inputs: tuple[str, ...] = ()  # the layers it reads (ir.INPUT: the model's input)

    @property
    def name(self) -> str:
        return self.layer.name

    @property
    def kind(self) -> str:
        return self.layer.kind

    @property
    def path(self) -> str:
        return f"{self.parent}/{self.name}" if self.parent else self.name

    @property
    def params(self) -> int:
        if self.children:
            return sum(c.params for c in self.children)
        return sum(math.prod(w.shape) for w in self.weights)

    @property
    def trainable_params(self) -> int:
        if self.children:
            return sum(c.trainable_params for c in self.children)
        if not self.trainable:
            return 0
        return sum(math.prod(w.shape) for w in self.weights if w.trainable)

    @property
    def non_trainable_params(self) -> int:
        return self.params - self.trainable_params

    @property
    def total_macs(self) -> int:
        return sum(c.macs for c in self.children) if self.children else self.macs

    def code_order(self) -> list[LayerInfo]:
        """A base's own layers without its input entry, in the order code writes them: as
        listed for a chain; for a graph (ResNet50), each block's main path, then its
        shortcut (:func:`specdsl.ir.graph.reading_order`), not Keras's order of ``.layers``."""
        kids = [c for c in self.children if c.kind != "input"]
        if not any(c.layer.inputs for c in kids):
            return kids
        by_name = {c.name: c for c in kids}
        order = reading_order([c.name for c in kids], [c.inputs for c in kids])
        return [by_name[n] for n in order]

    @staticmethod
    def kept_in(order: list[LayerInfo]) -> set[str]:
        """The outputs that a layer of ``order`` (a base's :meth:`code_order`) reads after
        others came between (a shortcut): code keeps them in variables, as
        :meth:`Analysis.kept_outputs` tells for a model's own layers."""
        return {s for j, c in enumerate(order) for s in c.inputs if j and order[j - 1].name != s}

    @property
    def activation_size(self) -> int:
        """Values in this layer's output for one example."""
        return math.prod(self.output_shape)


@dataclass(frozen=True)
class FinalActivation:
    """The activation that produces the model's output, and the layer that applies it.

    Layers that vanish at inference (dropout, augmentation) are looked through, so for
    ``dense 3 softmax; dropout 0.5`` it is softmax on ``dense``. ``name`` is ``linear`` when
    the last computing layer has no activation; ``info`` is None when no layer computes."""

    name: str
    info: LayerInfo | None

    @property
    def squashes(self) -> bool:
        """sigmoid or softmax: the output is probabilities."""
        return self.name in PROBABILITY_ACTIVATIONS


@dataclass
class StageInfo:
    stage: ir.Stage
    trainable_params: int
    non_trainable_params: int
    trainable: dict[str, bool]  # path -> trainable


@dataclass
class Analysis:
    spec: ir.ModelSpec
    layers: list[LayerInfo]
    diagnostics: Diagnostics
    stages: list[StageInfo] = field(default_factory=list)

    @property
    def is_graph(self) -> bool:
        """True when some layer reads another than the previous one (a branch or a merge)."""
        return any(info.layer.inputs for info in self.layers)

    def kept_outputs(self) -> set[str]:
        """Layers whose output a later layer reads after others came between (a skip
        connection, a branch): code that threads one ``x`` through the layers keeps these in
        variables of their own. A chain keeps none."""
        names = [info.name for info in self.layers]
        return {
            s
            for j, info in enumerate(self.layers)
            for s in info.layer.inputs
            if j == 0 or names[j - 1] != s
        }

    @property
    def final_activation(self) -> FinalActivation:
        for info in reversed(self.flat()):
            if ir.kind_of(info.layer).vanishes:
                continue
            return FinalActivation(getattr(info.layer, "activation", None) or "linear", info)
        return FinalActivation("linear", None)

    @property
    def scales_inputs(self) -> bool:
        """True when the model has no scaling layer (rescale, preprocess): every target's
        input pipeline then divides the pixels by 255, as the lecture's MNIST listing does."""
        return not any(i.kind in ir.SCALING_KINDS for i in self.flat())

    @property
    def ok(self) -> bool:
        return not self.diagnostics.has_errors

    @property
    def input_shape(self) -> Shape:
        return tuple(self.spec.input_shape or ())

    @property
    def output_shape(self) -> Shape:
        return self.layers[-1].output_shape if self.layers else self.input_shape

    @property
    def total_params(self) -> int:
        return sum(i.params for i in self.layers)

    @property
    def trainable_params(self) -> int:
        return sum(i.trainable_params for i in self.layers)

    @property
    def non_trainable_params(self) -> int:
        return self.total_params - self.trainable_params

    @property
    def macs(self) -> int:
        return sum(i.total_macs for i in self.layers)

    def flat(self) -> list[LayerInfo]:
        """Every leaf layer in order, a base's own layers in place of the base."""
        out: list[LayerInfo] = []
        for info in self.layers:
            out.extend(info.children if info.children else [info])
        return out

    def weights(self) -> list[tuple[str, Weight, LayerInfo]]:
        """Every weight as (canonical key ``<layer>/<weight>``, weight, layer)."""
        return [(f"{i.name}/{w.name}", w, i) for i in self.flat() for w in i.weights]

    def find(self, name: str) -> LayerInfo | None:
        for info in self.layers:
            if info.name == name:
                return info
            for child in info.children:
                if child.name == name:
                    return child
        return None

    @property
    def base(self) -> LayerInfo | None:
        for info in self.layers:
            if info.kind == "base":
                return info
        return None
