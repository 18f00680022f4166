"""A real ImageNet classifier end to end: EfficientNet-Lite0 written in the language
(specs/efficientnet_lite0_imagenet.spec), its efficientnet_pytorch weights mapped to the neutral
checkpoint, exported by ``specdsl export`` and run by ``specdsl run`` on real photos; Keras,
PyTorch and ONNX Runtime agree on the probabilities, and an independent forward pass written
here from efficientnet_pytorch's definition gives the same."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import numpy as np
import pytest

from specdsl.api import load
from specdsl.run.metadata import ModelInfo
from specdsl.run.predict import prepare
from specdsl.weights import efficientnet
from tests.conftest import ROOT, SPECS
from tests.onnx.frameworks import keras_outputs, onnx_outputs, torch_outputs

torch = pytest.importorskip("torch", reason="PyTorch is not installed (reads the .pth file)")

SPEC = SPECS / "efficientnet_lite0_imagenet.spec"
WEIGHTS = "weights/efficientnet-lite0-57934424.pth"
CATS = {"tabby", "tiger cat", "Egyptian cat"}
COFFEE = {"espresso", "cup"}
TOLERANCE = 1e-4


def specdsl(*args) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "specdsl", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300)


@pytest.fixture(scope="module")
def pth(shared_data):
    path = shared_data / WEIGHTS
    if not path.is_file():
        pytest.skip(f"the EfficientNet-Lite0 weights are not in the shared data ({WEIGHTS})")
    return path


@pytest.fixture(scope="module")
def analysis():
    return load(SPEC)


@pytest.fixture(scope="module")
def state(pth):
    return efficientnet.load_state_dict(pth)


@pytest.fixture(scope="module")
def exported(pth, tmp_path_factory):
    """``specdsl export`` of the spec with the real weights, once for the module."""
    out = tmp_path_factory.mktemp("lite0") / "lite0.onnx"
    res = specdsl("export", SPEC, "--weights", pth, "-o", out)
    assert res.returncode == 0, res.stderr
    return out


@pytest.fixture(scope="module")
def photos(shared_data, analysis):
    """The shared photos as specdsl run feeds them (decoded, resized to 224x224, uint8)."""
    files = sorted((shared_data / "images").glob("*.jpg"))
    info = ModelInfo(*analysis.input_shape, (), None)
    return files, np.stack([prepare(str(f), info, uint8=True) for f in files])


def test_spec_has_the_state_dicts_parameters_and_imagenet_labels(analysis, state):
    trained = sum(v.numel() for k, v in state.items() if not k.endswith("num_batches_tracked"))
    statistics = sum(v.numel() for k, v in state.items() if k.endswith(("_mean", "_var")))
    assert analysis.ok
    assert analysis.total_params == trained == 4_694_024  # the README's 4.69 M
    assert analysis.non_trainable_params == statistics == 42_016
    assert analysis.output_shape == (1000,) and len(state["_fc.bias"]) == 1000
    classes = analysis.spec.classes
    assert len(classes) == len(set(classes)) == 1000
    # the classifier's output order (torchvision's list, checked by the generator below)
    assert classes[0] == "tench" and classes[281:286] == (
        "tabby",
        "tiger cat",
        "Persian cat",
        "Siamese cat",
        "Egyptian cat",
    )
    assert classes[967:969] == ("espresso", "cup") and classes[999] == "toilet tissue"
    # 5 of the 16 blocks change shape; the other 11 (stride 1, same filters) add their input
    adds = [i.name for i in analysis.flat() if i.kind == "add"]  # inside the base
    assert len(adds) == 9 and "block2b_add" in adds and "block5a_add" not in adds


def test_generated_spec_is_up_to_date():
    # found, not imported: torchvision must not meet TensorFlow in one interpreter (it crashes),
    # so the generator that reads its labels runs in its own process
    if importlib.util.find_spec("torchvision") is None:
        pytest.skip("the generator reads torchvision's labels; torchvision is not installed")
    script = ROOT / "scripts" / "make_lite0_spec.py"
    res = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, timeout=120
    )
    assert res.returncode == 0, res.stdout + res.stderr


def test_name_map_covers_every_tensor(analysis, state):
    keys = efficientnet.key_map(analysis)
    tensors = [k for k in state if not k.endswith("num_batches_tracked")]  # 49 batch norms
    assert len(keys) == len(analysis.weights()) == len(tensors) == len(state) - 49
    assert set(keys.values()) == set(tensors)
    assert keys["stem_conv/kernel"] == "_conv_stem.weight"
    assert keys["block2b_dwconv/kernel"] == "_blocks.2._depthwise_conv.weight"
    assert keys["block7a_project_bn/moving_variance"] == "_blocks.15._bn2.running_var"
    assert keys["head_bn/gamma"] == "_bn1.weight" and keys["predictions/kernel"] == "_fc.weight"
    tensors = efficientnet.to_canonical(state, analysis)
    dw = state["_blocks.3._depthwise_conv.weight"].numpy()  # (144, 1, 5, 5)
    assert tensors["block3a_dwconv/kernel"].shape == (5, 5, 144, 1)
    np.testing.assert_array_equal(tensors["block3a_dwconv/kernel"][1, 4, 7, 0], dw[7, 0, 1, 4])
    np.testing.assert_array_equal(tensors["predictions/kernel"], state["_fc.weight"].numpy().T)


@pytest.mark.parametrize(
    "change, message",
    [
        ("missing", "missing '_blocks.3._bn1.running_var' (shape (144,)) for the model's "
         "'block3a_dwconv_bn/moving_variance'"),
        ("misshapen", "'_blocks.3._depthwise_conv.weight' has shape (144, 1, 3, 3), "
         "the model's 'block3a_dwconv/kernel' needs (144, 1, 5, 5)"),
        ("extra", "'_blocks.3._se_reduce.weight' has no layer in model"),
    ],
)  # fmt: skip
def test_a_state_dict_that_does_not_fit_is_one_line(analysis, state, change, message):
    bad = dict(state)
    if change == "missing":
        del bad["_blocks.3._bn1.running_var"]
    elif change == "misshapen":
        bad["_blocks.3._depthwise_conv.weight"] = np.zeros((144, 1, 3, 3), np.float32)
    else:
        bad["_blocks.3._se_reduce.weight"] = np.zeros((6, 144, 1, 1), np.float32)
    with pytest.raises(efficientnet.EfficientNetWeightsError) as e:
        efficientnet.to_canonical(bad, analysis, source="lite0.pth")
    assert str(e.value).startswith(f"lite0.pth: {message}")
    assert "\n" not in str(e.value)


def test_a_spec_layer_outside_the_map_is_one_line(state):
    from specdsl.api import loads

    other = loads("input 32x32x3\nstem_conv: conv 32 k3 s2 same nobias\nextra: conv 8 k1")
    with pytest.raises(efficientnet.EfficientNetWeightsError, match="layer 'extra' has no"):
        efficientnet.to_canonical(state, other)


def test_export_cli_names_the_misshapen_key_in_one_line(state, tmp_path):
    bad = dict(state)
    bad["_conv_head.weight"] = torch.zeros(1280, 320, 3, 3)
    path = tmp_path / "bad.pth"
    torch.save(bad, path)
    res = specdsl("export", SPEC, "--weights", path, "-o", tmp_path / "bad.onnx")
    assert res.returncode == 1
    assert res.stderr.strip().splitlines() == [
        f"error: {path}: '_conv_head.weight' has shape (1280, 320, 3, 3), "
        "the model's 'head_conv/kernel' needs (1280, 320, 1, 1)"
    ]
    assert not (tmp_path / "bad.onnx").exists()


def test_run_classifies_the_real_photos(exported, photos):
    files, _ = photos
    res = specdsl("run", exported, *files, "--top", "5", "--json")
    assert res.returncode == 0, res.stderr
    top5 = {
        r["path"].rsplit("/", 1)[-1]: [t["label"] for t in r["top"]]
        for r in json.loads(res.stdout)["results"]
    }
    assert top5["chelsea.jpg"][0] in CATS and len(CATS & set(top5["chelsea.jpg"])) >= 2
    assert top5["coffee.jpg"][0] in COFFEE and COFFEE <= set(top5["coffee.jpg"])


def test_keras_pytorch_and_onnx_agree_on_the_real_photos(exported, analysis, pth, photos):
    pytest.importorskip("keras", reason="Keras is not installed")
    from specdsl.weights.files import read_weights

    _, images = photos
    tensors = read_weights(pth, analysis)
    got = onnx_outputs(exported, images)
    keras = keras_outputs(analysis, tensors, images)
    pytorch = torch_outputs(analysis, tensors, images)
    assert got.shape == keras.shape == pytorch.shape == (len(images), 1000)
    assert float(got.max()) > 0.5  # confident on real photos: a real check
    np.testing.assert_allclose(got, keras, rtol=0, atol=TOLERANCE, err_msg="ONNX vs Keras")
    np.testing.assert_allclose(got, pytorch, rtol=0, atol=TOLERANCE, err_msg="ONNX vs PyTorch")


def reference_forward(state: dict, images: np.ndarray) -> np.ndarray:
    """EfficientNet-Lite0 as efficientnet_pytorch computes it, straight from its state dict:
    TF "same" padding (Conv2dStaticSamePadding), BN eps 1e-3, ReLU6, identity skip when the
    stride is 1 and the filters do not change. Independent of specdsl's spec and targets."""
    import torch.nn.functional as F

    def conv(x, w, stride=1, groups=1):
        k, size = w.shape[-1], x.shape[-1]
        pad = max((-(-size // stride) - 1) * stride + k - size, 0)
        x = F.pad(x, [pad // 2, pad - pad // 2, pad // 2, pad - pad // 2])
        return F.conv2d(x, w, stride=stride, groups=groups)

    def bn(x, p):
        args = [state[f"{p}.running_mean"], state[f"{p}.running_var"]]
        return F.batch_norm(x, *args, state[f"{p}.weight"], state[f"{p}.bias"], eps=1e-3)

    strides = {1: 2, 3: 2, 5: 2, 11: 2}  # the first block of stages 2, 3, 4 and 6
    x = (torch.from_numpy(images).float().permute(0, 3, 1, 2) - 127) / 128
    with torch.no_grad():
        x = F.relu6(bn(conv(x, state["_conv_stem.weight"], 2), "_bn0"))
        for i in range(16):
            b, inputs = f"_blocks.{i}", x
            if f"{b}._expand_conv.weight" in state:
                x = F.relu6(bn(conv(x, state[f"{b}._expand_conv.weight"]), f"{b}._bn0"))
            dw = state[f"{b}._depthwise_conv.weight"]
            x = F.relu6(bn(conv(x, dw, strides.get(i, 1), groups=dw.shape[0]), f"{b}._bn1"))
            x = bn(conv(x, state[f"{b}._project_conv.weight"]), f"{b}._bn2")
            if i not in strides and x.shape == inputs.shape:
                x = x + inputs
        x = F.relu6(bn(conv(x, state["_conv_head.weight"]), "_bn1")).mean((2, 3))
        return F.softmax(F.linear(x, state["_fc.weight"], state["_fc.bias"]), -1).numpy()


def test_onnx_equals_efficientnet_pytorchs_own_forward(exported, state, photos):
    _, images = photos
    np.testing.assert_allclose(
        onnx_outputs(exported, images), reference_forward(state, images), rtol=0, atol=TOLERANCE
    )


def test_the_zoo_base_is_written_with_blocks_and_is_the_classifiers_base(analysis):
    from specdsl.syntax.parse import load_zoo_spec

    zoo = load_zoo_spec("efficientnet_lite0")
    assert zoo.blocks and len(zoo.calls) == 12  # 9 calls and 3 letter loops (for x in b..c)
    assert analysis.base.name == "efficientnet_lite0" and analysis.base.params == 3_413_024
    names = [c.name for c in analysis.base.children]
    assert names[:4] == ["input_layer", "stem_conv", "stem_bn", "stem_relu"]
    assert names[-3:] == ["head_conv", "head_bn", "head_relu"]
    assert {"block4c_add", "block6d_add"} <= set(names) and "block7b_add" not in names


def test_a_lecture_spec_takes_the_base_weights_from_the_classifiers_file(pth, state):
    """The .pth holds the classifier; a lecture spec takes its base and leaves its top."""
    from specdsl.weights.efficientnet import key_map
    from specdsl.weights.files import WeightFileError, read_base_weights

    a = load(SPECS / "lite0_finetune.spec")
    got = read_base_weights(pth, a, "efficientnet_lite0")
    assert len(got) == 245 and "dense/kernel" not in got
    keys = key_map(a, "efficientnet_lite0")
    kernel = state[keys["block7a_project_conv/kernel"]].numpy()  # PyTorch's (O, I, 1, 1)
    np.testing.assert_array_equal(got["block7a_project_conv/kernel"][0, 0], kernel[:, :, 0, 0].T)
    with pytest.raises(WeightFileError, match="no such file"):
        read_base_weights(pth.parent / "missing.pth", a, "efficientnet_lite0")


def test_the_finetune_slice_leaves_block7a_and_the_head_convolutions_trainable():
    a = load(SPECS / "lite0_finetune.spec")
    trainable = [c.name for c in a.base.children if c.trainable and c.weights]
    assert trainable == [
        "block7a_expand_conv", "block7a_dwconv", "block7a_project_conv", "head_conv"
    ]  # fmt: skip
    assert [s.trainable_params for s in a.stages] == [328_193, 1_337_985]
