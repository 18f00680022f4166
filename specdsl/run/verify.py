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
    """(In the subprocess) every layer's Keras output, saved as ``out`` (.npz by layer name)."""
    import keras

    from specdsl.api import load
    from specdsl.backends.keras.runtime import build_keras_model, keras_layer, set_weights
    from specdsl.weights.files import read_weights

    a = load(spec)
    model = build_keras_model(a)
    set_weights(model, a, read_weights(Path(weights), a))
    names, outputs = [], []
    for info in _layer_infos(a):
        try:
            outputs.append(keras_layer(model, info).output)
            names.append(info.name)
        except (ValueError, AttributeError):
            continue  # a layer Keras does not keep (e.g. folded away)
    sub = keras.Model(model.inputs, outputs)
    got = sub(_framework_input(a, np.load(images)), training=False)
    np.savez(out, **{n: np.asarray(v) for n, v in zip(names, got, strict=True)})


def run_keras(spec: Path, weights: Path, images: np.ndarray) -> dict[str, np.ndarray]:
    with tempfile.TemporaryDirectory(prefix="specdsl-verify-") as tmp:
        np.save(Path(tmp) / "x.npy", images)
        out = Path(tmp) / "keras.npz"
        cmd = [sys.executable, "-m", "specdsl.run.verify", "keras", str(spec), str(weights)]
        res = subprocess.run(
            [*cmd, str(Path(tmp) / "x.npy"), str(out)], capture_output=True, text=True
        )
        if res.returncode:
            lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
            raise RuntimeError(f"Keras failed: {lines[-1] if lines else res.returncode}")
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
    if len(sys.argv) == 6 and sys.argv[1] == "keras":
        keras_layers(*sys.argv[2:])
    else:
        sys.exit("usage: python -m specdsl.run.verify keras SPEC WEIGHTS IMAGES.npy OUT.npz")
