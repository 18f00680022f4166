"""The lecture's worked example (sections 1.2-1.3): a 6x6 binary image, two given 3x3
filters, 2x2 max-pooling, flatten. ONNX Runtime, Keras and PyTorch give exactly the lecture's
feature maps, pooled maps and flattened values."""

from __future__ import annotations

import numpy as np
import pytest

from specdsl.api import loads
from tests.onnx.conftest import export_spec
from tests.onnx.frameworks import keras_outputs, onnx_outputs, torch_outputs

IMAGE = ["110000", "110111", "010000", "001101", "010010", "100101"]
FILTER_1 = [[-1, -1, -1], [1, 1, 1], [-1, -1, -1]]
FILTER_2 = [[-1, -1, 1], [-1, 1, -1], [1, -1, -1]]
MAP_1 = [[-1, 0, 2, 3], [-2, -3, -4, -5], [-1, 0, 1, 1], [-1, -2, -2, -3]]
MAP_2 = [[-3, -2, 0, -1], [-2, -3, 0, -1], [-3, 0, -1, -3], [3, -2, -4, 1]]
POOLED_1 = [[0, 3], [0, 1]]
POOLED_2 = [[-2, 0], [3, 1]]

SPECS = {
    "feature_maps": "input 6x6x1; conv 2 k3 nobias",
    "pooled": "input 6x6x1; conv 2 k3 nobias; pool 2",
    "flattened": "input 6x6x1; conv 2 k3 nobias; pool 2; flatten",
}


def expected(which: str) -> np.ndarray:
    if which == "feature_maps":
        maps = np.stack([MAP_1, MAP_2], axis=-1)  # H, W, C as Keras
    else:
        maps = np.stack([POOLED_1, POOLED_2], axis=-1)
    return maps.reshape(-1) if which == "flattened" else maps  # Keras flattens H, W, C


def image_uint8() -> np.ndarray:
    """The binary image as a black-and-white picture (0 / 255): the graph divides by 255, as
    the training pipelines do for a model without rescaling, so the conv sees 0 / 1."""
    bits = np.array([[int(ch) for ch in row] for row in IMAGE], np.uint8)
    return (bits * 255)[None, :, :, None]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    out = tmp_path_factory.mktemp("lecture_example")
    kernel = np.stack([FILTER_1, FILTER_2], axis=-1).astype(np.float32)[:, :, None, :]  # HWIO
    made = {}
    for which, text in SPECS.items():
        exp = export_spec(loads(f"model {which}; {text}"), out)
        exp.tensors["conv2d/kernel"] = kernel
        from specdsl.backends.onnx import export

        export(exp.analysis, exp.tensors, exp.path)
        made[which] = exp
    return made


@pytest.mark.parametrize("which", list(SPECS))
def test_onnx_runtime(models, which):
    got = onnx_outputs(models[which].path, image_uint8())[0]
    np.testing.assert_array_equal(got, expected(which))


@pytest.mark.parametrize("which", list(SPECS))
def test_keras(models, which):
    pytest.importorskip("keras", reason="Keras is not installed")
    exp = models[which]
    got = keras_outputs(exp.analysis, exp.tensors, image_uint8())[0]
    np.testing.assert_array_equal(got, expected(which))


@pytest.mark.parametrize("which", list(SPECS))
def test_pytorch(models, which):
    pytest.importorskip("torch", reason="PyTorch is not installed")
    exp = models[which]
    got = torch_outputs(exp.analysis, exp.tensors, image_uint8())[0]
    want = expected(which)
    if which == "flattened":  # nn.Flatten takes C, H, W order (the next Dense's rows adapt)
        want = expected("pooled").transpose(2, 0, 1).reshape(-1)
    np.testing.assert_array_equal(got, want)
