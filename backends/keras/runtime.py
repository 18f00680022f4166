"""The Keras model of a spec at run time, and its weights in specdsl's canonical layout.

``build_keras_model`` executes the emitted ``model.py`` code (the same text ``specdsl build``
writes), so what is tested and trained is the generated code itself. ``get_weights`` and
``set_weights`` move weights between that model and specdsl's neutral checkpoint
(``specdsl.weights.checkpoint``), whose layout is Keras's own: no transposes here.

Importing this module imports Keras (and TensorFlow); nothing else in specdsl does so
eagerly.
"""

from __future__ import annotations

import types

import numpy as np

from specdsl.check.analysis import Analysis, LayerInfo
from specdsl.weights.checkpoint import CheckpointError, validate


def model_module(analysis: Analysis) -> types.ModuleType:
    """The emitted model.py, executed as a fresh module (not registered in sys.modules)."""
    from specdsl.backends.keras.model import model_source

    source = model_source(analysis)
    module = types.ModuleType(f"specdsl_keras_model_{analysis.spec.name}")
    module.__file__ = f"<specdsl keras model.py for {analysis.spec.name}>"
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module


def build_keras_model(analysis: Analysis):
    """A fresh ``keras.Model`` built by the emitted code (random weights, spec's freezing)."""
    return model_module(analysis).build_model()


def keras_layer(model, info: LayerInfo):
    """The Keras layer of a specdsl layer; a base's layers live in the nested base model."""
    if info.parent:
        return model.get_layer(info.parent).get_layer(info.name)
    return model.get_layer(info.name)


def _variables(layer) -> dict[str, object]:
    return {v.name.split("/")[-1].split(":")[0]: v for v in layer.weights}


def set_weights(model, analysis: Analysis, tensors: dict[str, np.ndarray], strict: bool = True):
    """Assign canonical tensors (``block1_conv1/kernel``) to the model's variables.

    ``strict``: every weight of the model must be given (as in a checkpoint); otherwise only
    the given keys are assigned (e.g. a pretrained base's). Shapes are always checked.
    """
    if strict:
        validate(tensors, analysis, "weights")
    known = {key for key, _, _ in analysis.weights()}
    unknown = [k for k in tensors if k not in known]
    if unknown:
        raise CheckpointError(f"weights: '{unknown[0]}' is not in model '{analysis.spec.name}'")
    for info in analysis.flat():
        if not info.weights or not any(f"{info.name}/{w.name}" in tensors for w in info.weights):
            continue
        variables = _variables(keras_layer(model, info))
        for w in info.weights:
            key = f"{info.name}/{w.name}"
            if key not in tensors:
                continue
            value = np.asarray(tensors[key], dtype=np.float32)
            if tuple(value.shape) != tuple(w.shape):
                raise CheckpointError(
                    f"weights: '{key}' has shape {tuple(value.shape)}, the model needs {w.shape}"
                )
            variables[w.name].assign(value)


def get_weights(model, analysis: Analysis) -> dict[str, np.ndarray]:
    """Every weight of the model as float32 numpy arrays under canonical keys, in layer order."""
    out: dict[str, np.ndarray] = {}
    for info in analysis.flat():
        if not info.weights:
            continue
        variables = _variables(keras_layer(model, info))
        for w in info.weights:
            out[f"{info.name}/{w.name}"] = np.asarray(variables[w.name].numpy(), dtype=np.float32)
    return out
