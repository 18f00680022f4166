"""The graph under construction: nodes, initializers, the current tensor and its layout.

Image tensors start in NHWC (the uint8 input, as decoded); convolutions and pooling need
NCHW, so a converter asks for the layout it needs with :meth:`GraphContext.to_layout`, which
adds one ``Transpose`` node (named ``<layer>/ToNCHW`` or ``<layer>/ToNHWC``) when the layout
changes. Every node and initializer of a layer is named ``<layer>/...``.
"""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from specdsl import ir
from specdsl.check.analysis import Analysis
from specdsl.weights.layouts import to_onnx

TO_NCHW = (0, 3, 1, 2)
TO_NHWC = (0, 2, 3, 1)


class GraphContext:
    def __init__(self, analysis: Analysis, tensors: dict[str, np.ndarray], value: str):
        self.analysis = analysis
        self.tensors = tensors
        self.nodes: list = []
        self.initializers: list[TensorProto] = []
        self._names: set[str] = set()
        self.value = value  # the tensor the next layer reads
        self.rank = 1 + len(analysis.input_shape)  # with the batch axis
        self.layout = "NHWC"  # meaningful for rank-4 tensors only
        self._outputs: dict[str, tuple[str, str, int]] = {}  # layer -> (value, layout, rank)

    # -- naming -------------------------------------------------------------------------
    def _unique(self, name: str) -> str:
        base, i = name, 1
        while name in self._names:
            name = f"{base}_{i}"
            i += 1
        self._names.add(name)
        return name

    # -- building -----------------------------------------------------------------------
    def initializer(self, name: str, array: np.ndarray) -> str:
        name = self._unique(name)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def weight(self, layer: str, weight: str) -> np.ndarray:
        """A weight of the model in the canonical (Keras) layout, as float32."""
        return np.asarray(self.tensors[f"{layer}/{weight}"], dtype=np.float32)

    def weight_initializer(self, layer, weight: str) -> str:
        """The initializer ``<layer>/<weight>`` in ONNX's layout for it (the kind table's slot
        names the canonical layout; :mod:`specdsl.weights.layouts` converts)."""
        slot = ir.kind_of(layer).slot(weight)
        value = to_onnx(slot.layout, self.weight(layer.name, weight))
        return self.initializer(f"{layer.name}/{weight}", value)

    def node(
        self, op: str, inputs: list[str], layer: str, label: str | None = None, **attrs
    ) -> str:
        """Add ``<layer>/<label or op>`` reading ``inputs``; return its output tensor's name."""
        name = self._unique(f"{layer}/{label or op}")
        out = f"{name}:0"
        self.nodes.append(helper.make_node(op, inputs, [out], name=name, **attrs))
        return out

    def apply(self, op: str, layer: str, *extra_inputs: str, label: str | None = None, **attrs):
        """Add a node on the current value and make its output the current value."""
        self.value = self.node(op, [self.value, *extra_inputs], layer, label, **attrs)
        return self.value

    # -- the graph: each layer reads the output of the layers it names ------------------
    def leave(self, layer: str) -> None:
        """Remember the current value (and its layout and rank) as ``layer``'s output."""
        self._outputs[layer] = (self.value, self.layout, self.rank)

    def enter(self, inputs: tuple[str, ...]) -> None:
        """Make the output of ``inputs[0]`` the current value."""
        self.value, self.layout, self.rank = self._outputs[inputs[0]]

    def saved(self, layer: str) -> tuple[str, str, int]:
        return self._outputs[layer]

    def restore(self, layer: str, saved: tuple[str, str, int]) -> None:
        self._outputs[layer] = saved

    def gather(self, inputs: tuple[str, ...], layer: str) -> list[str]:
        """The outputs of ``inputs`` in the current value's layout (a merge's operands)."""
        layout, rank = self.layout, self.rank
        values = []
        for name in inputs:
            value, its_layout, _ = self._outputs[name]
            if rank == 4 and its_layout != layout:
                perm = TO_NCHW if layout == "NCHW" else TO_NHWC
                value = self.node("Transpose", [value], layer, f"To{layout}", perm=list(perm))
            values.append(value)
        return values

    # -- layout -------------------------------------------------------------------------
    def to_layout(self, layout: str, layer: str) -> None:
        """Make a rank-4 current value NCHW or NHWC (no node when it already is)."""
        if self.rank != 4 or self.layout == layout:
            return
        perm = TO_NCHW if layout == "NCHW" else TO_NHWC
        self.apply("Transpose", layer, label=f"To{layout}", perm=list(perm))
        self.layout = layout

    @property
    def channel_axis(self) -> int:
        return 1 if (self.rank == 4 and self.layout == "NCHW") else -1
