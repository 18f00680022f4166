"""Run once per test session in its own interpreter: the emitted PyTorch code beside Keras.

torchvision (and torch's optimizers, through torch._dynamo and triton) must be imported
before TensorFlow in this environment, so these comparisons cannot run inside a pytest
process that already imported Keras. Usage: ``python -m tests.pytorch.keras_checks CONFIG``
where CONFIG is a JSON file naming two built packages and the images; prints one JSON object.
"""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path

import numpy as np
import torch
import torchvision.transforms.v2  # noqa: F401  (before TensorFlow, which keras imports)

from specdsl.backends.source import pick

F = torch.nn.functional


def emitted_data_module(package: str, name: str):
    spec = importlib.util.spec_from_file_location(name, Path(package) / "data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reading(config, out):
    """ImageFiles against keras.utils.image_dataset_from_directory (PNG and JPEG)."""
    import keras

    data = emitted_data_module(config["scratch"], "data_scratch")
    root = Path(config["images"])
    items = [(p, i) for i, d in enumerate("ab") for p in sorted((root / d).iterdir())]
    ours = data.ImageFiles(items)
    theirs = keras.utils.image_dataset_from_directory(
        root, image_size=(180, 180), shuffle=False, batch_size=8
    )
    k = next(iter(theirs))[0].numpy()
    for i, (path, _) in enumerate(items):
        t = ours[i][0].permute(1, 2, 0).numpy()
        diff = np.abs(k[i] - t)
        out[f"read/{path.suffix[1:]}"] = [list(t.shape), float(diff.max()), float(diff.mean())]


def augmentation(config, out):
    """rotate 0.1 / zoom 0.2 at the ends of their ranges against Keras's layers."""
    import keras
    from PIL import Image

    data = emitted_data_module(config["aug"], "data_aug")
    img = Image.open(config["photo"]).convert("RGB").resize((64, 48))
    img = np.asarray(img, dtype=np.float32)
    x = torch.from_numpy(img).permute(2, 0, 1).contiguous()
    flip, rotate, zoom = data.train_augmentation().transforms
    out["flip"] = [type(flip).__name__, flip.p]
    cases = {
        "high": [(rotate, keras.layers.RandomRotation((0.1, 0.1))),
                 (zoom, keras.layers.RandomZoom((0.2, 0.2)))],
        "low": [(rotate, keras.layers.RandomRotation((-0.1, -0.1))),
                (zoom, keras.layers.RandomZoom((-0.2, -0.2)))],
    }  # fmt: skip
    for end, pairs in cases.items():
        data.uniform = lambda lo, hi, end=end: hi if end == "high" else lo
        for ours, layer in pairs:
            t = ours(x).permute(1, 2, 0).numpy()
            k = np.asarray(layer(img[None], training=True))[0]
            out[f"{type(ours).__name__}/{end}"] = [
                float(np.abs(k - t).max()),
                float(np.abs(t - img).mean()),
            ]


def definitions(module, *names):
    """train.py's definitions, executed as train.py holds them."""
    namespace = {"torch": torch, "F": F, "math": math, "nn": torch.nn}
    exec("\n\n".join(pick("pytorch", module, names)), namespace)
    return namespace


def run_steps(make_torch, keras_optimizer, steps=5):
    import keras

    rng = np.random.default_rng(0)
    w0 = rng.normal(size=(4, 3)).astype(np.float32)
    grads = [rng.normal(size=(4, 3)).astype(np.float32) * 10 ** (k % 3 - 1) for k in range(steps)]
    p = torch.nn.Parameter(torch.from_numpy(w0.copy()))
    opt = make_torch([p])
    v = keras.Variable(w0.copy())
    for g in grads:
        p.grad = torch.from_numpy(g)
        opt.step()
        keras_optimizer.apply_gradients([(keras.ops.convert_to_tensor(g), v)])
    ours, theirs = p.detach().numpy(), np.asarray(v)
    return [float(np.abs(ours - theirs).max()), float(np.abs(ours - w0).max())]


def optimizers(out):
    import keras

    ns = definitions("optimizers", "KerasRMSprop", "KerasAdam")
    out["rmsprop"] = run_steps(
        lambda ps: ns["KerasRMSprop"](ps, lr=1e-3), keras.optimizers.RMSprop(learning_rate=1e-3)
    )
    out["adam"] = run_steps(
        lambda ps: ns["KerasAdam"](ps, lr=1e-2), keras.optimizers.Adam(learning_rate=1e-2)
    )
    out["adamw"] = run_steps(
        lambda ps: ns["KerasAdam"](ps, lr=1e-2, weight_decay=0.004),
        keras.optimizers.AdamW(learning_rate=1e-2, weight_decay=0.004),
    )
    # PyTorch's own RMSprop puts eps outside the square root
    p, q = torch.nn.Parameter(torch.zeros(3)), torch.nn.Parameter(torch.zeros(3))
    torch_rms = torch.optim.RMSprop([p], lr=1e-3, alpha=0.9, eps=1e-7)
    ours = ns["KerasRMSprop"]([q], lr=1e-3)
    p.grad, q.grad = torch.full((3,), 1e-4), torch.full((3,), 1e-4)
    torch_rms.step()
    ours.step()
    out["first_step"] = {"torch": float(p[0]), "ours": float(q[0])}


def losses(out):
    import keras

    ns = definitions(
        "losses",
        "loss__binary_crossentropy__logits",
        "loss__binary_crossentropy__probs",
        "loss__sparse_categorical_crossentropy__logits",
        "loss__sparse_categorical_crossentropy__probs",
        "correct__binary__logits",
        "correct__categorical",
    )
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(8, 1)).astype(np.float32) * 3
    y = rng.integers(0, 2, size=(8,))
    probs = 1 / (1 + np.exp(-logits))
    t_logits, t_probs, t_y = torch.from_numpy(logits), torch.from_numpy(probs), torch.tensor(y)
    acc = keras.metrics.BinaryAccuracy()
    acc.update_state(y.reshape(-1, 1), probs)
    out["bce"] = {
        "keras": float(keras.losses.BinaryCrossentropy()(y.reshape(-1, 1), probs)),
        "logits": float(ns["loss__binary_crossentropy__logits"](t_logits, t_y)),
        "probs": float(ns["loss__binary_crossentropy__probs"](t_probs, t_y)),
        "keras_accuracy": float(acc.result()),
        "accuracy": int(ns["correct__binary__logits"](t_logits, t_y)) / 8,
    }
    logits = rng.normal(size=(8, 10)).astype(np.float32) * 3
    y = rng.integers(0, 10, size=(8,))
    t_logits, t_y = torch.from_numpy(logits), torch.tensor(y)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    out["scce"] = {
        "keras": float(loss(y, logits)),
        "logits": float(ns["loss__sparse_categorical_crossentropy__logits"](t_logits, t_y)),
        "probs": float(
            ns["loss__sparse_categorical_crossentropy__probs"](t_logits.softmax(-1), t_y)
        ),
        "keras_accuracy": float((logits.argmax(-1) == y).mean()),
        "accuracy": int(ns["correct__categorical"](t_logits, t_y)) / 8,
    }


if __name__ == "__main__":
    settings = json.loads(Path(sys.argv[1]).read_text())
    results: dict = {}
    reading(settings, results)
    augmentation(settings, results)
    optimizers(results)
    losses(results)
    print(json.dumps(results))
