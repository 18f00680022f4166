"""specdsl.backends.pytorch.layout: names, both directions of the conversion, precise errors."""

from __future__ import annotations

import numpy as np
import pytest

from specdsl.api import load, loads
from specdsl.backends.pytorch.layout import (
    RESERVED,
    TorchLayoutError,
    canonical_to_torch,
    flatten_orders,
    key_map,
    module_names,
    torch_to_canonical,
)
from specdsl.weights.checkpoint import CheckpointError, random_weights
from tests.conftest import ROOT
from tests.pytorch.helpers import ALL_SPECS, spec_id


@pytest.mark.parametrize("path", ALL_SPECS, ids=spec_id)
def test_round_trip_is_exact(path):
    a = load(path)
    weights = random_weights(a, seed=4)
    state = canonical_to_torch(weights, a)
    back = torch_to_canonical(state, a)
    assert list(back) == [k for k, _, _ in a.weights()]
    for key, value in weights.items():
        np.testing.assert_array_equal(back[key], value)


def test_vgg16_keys_and_layouts():
    a = load(ROOT / "specs" / "vgg16_finetune.spec")
    keys = key_map(a)
    assert keys["block1_conv1/kernel"] == "vgg16.block1_conv1.weight"
    assert keys["dense_1/bias"] == "dense_1.bias"
    w = random_weights(a)
    state = canonical_to_torch(w, a)
    assert state["vgg16.block1_conv1.weight"].shape == (64, 3, 3, 3)  # OIHW from HWIO
    np.testing.assert_array_equal(
        state["vgg16.block1_conv1.weight"][5, 2], w["block1_conv1/kernel"][:, :, 2, 5]
    )
    assert state["dense.weight"].shape == (256, 12800)


def test_first_dense_after_flatten_gets_its_rows_reordered():
    """Canonical row (h, w, c) of the 3x3x128 MNIST map is PyTorch column c*9 + h*3 + w."""
    a = load(ROOT / "specs" / "mnist_convnet.spec")
    w = random_weights(a)
    torch_w = canonical_to_torch(w, a)["dense.weight"]
    kernel = w["dense/kernel"]
    for h, x, c in [(0, 0, 0), (2, 1, 7), (1, 2, 127)]:
        np.testing.assert_array_equal(torch_w[:, c * 9 + h * 3 + x], kernel[(h * 3 + x) * 128 + c])
    assert set(flatten_orders(a)) == {"dense"}


def test_order_reaches_batchnorm_after_flatten_and_stops_at_dense():
    a = load(ROOT / "tests" / "pytorch" / "specs" / "flatten_bn.spec")
    orders = flatten_orders(a)
    assert set(orders) == {"batch_normalization_1", "dense"}  # not dense_1, not the conv's BN
    w = random_weights(a, seed=1)
    w["batch_normalization_1/gamma"] = np.arange(120, dtype=np.float32)
    state = canonical_to_torch(w, a)
    # the map is 5x4x6: PyTorch feature c*20 + h*4 + x is Keras feature (h*4 + x)*6 + c
    assert state["batch_normalization_1.weight"][1 * 20 + 2 * 4 + 3] == (2 * 4 + 3) * 6 + 1
    assert state["batch_normalization_1.num_batches_tracked"].dtype == np.int64


def test_ddp_prefix_and_tensors_are_accepted():
    torch = pytest.importorskip("torch")
    a = load(ROOT / "specs" / "mnist_convnet.spec")
    w = random_weights(a)
    state = {f"module.{k}": torch.from_numpy(v) for k, v in canonical_to_torch(w, a).items()}
    back = torch_to_canonical(state, a)
    np.testing.assert_array_equal(back["dense/kernel"], w["dense/kernel"])


def test_missing_and_misshaped_keys_are_named():
    a = load(ROOT / "specs" / "mnist_convnet.spec")
    w = random_weights(a)
    del w["conv2d_1/bias"]
    with pytest.raises(TorchLayoutError, match=r"missing weight 'conv2d_1/bias' \(shape \(64,\)\)"):
        canonical_to_torch(w, a, source="w.safetensors")
    state = canonical_to_torch(random_weights(a), a)
    del state["dense.weight"]
    with pytest.raises(CheckpointError, match=r"missing 'dense.weight' \(canonical 'dense/kernel'"):
        torch_to_canonical(state, a)
    state = canonical_to_torch(random_weights(a), a)
    state["conv2d.weight"] = state["conv2d.weight"][:, :, :2]
    with pytest.raises(TorchLayoutError, match=r"'conv2d.weight' has shape \(32, 1, 2, 3\)"):
        torch_to_canonical(state, a)


def test_reserved_names_cover_nn_module():
    torch = pytest.importorskip("torch")
    attributes = {n for n in dir(torch.nn.Module) if not n.startswith("_")}
    assert attributes <= RESERVED, sorted(attributes - RESERVED)


def test_layer_names_that_would_clash_become_safe_attributes():
    a = loads(
        "model clash\ninput 8x8x1\ntraining: conv 2 k3\neval: conv 2 k3\n"
        "training_layer: conv 2 k3\nflatten\nforward: dense 1\n",
    )
    names = module_names(a)
    assert names["training"] == "training_layer"
    assert names["eval"] == "eval_layer"
    assert names["training_layer"] == "training_layer_"
    assert names["forward"] == "forward_layer"
