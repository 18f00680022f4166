"""Canonical weights from any checkpoint ``specdsl export`` accepts, picked by file suffix.

* ``.safetensors``: specdsl's neutral checkpoint (:mod:`specdsl.weights.checkpoint`);
* ``.keras`` / ``.weights.h5`` / ``.h5``: Keras files, through
  :func:`specdsl.backends.keras.weights.read_keras_weights` (needs neither TF nor Keras: h5py);
* ``.pt`` / ``.pth``: a PyTorch state dict, read with ``torch.load(weights_only=True)`` (the
  one case that needs torch, imported here only) and converted by
  :func:`specdsl.backends.pytorch.layout.torch_to_canonical`; a state dict with
  efficientnet_pytorch's names (``_conv_stem``, ``_blocks.N``) goes through the name map of
  :mod:`specdsl.weights.efficientnet` instead.

Every failure is a :class:`WeightFileError` with one line naming the file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from specdsl.check.analysis import Analysis
from specdsl.weights.checkpoint import CheckpointError

KERAS_SUFFIXES = (".keras", ".weights.h5", ".h5")
TORCH_SUFFIXES = (".pt", ".pth")
NEUTRAL_SUFFIXES = (".safetensors",)


class WeightFileError(CheckpointError):
    """A weights file cannot be read or does not fit the model (one line, names the file).
    A CheckpointError, so that what catches those (train.py) catches these too."""


def _kind(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(NEUTRAL_SUFFIXES):
        return "neutral"
    if name.endswith(KERAS_SUFFIXES):
        return "keras"
    if name.endswith(TORCH_SUFFIXES):
        return "torch"
    known = ", ".join(NEUTRAL_SUFFIXES + KERAS_SUFFIXES + TORCH_SUFFIXES)
    raise WeightFileError(f"{path}: unknown weights format (expected one of {known})")


def read_weights(path: str | Path, analysis: Analysis) -> dict[str, np.ndarray]:
    """Canonical tensors (``<layer>/<weight>``, Keras layout) for ``analysis`` from ``path``."""
    from specdsl.weights.checkpoint import CheckpointError, load, validate

    path = Path(path)
    kind = _kind(path)
    if not path.is_file():
        raise WeightFileError(f"{path}: no such file")
    try:
        if kind == "neutral":
            ckpt = load(path)
            name = ckpt.metadata.get("spec_name")
            if name and name != analysis.spec.name:
                raise WeightFileError(
                    f"{path}: a checkpoint of model '{name}', not of '{analysis.spec.name}'"
                )
            validate(ckpt.tensors, analysis, str(path))
            return ckpt.tensors
        tensors = _read_keras(path, analysis) if kind == "keras" else _read_torch(path, analysis)
        validate(tensors, analysis, str(path))
        return tensors
    except CheckpointError as e:
        raise _naming(path, e) from None


def read_base_weights(path: str | Path, analysis: Analysis, base: str) -> dict[str, np.ndarray]:
    """Canonical tensors of the base ``base`` alone (``base ARCH weights=FILE``, ``specdsl
    train --weights FILE``), from a Keras file, an efficientnet_pytorch ``.pth`` or specdsl's
    checkpoint of a model with that base; the file may hold more (a classifier's top)."""
    from specdsl.weights.checkpoint import load

    path = Path(path)
    kind = _kind(path)
    if not path.is_file():
        raise WeightFileError(f"{path}: no such file")
    want = {key: tuple(w.shape) for key, w, info in analysis.weights() if info.parent == base}
    keys = set(want)
    try:
        if kind == "keras":
            from specdsl.backends.keras.weights import read_keras_weights

            return read_keras_weights(path, analysis, scope=base)
        if kind == "neutral":
            tensors = load(path).tensors
        else:
            from specdsl.weights import efficientnet

            state = efficientnet.load_state_dict(path)
            if not efficientnet.is_efficientnet_state_dict(state):
                raise WeightFileError(
                    f"{path}: a base's weights from a .pth must be efficientnet_pytorch's "
                    "state dict; give a Keras file or a specdsl checkpoint"
                )
            return efficientnet.to_canonical(state, analysis, source=str(path), scope=base)
    except CheckpointError as e:  # EfficientNetWeightsError is one
        raise _naming(path, e) from None
    missing = sorted(keys - set(tensors))
    if missing:
        raise WeightFileError(f"{path}: no '{missing[0]}' for base '{base}'")
    for key in sorted(keys):
        if tuple(tensors[key].shape) != want[key]:
            raise WeightFileError(
                f"{path}: '{key}' has shape {tuple(tensors[key].shape)}, the base needs {want[key]}"
            )
    return {k: tensors[k] for k in sorted(keys)}


def _naming(path: Path, e: CheckpointError) -> WeightFileError:
    """The error as one line that starts with the file (not "state dict: missing ...")."""
    message = str(e)
    if not message.startswith(str(path)):
        message = f"{path}: {message.split(': ', 1)[-1]}"
    return WeightFileError(message)


def _read_keras(path: Path, analysis: Analysis) -> dict[str, np.ndarray]:
    try:
        from specdsl.backends.keras.weights import read_keras_weights
    except ImportError:
        raise WeightFileError(
            f"{path}: reading Keras weight files needs specdsl.backends.keras.weights, "
            "which this installation lacks"
        ) from None
    return read_keras_weights(path, analysis)


def _read_torch(path: Path, analysis: Analysis) -> dict[str, np.ndarray]:
    try:
        import torch
    except ImportError:
        raise WeightFileError(
            f"{path}: reading a PyTorch state dict needs torch (pip install specdsl[torch])"
        ) from None
    try:
        from specdsl.backends.pytorch.layout import torch_to_canonical
    except ImportError:
        raise WeightFileError(
            f"{path}: converting PyTorch weights needs specdsl.backends.pytorch.layout, "
            "which this installation lacks"
        ) from None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises many kinds for a bad file
        raise WeightFileError(f"{path}: not a PyTorch state dict ({type(e).__name__})") from None
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise WeightFileError(f"{path}: holds a {type(state).__name__}, not a state dict")
    from specdsl.weights import efficientnet

    if efficientnet.is_efficientnet_state_dict(state):
        return efficientnet.to_canonical(state, analysis, source=str(path))
    return torch_to_canonical(state, analysis)
