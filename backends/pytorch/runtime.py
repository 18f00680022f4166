"""The emitted model, live: build it from the generated model.py and move weights in and out.

``build_torch_model(analysis)`` runs the very code ``specdsl build --backend pytorch`` writes
(so parity tests test the emitted code); weights go through :mod:`specdsl.backends.pytorch.layout`
in the canonical (Keras) layout of specdsl's checkpoint.
"""

from __future__ import annotations

import sys
import types

import numpy as np

from specdsl.backends.pytorch.layout import canonical_to_torch, torch_to_canonical
from specdsl.backends.pytorch.model import model_class_name, model_source
from specdsl.check.analysis import Analysis


def load_model_module(analysis: Analysis) -> types.ModuleType:
    """The generated model.py, executed as a fresh module (``specdsl_model_<name>``)."""
    source = model_source(analysis)
    name = f"specdsl_model_{analysis.spec.name}"
    module = types.ModuleType(name)
    module.__file__ = f"<specdsl pytorch model.py for {analysis.spec.name}>"
    code = compile(source, module.__file__, "exec")
    sys.modules[name] = module  # lets pickling and dataclass-like helpers find the module
    exec(code, module.__dict__)
    return module


def model_class(analysis: Analysis):
    """The ``nn.Module`` class that the emitted model.py defines for the spec."""
    return getattr(load_model_module(analysis), model_class_name(analysis))


def build_torch_model(analysis: Analysis):
    """A fresh ``nn.Module`` of the spec (Keras-style initial weights), in eval mode."""
    return model_class(analysis)().eval()


def set_weights(module, analysis: Analysis, tensors: dict[str, np.ndarray]) -> None:
    """Load canonical weights (every key of the model) into the module, converting layouts."""
    import torch

    state = canonical_to_torch(tensors, analysis)
    module.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in state.items()})


def get_weights(module, analysis: Analysis) -> dict[str, np.ndarray]:
    """The module's weights in the canonical layout (``<layer>/<weight>`` -> float32 array)."""
    return torch_to_canonical(module.state_dict(), analysis)


__all__ = ["build_torch_model", "get_weights", "load_model_module", "set_weights"]
