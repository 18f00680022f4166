"""``specdsl build --backend pytorch --weights W``: the package's model.pt is the state dict its
own model class loads, holding exactly W's weights; a spec without a loss gets no train.py."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from specdsl.api import load
from specdsl.weights import checkpoint
from specdsl.weights.checkpoint import random_weights
from tests.conftest import SPECS
from tests.pytorch.helpers import run_cli

torch = pytest.importorskip("torch")
from specdsl.backends.pytorch.layout import torch_to_canonical  # noqa: E402
from specdsl.backends.pytorch.model import model_class_name  # noqa: E402


def _package_model(folder, analysis):
    """A fresh model of the package's own model.py (imported from the file)."""
    spec = importlib.util.spec_from_file_location(f"pkg_{folder.name}", folder / "model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, model_class_name(analysis))()


def test_model_pt_holds_the_given_weights(tmp_path):
    a = load(SPECS / "mnist_convnet.spec")
    tensors = random_weights(a, seed=3)
    weights = checkpoint.save(tmp_path / "w.safetensors", tensors, a)
    out = tmp_path / "pkg"
    result = run_cli(
        "build", str(a.spec.source), "-b", "pytorch", "-o", str(out), "-w", str(weights)
    )
    assert result.returncode == 0, result.stderr
    assert (out / "model.pt").is_file() and (out / "train.py").is_file()
    net = _package_model(out, a)
    net.load_state_dict(torch.load(out / "model.pt", weights_only=True))
    back = torch_to_canonical(net.state_dict(), a)
    assert back.keys() == tensors.keys()
    for key, value in tensors.items():
        np.testing.assert_array_equal(back[key], value, err_msg=key)


def test_lite0_classifier_package_classifies_the_cat(tmp_path, shared_data):
    from PIL import Image

    pth = shared_data / "weights" / "efficientnet-lite0-57934424.pth"
    spec = SPECS / "efficientnet_lite0_imagenet.spec"
    out = tmp_path / "lite0"
    result = run_cli("build", str(spec), "-b", "pytorch", "-o", str(out), "--weights", str(pth))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "data.py",
        "efficientnet_lite0_imagenet.spec",
        "model.pt",
        "model.py",
    ]  # no loss in the spec: a model to run, so no train.py
    net = _package_model(out, load(spec))
    net.load_state_dict(torch.load(out / "model.pt", weights_only=True))
    net.eval()
    image = Image.open(shared_data / "images" / "chelsea.jpg").convert("RGB").resize((224, 224))
    x = torch.from_numpy(np.asarray(image, np.float32)).permute(2, 0, 1)[None]
    with torch.no_grad():
        probabilities = net(x)[0].numpy()
    classes = load(spec).spec.classes
    top5 = [classes[i] for i in np.argsort(probabilities)[::-1][:5]]
    assert {"tabby", "tiger cat", "Egyptian cat"} & set(top5), top5
