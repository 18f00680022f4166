"""The PyTorch weight layout, under the import path that emitted packages use.

Emitted ``model.py``/``train.py`` files (and packages built by earlier versions) import
``specdsl.weights.torch_layout``; the layout itself lives with the PyTorch target, beside its
writer: :mod:`specdsl.backends.pytorch.layout`. Nothing is defined here.
"""

from specdsl.backends.pytorch.layout import (  # noqa: F401  (the emitted code's API)
    TorchLayoutError,
    canonical_to_torch,
    key_map,
    module_names,
    torch_to_canonical,
)
