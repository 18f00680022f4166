"""The PyTorch layout of a model's weights, and conversion to and from the canonical one.

The PyTorch backend emits an ``nn.Module`` whose attributes are the IR layer names (a base is a
sub-module holding its own layers), so ``block1_conv1/kernel`` lives at
``vgg16.block1_conv1.weight``. This module owns that naming (:func:`module_names`) and the
conversions, with numpy only (no torch import):

Each weight's PyTorch name and layout are its slot in the kind table
(:mod:`specdsl.ir.kinds`); how a layout converts is :mod:`specdsl.weights.layouts`. A PyTorch
buffer without a Keras weight (``num_batches_tracked``) is 0 (int64), ignored on the way back.

The emitted model flattens NCHW feature maps the PyTorch way (C, H, W order), so the first
Dense after a Flatten (and a batch norm between them) gets its input rows permuted here; the
model code stays idiomatic and the canonical checkpoint keeps Keras's H, W, C order.
"""

from __future__ import annotations

import keyword
from dataclasses import dataclass

import numpy as np

from specdsl import ir
from specdsl.check.analysis import Analysis
from specdsl.weights.checkpoint import CheckpointError
from specdsl.weights.layouts import LAYOUTS

# Attributes of torch.nn.Module (checked by a test against the installed torch) and the
# methods of the emitted model: a layer with one of these names gets a suffixed attribute.
RESERVED = frozenset(
    """T_destination add_module apply bfloat16 buffers call_super_init children compile cpu
    cuda double dump_patches eval extra_repr float forward get_buffer get_extra_state
    get_parameter get_submodule half ipu load_state_dict modules mtia named_buffers
    named_children named_modules named_parameters parameters register_backward_hook
    register_buffer register_forward_hook register_forward_pre_hook
    register_full_backward_hook register_full_backward_pre_hook
    register_load_state_dict_post_hook register_load_state_dict_pre_hook register_module
    register_parameter register_state_dict_post_hook register_state_dict_pre_hook
    requires_grad_ set_extra_state set_submodule share_memory state_dict to to_empty train
    training type xpu zero_grad
    logits features head keras_init x self nn torch F""".split()
)


class TorchLayoutError(CheckpointError):
    """A PyTorch state dict or canonical dict does not fit the model; names the key."""


def attribute_name(name: str, taken: set[str]) -> str:
    """A safe ``nn.Module`` attribute for a layer name: the name itself whenever possible."""
    attr = name if name.isidentifier() else "".join(c if c.isalnum() else "_" for c in name)
    if not attr or attr[0].isdigit():
        attr = f"layer_{attr}"
    if keyword.iskeyword(attr) or attr in RESERVED or attr.startswith("_"):
        attr = f"{attr.strip('_')}_layer"
    while attr in taken:
        attr += "_"
    taken.add(attr)
    return attr


def module_names(analysis: Analysis) -> dict[str, str]:
    """Layer name -> dotted module path in the emitted model (``vgg16.block1_conv1``).

    Every layer and base gets an entry (layers without a module keep a name for comments).
    """
    out: dict[str, str] = {}
    taken: set[str] = set()
    for info in analysis.layers:
        attr = attribute_name(info.name, taken)
        out[info.name] = attr
        inner: set[str] = set()
        for child in info.children:
            if child.kind == "input":
                continue
            out[child.name] = f"{attr}.{attribute_name(child.name, inner)}"
    return out


def flatten_orders(analysis: Analysis) -> dict[str, np.ndarray]:
    """For each Dense / BatchNorm fed by a Flatten: index p with torch_input[j] = keras_input[p[j]].

    A Flatten of an (H, W, C) map gives Keras's H,W,C order and PyTorch's C,H,W order. The
    order survives element-wise layers (dropout, activation, rescale, batch norm) and is
    consumed by the next Dense.
    """
    orders: dict[str, np.ndarray] = {}
    perm: np.ndarray | None = None
    for info in analysis.flat():
        kind = info.kind
        if kind == "flatten":
            shape = info.input_shape
            if len(shape) == 3 and (shape[0] > 1 or shape[1] > 1) and shape[2] > 1:
                h, w, c = shape
                perm = np.arange(h * w * c).reshape(h, w, c).transpose(2, 0, 1).ravel()
            else:
                perm = None
            continue
        row = ir.kind_of(info.layer)
        if any(LAYOUTS[s.layout].rows_follow_flatten for s in row.weights):  # dense: consumes it
            if perm is not None:
                orders[info.name] = perm
            perm = None
        elif row.field == "pointwise" and row.role != "base":  # keeps it (batch norm: uses it)
            if perm is not None and row.weights:
                orders[info.name] = perm
        else:
            perm = None
    return orders


@dataclass(frozen=True)
class Entry:
    """One tensor: its canonical key, its state-dict key, and how to convert."""

    canonical: str | None  # None for a PyTorch-only buffer (num_batches_tracked)
    torch: str
    layout: str | None  # a key of specdsl.weights.layouts.LAYOUTS; None for a buffer
    layer: str
    perm: np.ndarray | None = None  # input rows (or channels) in flatten order


def entries(analysis: Analysis) -> list[Entry]:
    """Every tensor of the model's PyTorch state dict, in the emitted module's order."""
    names = module_names(analysis)
    orders = flatten_orders(analysis)
    out: list[Entry] = []
    for info in analysis.flat():
        row = ir.kind_of(info.layer)
        if not row.weights:
            continue
        path = names[info.name]
        perm = orders.get(info.name)
        for w in info.weights:
            slot = row.slot(w.name)
            # a Flatten's order reaches a dense kernel's rows and a batch norm's channels
            follows = LAYOUTS[slot.layout].rows_follow_flatten or row.field == "pointwise"
            key, torch_key = f"{info.name}/{w.name}", f"{path}.{slot.torch}"
            out.append(Entry(key, torch_key, slot.layout, info.name, perm if follows else None))
        for buffer in row.torch_buffers:
            out.append(Entry(None, f"{path}.{buffer}", None, info.name))
    return out


def key_map(analysis: Analysis) -> dict[str, str]:
    """Canonical key -> PyTorch state-dict key."""
    return {e.canonical: e.torch for e in entries(analysis) if e.canonical is not None}


def _to_torch(e: Entry, value: np.ndarray) -> np.ndarray:
    if e.perm is not None:  # rows of a dense kernel, channels of a vector
        value = value[e.perm]
    return LAYOUTS[e.layout].to_torch(value)


def _to_canonical(e: Entry, value: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    value = LAYOUTS[e.layout].from_torch(value, shape)
    if e.perm is None:
        return value
    out = np.empty_like(value)
    out[e.perm] = value
    return out


def _expected_torch_shape(e: Entry, canonical_shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(LAYOUTS[e.layout].torch_shape(tuple(canonical_shape)))


def canonical_to_torch(
    tensors: dict[str, np.ndarray],
    analysis: Analysis,
    *,
    layers: set[str] | None = None,
    source: str = "weights",
) -> dict[str, np.ndarray]:
    """Canonical dict -> PyTorch state dict (numpy arrays), checking every key and shape.

    ``layers`` restricts the conversion to those layer names (e.g. the layers of a base).
    """
    shapes = {key: w.shape for key, w, _ in analysis.weights()}
    out: dict[str, np.ndarray] = {}
    for e in entries(analysis):
        if layers is not None and e.layer not in layers:
            continue
        if e.canonical is None:
            out[e.torch] = np.zeros((), np.int64)
            continue
        if e.canonical not in tensors:
            raise TorchLayoutError(
                f"{source}: missing weight '{e.canonical}' (shape {shapes[e.canonical]}) "
                f"for PyTorch '{e.torch}'"
            )
        value = np.asarray(tensors[e.canonical])
        if tuple(value.shape) != tuple(shapes[e.canonical]):
            raise TorchLayoutError(
                f"{source}: weight '{e.canonical}' has shape {tuple(value.shape)}, "
                f"the model needs {shapes[e.canonical]}"
            )
        out[e.torch] = np.ascontiguousarray(_to_torch(e, value.astype(np.float32, copy=False)))
    return out


def torch_to_canonical(
    state_dict: dict, analysis: Analysis, *, source: str = "state dict"
) -> dict[str, np.ndarray]:
    """PyTorch state dict (tensors or arrays) -> canonical dict of float32 numpy arrays.

    Accepts the ``module.`` prefix that DistributedDataParallel adds. Raises TorchLayoutError
    naming the first missing or wrongly shaped key.
    """
    state = dict(state_dict)
    if state and all(k.startswith("module.") for k in state):
        state = {k[len("module.") :]: v for k, v in state.items()}
    shapes = {key: w.shape for key, w, _ in analysis.weights()}
    out: dict[str, np.ndarray] = {}
    for e in entries(analysis):
        if e.canonical is None:
            continue
        if e.torch not in state:
            raise TorchLayoutError(
                f"{source}: missing '{e.torch}' (canonical '{e.canonical}', "
                f"shape {_expected_torch_shape(e, shapes[e.canonical])})"
            )
        value = _numpy(state[e.torch])
        want = _expected_torch_shape(e, shapes[e.canonical])
        if tuple(value.shape) != want:
            raise TorchLayoutError(
                f"{source}: '{e.torch}' has shape {tuple(value.shape)}, the model needs {want}"
            )
        out[e.canonical] = np.ascontiguousarray(
            _to_canonical(e, value, tuple(shapes[e.canonical])), dtype=np.float32
        )
    return out


def _numpy(value) -> np.ndarray:
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "detach"):  # a torch tensor, without importing torch here
        return value.detach().cpu().float().numpy()
    return np.asarray(value)
