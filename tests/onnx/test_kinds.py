"""Every layer kind and activation the ONNX backend converts, against Keras and PyTorch with
the same weights: 'same' padding with odd sizes, strides, average and global pooling, batch
norm, Dense on an image, the three preprocessing modes, every Keras activation."""

from __future__ import annotations

import numpy as np
import pytest

from specdsl.api import loads
from specdsl.ir.vocab import ACTIVATIONS
from tests.onnx.conftest import export_spec
from tests.onnx.frameworks import keras_outputs, onnx_outputs, torch_outputs

pytest.importorskip("keras", reason="Keras is not installed")
pytest.importorskip("torch", reason="PyTorch is not installed")

SPECS = {
    "padding_strides": """input 21x17x3
        rescale 1/127.5 offset=-1
        conv 6 k3 s2 same relu
        conv 5 k2x3 same elu
        pool 3 s2 same
        avgpool 2 same
        conv 4 k3 s2 valid nobias
        flatten
        dense 7 tanh
        dense 3 softmax""",
    "batchnorm_global": """input 15x15x3
        conv 8 k3 same
        bn
        activation relu
        avgpool 3 s2
        globalmaxpool
        dense 4 nobias
        bn
        dense 1 sigmoid""",
    "dense_on_image": """input 9x11x3
        rescale 1/255
        dense 5 relu
        conv 4 k3 same
        gap
        dense 2 softmax""",
    "depthwise": """input 13x11x3
        dwconv k3 s2 same depth_multiplier=2 relu6
        conv 4 k1
        dwconv k2x3 same nobias
        dwconv k3 s2
        flatten
        dense 3 softmax""",
    "separable": """input 13x11x3
        sepconv 5 k3 s2 same depth_multiplier=2 relu
        sepconv 4 k2x3 same nobias
        sepconv 3 k3 swish
        globalavgpool
        dense 3 softmax""",
    "zero_padding": """input 13x11x3
        zeropad 1
        conv 4 k3 s2 relu
        zeropad top=0 bottom=1 left=2 right=1
        avgpool 2
        zeropad 2x1
        pool 2
        flatten
        dense 3 softmax""",
    "graph_residual": """input 15x13x3
        stem: conv 6 k3 s2 same relu
        a: conv 6 k3 same relu
        b: conv 6 k3 same
        skip: add b, stem
        activation relu
        side: conv 4 k1 from stem
        joined: concat activation, side
        gate: conv 10 k1 sigmoid
        multiply joined, gate
        pool 2
        flatten
        dense 3 softmax""",
    "graph_from_input": """input 9x9x3
        rescale 1/255
        a: conv 4 k3 same
        b: conv 4 k1 from rescaling
        add a, b, a
        gap
        dense 2 softmax""",
    "graph_head_after_base": """input 32x32x3
        preprocess caffe
        base vgg16
        feat: gap
        a: dense 8 relu
        b: dense 8 tanh from feat
        concat a, b
        dense 3 softmax""",
    # graph bases (Keras's order of conv_base.layers differs from the written one) and blocks
    "base_resnet50": "input 32x32x3; preprocess caffe; base resnet50; gap; dense 3",
    "base_mobilenet_v2": "input 35x35x3; preprocess tf; base mobilenet_v2; gap; dense 3",
    "blocks": """input 12x12x3
        rescale 1/255
        block res(name, f, s=1):
          {name}_a: conv {f} k3 s{s} same relu
          {name}_b: conv {f} k3 same
          {name}_skip: conv {f} k1 s{s} from {in}
          {name}_add: add {name}_b, {name}_skip
        end
        for i in 1..2: res(r{i}, {4*i}, s={i})
        gap
        dense 3 softmax""",
    "preprocess_tf": "input 12x12x3; preprocess tf; conv 4 k3 relu; gap; dense 3 softmax",
    "preprocess_torch": "input 12x12x3; preprocess torch; conv 4 k3 relu; gmp; dense 3 softmax",
    "preprocess_caffe": "input 12x12x3; preprocess caffe; conv 4 k3 relu; flatten; dense 1 sigmoid",
}
for _act in ACTIVATIONS:
    SPECS[f"act_{_act}"] = f"input 6x5x2; rescale 1/64 offset=-2; conv 3 k3 same {_act}; gap"


def _fix_batchnorm(exp) -> None:
    """Non-trivial batch-norm statistics, so that inference normalization is checked."""
    rng = np.random.default_rng(7)
    for key in list(exp.tensors):
        if key.endswith(("/gamma", "/moving_variance")):
            exp.tensors[key] = rng.uniform(0.5, 2.0, exp.tensors[key].shape).astype(np.float32)
        elif key.endswith(("/beta", "/moving_mean")):
            exp.tensors[key] = rng.normal(0, 0.5, exp.tensors[key].shape).astype(np.float32)


@pytest.mark.parametrize("name", list(SPECS))
def test_kind_parity(tmp_path, name):
    from specdsl.backends.onnx import export

    analysis = loads(f"model {name}\n" + SPECS[name].replace("\n        ", "\n"))
    exp = export_spec(analysis, tmp_path)
    _fix_batchnorm(exp)
    export(analysis, exp.tensors, exp.path)
    h, w, c = analysis.input_shape
    images = np.random.default_rng(len(name)).integers(0, 256, (3, h, w, c), dtype=np.uint8)
    got = onnx_outputs(exp.path, images)
    keras = keras_outputs(analysis, exp.tensors, images)
    torch = torch_outputs(analysis, exp.tensors, images)
    assert got.shape == keras.shape == (3, *analysis.output_shape)
    scale = max(1.0, float(np.abs(keras).max()))  # exponential, selu... can grow large
    np.testing.assert_allclose(got, keras, rtol=0, atol=1e-5 * scale, err_msg="ONNX vs Keras")
    np.testing.assert_allclose(got, torch, rtol=0, atol=1e-5 * scale, err_msg="ONNX vs PyTorch")
