"""The rules between names, for every target at once.

One name on its own follows :func:`specdsl.syntax.tokens.name_problem` (applied by the
lowering, at the name): an ASCII identifier, no Python keyword, not ``__...``, at most 100
characters, a layer not ``input_layer``, a model not a Python builtin. Here, the rule that
needs the whole model: a layer (or a base) may not take the name of one of a base's layers,
as Keras layer names and the checkpoint's weight keys (``block1_conv1/kernel``) must be
unique. ``check_model`` applies it, so ``check`` reports it before any target builds.
"""

from __future__ import annotations

from specdsl import ir
from specdsl.diagnostics import Diagnostics


def check_names(spec: ir.ModelSpec, d: Diagnostics) -> None:
    """Errors at the layer whose name a base's layer (or the model) already has."""
    base_names: dict[str, str] = {}  # a base's layer name -> its architecture
    for layer in spec.layers:
        if isinstance(layer, ir.Base):
            for child in layer.layers:
                if not isinstance(child, ir.InputLayer):
                    base_names.setdefault(child.name, layer.arch)
    for layer in spec.layers:
        if layer.name in base_names:
            d.error(
                f"layer name '{layer.name}' is also a layer of base '{base_names[layer.name]}'",
                layer.span,
                hint="Keras layer names and weight keys must be unique; choose another name",
            )
