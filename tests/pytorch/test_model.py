"""The emitted nn.Module: parameter counts and output shapes equal `specdsl summary`."""

from __future__ import annotations

import json

import numpy as np
import pytest

from specdsl.api import load, loads
from specdsl.backends.pytorch.layout import module_names
from specdsl.weights.checkpoint import random_weights
from tests.conftest import ROOT
from tests.pytorch.helpers import ALL_SPECS, run_cli, spec_id

torch = pytest.importorskip("torch")
from specdsl.backends.pytorch.runtime import (  # noqa: E402
    build_torch_model,
    get_weights,
    set_weights,
)

KERAS_COUNTS = {  # the lecture's numbers (total, trainable)
    "mnist_convnet": (104_202, 104_202),
    "dogs_cats_scratch": (991_041, 991_041),
    "dogs_cats_aug": (991_041, 991_041),
    "vgg16_features_aug": (17_992_001, 3_277_313),
    "vgg16_finetune": (17_992_001, 10_356_737),
}


def _nhwc(shape) -> tuple[int, ...]:
    return (shape[2], shape[3], shape[1]) if len(shape) == 4 else tuple(shape[1:])


@pytest.mark.parametrize("path", ALL_SPECS, ids=spec_id)
def test_params_and_shapes_equal_the_summary(path):
    a = load(path)
    model = build_torch_model(a)
    stats = sum(b.numel() for n, b in model.named_buffers() if n.endswith(("_mean", "_var")))
    assert sum(p.numel() for p in model.parameters()) + stats == a.total_params
    if path.stem in KERAS_COUNTS:
        assert a.total_params == KERAS_COUNTS[path.stem][0]
    names = module_names(a)
    seen: dict[str, tuple[int, ...]] = {}
    for info in a.flat():
        if info.name in names and info.kind not in ("input",):
            try:
                module = model.get_submodule(names[info.name])
            except AttributeError:
                continue  # inline operations (rescale, preprocess, global pooling)
            # a Dense on a feature map works on NHWC (it acts on the channels, as Keras's)
            nhwc = info.kind == "dense" and len(info.input_shape) == 3
            module.register_forward_hook(
                lambda m, i, o, name=info.name, nhwc=nhwc: seen.__setitem__(
                    name, tuple(o.shape[1:]) if nhwc else _nhwc(o.shape)
                )
            )
    h, w, c = a.input_shape
    with torch.no_grad():
        out = model(torch.rand(1, c, h, w))
    assert _nhwc(out.shape) == tuple(a.output_shape)
    for info in a.flat():
        if info.name in seen:
            assert seen[info.name] == tuple(info.output_shape), info.name
    assert seen, "no layer was checked"


def test_summary_json_agrees(tmp_path):
    result = run_cli("summary", str(ROOT / "specs" / "vgg16_finetune.spec"), "--format", "json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    model = build_torch_model(load(ROOT / "specs" / "vgg16_finetune.spec"))
    assert sum(p.numel() for p in model.parameters()) == summary["total_params"]


def test_weights_go_in_and_out_unchanged():
    a = load(ROOT / "specs" / "vgg16_features_aug.spec")
    model = build_torch_model(a)
    w = random_weights(a, seed=9)
    set_weights(model, a, w)
    back = get_weights(model, a)
    assert all(np.array_equal(back[k], w[k]) for k in w)


def test_keras_initializers():
    a = load(ROOT / "specs" / "dogs_cats_scratch.spec")
    torch.manual_seed(0)
    model = build_torch_model(a)
    weight = model.dense.weight.detach()  # Glorot-uniform: limit sqrt(6 / (fan_in + fan_out))
    limit = (6 / (12544 + 1)) ** 0.5
    assert float(weight.abs().max()) <= limit and float(weight.abs().max()) > 0.9 * limit
    assert float(model.conv2d.bias.detach().abs().max()) == 0.0


def test_frozen_batchnorm_stays_in_inference_mode():
    a = load(ROOT / "tests" / "pytorch" / "specs" / "flatten_bn.spec")
    model = build_torch_model(a)
    bn = model.batch_normalization
    for p in bn.parameters():
        p.requires_grad_(False)
    model.train()
    assert not bn.training and model.batch_normalization_1.training
    before = bn.running_mean.clone()
    model(torch.rand(4, 2, 13, 11) * 255)
    assert torch.equal(bn.running_mean, before)
    assert model.dropout.training


def test_layer_names_that_clash_with_nn_module_still_run():
    a = loads(
        "model clash\ninput 8x8x1\ntraining: conv 2 k3\neval: conv 2 k3 same\n"
        "flatten\nforward: dense 3 softmax\n"
    )
    model = build_torch_model(a)
    out = model(torch.rand(1, 1, 8, 8))
    assert out.shape == (1, 3) and model.training is False
    assert isinstance(model.training_layer, torch.nn.Conv2d)
