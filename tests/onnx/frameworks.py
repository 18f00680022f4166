"""Run a spec's model in Keras and in PyTorch (the backends' own runtimes) and in ONNX Runtime,
all from the same canonical weights and the same uint8 images."""

from __future__ import annotations

import numpy as np

from specdsl.check.analysis import Analysis


def framework_input(analysis: Analysis, images: np.ndarray) -> np.ndarray:
    """What the Keras and PyTorch training pipelines feed: float pixels, / 255 when the
    model has no rescale/preprocess of its own (the ONNX graph does that division itself)."""
    x = images.astype(np.float32)
    return x / np.float32(255) if analysis.scales_inputs else x


def keras_outputs(analysis: Analysis, tensors, images: np.ndarray) -> np.ndarray:
    from specdsl.backends.keras.runtime import build_keras_model, set_weights

    model = build_keras_model(analysis)
    set_weights(model, analysis, tensors)
    return np.asarray(model(framework_input(analysis, images), training=False))


def torch_outputs(analysis: Analysis, tensors, images: np.ndarray) -> np.ndarray:
    import torch

    from specdsl.backends.pytorch.runtime import build_torch_model, set_weights

    model = build_torch_model(analysis)
    set_weights(model, analysis, tensors)
    x = torch.from_numpy(framework_input(analysis, images).transpose(0, 3, 1, 2).copy())
    with torch.no_grad():
        out = model(x).numpy()
    return out.transpose(0, 2, 3, 1) if out.ndim == 4 else out  # back to Keras's NHWC


def onnx_outputs(path, images: np.ndarray) -> np.ndarray:
    from tests.onnx.conftest import session

    return session(path).run(None, {"images": images})[0]
