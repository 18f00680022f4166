"""``specdsl verify SPEC --weights W``: the same weights and images in every installed target,
each layer's output compared with Keras's.

Keras runs in a subprocess of its own (``python -m specdsl.run.verify keras ...``), so that
TensorFlow never shares a process with torchvision and the command itself imports neither.
ONNX Runtime runs the fp32 graph (and the int8 one when given) with every layer's last node
as an extra output: ``<layer>/<Op>`` names tell which layer a node belongs to; NCHW maps are
turned back to Keras's NHWC. Reported per layer and target: the largest absolute difference
and the largest relative one (against the largest magnitude of Keras's values).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np


def _framework_input(analysis, images: np.ndarray) -> np.ndarray:
    x = images.astype(np.float32)
    return x / np.float32(255) if analysis.scales_inputs else x


def _layer_infos(analysis) -> list:
    out = []
    for info in analysis.layers:
        out += info.children if info.children else [info]
    return out


def keras_layers(spec: str, weights: str, images: str, out: str) -> None:
    """(In the subprocess) every layer's Keras output, saved as ``out`` (.npz by layer name).

    A base is a nested model, whose layers' outputs belong to its own graph: the outer model
    gives each base's input, and a model over the base's graph gives its layers' outputs.
    """
    import keras

    from specdsl import ir
    from specdsl.api import load
    from specdsl.backends.keras.runtime import build_keras_model, set_weights
    from specdsl.weights.files import read_weights

    a = load(spec)
    model = build_keras_model(a)
    set_weights(model, a, read_weights(Path(weights), a))

    def tensor(name: str):
        return model.inputs[0] if name == ir.INPUT else model.get_layer(name).output

    names, outputs, bases = [], [], []
    for info in a.layers:
        if info.kind == "input":
            continue
        if info.children:  # its input now, its layers' outputs below
            bases.append(info)
            outputs.append(tensor(info.inputs[0]))
            names.append(f"<input of {info.name}>")
            continue
        names.append(info.name)
        outputs.append(model.get_layer(info.name).output)
    got = keras.Model(model.inputs, outputs)(_framework_input(a, np.load(images)), training=False)
    found = {n: np.asarray(v) for n, v in zip(names, got, strict=True)}
    for info in bases:
        nested = model.get_layer(info.name)
        inner = [c.name for c in info.children if c.kind != "input"]
        sub = keras.Model(nested.inputs, [nested.get_layer(n).output for n in inner])
        values = sub(found.pop(f"<input of {info.name}>"), training=False)
        found |= {n: np.asarray(v) for n, v in zip(inner, values, strict=True)}
    order = [i.name for i in _layer_infos(a) if i.name in found]
    np.savez(out, **{n: found[n] for n in order})


ACTIVATIONS = {
    None: lambda x: x,
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0),
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "tanh": np.tanh,
    "softmax": lambda x: (
        np.exp(x - x.max(-1, keepdims=True))
        / np.exp(x - x.max(-1, keepdims=True)).sum(-1, keepdims=True)
    ),
}


def torch_layers(spec: str, weights: str, images: str, out: str) -> None:
    """(In the subprocess) the PyTorch output of every layer that is a module, a base's layers
    included (``vgg16.block1_conv1``), NHWC, after the layer's own activation (applied outside
    the module in the emitted code), saved as ``out``. Layers the emitted forward computes
    inline (an activation layer, a sum, rescaling) have no module and are not reported."""
    import torch

    from specdsl.api import load
    from specdsl.backends.pytorch.layout import module_names
    from specdsl.backends.pytorch.runtime import build_torch_model, set_weights
    from specdsl.weights.files import read_weights

    a = load(spec)
    model = build_torch_model(a)
    set_weights(model, a, read_weights(Path(weights), a))
    infos = _layer_infos(a)
    acts = {i.name: getattr(i.layer, "activation", None) for i in infos}
    got: dict[str, np.ndarray] = {}

    def hook(name):
        def save(module, inputs, output):
            if isinstance(module, torch.nn.Flatten) and inputs[0].ndim == 4:  # Keras's H,W,C
                x = inputs[0].permute(0, 2, 3, 1).reshape(inputs[0].shape[0], -1).numpy()
            else:
                x = output.detach().numpy()
                x = x.transpose(0, 2, 3, 1) if x.ndim == 4 else x
            if acts.get(name) in ACTIVATIONS:  # a copy: the forward may go on in place
                got[name] = ACTIVATIONS[acts[name]](x.astype(np.float64))

        return save

    paths = module_names(a)
    for info in infos:
        if info.kind in ("input", "base") or info.name not in paths:
            continue
        try:
            module = model.get_submodule(paths[info.name])
        except AttributeError:
            continue  # computed inline in the forward
        module.register_forward_hook(hook(info.name))
    x = _framework_input(a, np.load(images)).transpose(0, 3, 1, 2).copy()
    with torch.no_grad():
        model(torch.from_numpy(x))
    np.savez(out, **got)


def run_framework(which: str, spec: Path, weights: Path, images: np.ndarray) -> dict:
    """``keras_layers`` or ``torch_layers`` in a subprocess of their own."""
    with tempfile.TemporaryDirectory(prefix="specdsl-verify-") as tmp:
        np.save(Path(tmp) / "x.npy", images)
        out = Path(tmp) / "layers.npz"
        cmd = [sys.executable, "-m", "specdsl.run.verify", which, str(spec), str(weights)]
        res = subprocess.run(
            [*cmd, str(Path(tmp) / "x.npy"), str(out)], capture_output=True, text=True
        )
        if res.returncode:
            lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
            raise RuntimeError(f"{which} failed: {lines[-1] if lines else res.returncode}")
        with np.load(out) as z:
            return {k: z[k] for k in z.files}


def onnx_layers(path: Path, images: np.ndarray) -> dict[str, np.ndarray]:
    """Every layer's last node output in ONNX Runtime, by layer name."""
    import onnx
    import onnxruntime as ort

    model = onnx.load(str(path))
    last: dict[str, str] = {}
    for node in model.graph.node:
        layer = node.name.split("/", 1)[0] if "/" in node.name else None
        if layer and node.output:
            last[layer] = node.output[0]
    known = {o.name for o in model.graph.output}
    for name in last.values():
        if name not in known:
            model.graph.output.append(onnx.ValueInfoProto(name=name))
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    wanted = list(last.items())
    got = sess.run([n for _, n in wanted], {sess.get_inputs()[0].name: images})
    return {layer: np.asarray(v) for (layer, _), v in zip(wanted, got, strict=True)}


def _aligned(x: np.ndarray, ref: np.ndarray) -> np.ndarray | None:
    if x.shape == ref.shape:
        return x
    if x.ndim == 4 and x.transpose(0, 2, 3, 1).shape == ref.shape:
        return x.transpose(0, 2, 3, 1)
    if x.size == ref.size:
        return x.reshape(ref.shape)
    return None


def compare(ref: dict[str, np.ndarray], other: dict[str, np.ndarray]) -> list[dict]:
    """Per layer in Keras's order: the largest absolute and relative differences."""
    rows = []
    for layer, r in ref.items():
        if layer not in other:
            continue
        x = _aligned(other[layer], r)
        if x is None:
            rows.append({"layer": layer, "error": f"shape {other[layer].shape} vs {r.shape}"})
            continue
        diff = float(np.abs(x.astype(np.float64) - r).max())
        scale = float(np.abs(r).max()) or 1.0
        rows.append({"layer": layer, "max_abs": diff, "max_rel": diff / scale})
    return rows


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] in ("keras", "pytorch"):
        (keras_layers if sys.argv[1] == "keras" else torch_layers)(*sys.argv[2:])
    else:
        sys.exit("usage: python -m specdsl.run.verify keras|pytorch SPEC WEIGHTS X.npy OUT.npz")
