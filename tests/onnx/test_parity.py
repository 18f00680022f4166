"""With the same weights and the same uint8 images, ONNX Runtime gives Keras's and PyTorch's
outputs within 1e-5 for every lecture spec (the images decoded and resized by specdsl run)."""

from __future__ import annotations

import numpy as np
import pytest

from specdsl.run.metadata import ModelInfo
from specdsl.run.predict import prepare
from tests.conftest import LECTURE_SPECS
from tests.onnx.frameworks import keras_outputs, onnx_outputs, torch_outputs

pytest.importorskip("keras", reason="Keras is not installed")
pytest.importorskip("torch", reason="PyTorch is not installed")

TOLERANCE = 1e-5


def real_images(shared_data, analysis) -> np.ndarray:
    """Real files as specdsl run prepares them: photos for RGB models, clothes for MNIST."""
    h, w, c = analysis.input_shape
    if c == 3:
        files = sorted((shared_data / "images").glob("*.jpg"))
    else:
        folder = shared_data / "tshirt_vs_shirt" / "test"
        files = [folder / "shirt" / "shirt.0.png", folder / "tshirt" / "tshirt.0.png"]
        files += sorted((shared_data / "images").glob("c*.jpg"))  # photos made gray, resized
    info = ModelInfo(h, w, c, (), None)
    return np.stack([prepare(str(f), info, uint8=True) for f in files])


@pytest.mark.parametrize("name", [p.stem for p in LECTURE_SPECS])
def test_onnx_equals_keras_and_pytorch(lecture_onnx, shared_data, name):
    exp = lecture_onnx[name]
    images = real_images(shared_data, exp.analysis)
    got = onnx_outputs(exp.path, images)
    keras = keras_outputs(exp.analysis, exp.tensors, images)
    torch = torch_outputs(exp.analysis, exp.tensors, images)
    assert got.shape == keras.shape == torch.shape == (len(images), *exp.analysis.output_shape)
    assert 0.02 < float(got.max()) and float(got.min()) < 0.98  # not saturated: a real check
    np.testing.assert_allclose(got, keras, rtol=0, atol=TOLERANCE, err_msg="ONNX vs Keras")
    np.testing.assert_allclose(got, torch, rtol=0, atol=TOLERANCE, err_msg="ONNX vs PyTorch")
