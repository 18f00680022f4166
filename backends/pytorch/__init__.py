"""The PyTorch backend: an explicit ``nn.Module`` (model.py), its data pipeline (data.py) and a
training script (train.py) that trains as Keras's ``fit`` does, alone or under ``torchrun``.

Importing this package registers the ``pytorch`` backend; it never imports torch itself (only
:mod:`specdsl.backends.pytorch.runtime` does).
"""

from specdsl.backends.pytorch.backend import PyTorchBackend

__all__ = ["PyTorchBackend"]
