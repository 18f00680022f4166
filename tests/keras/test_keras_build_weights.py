"""``specdsl build --backend keras --weights W``: the package's model.weights.h5 is what its own
``build_model().load_weights`` reads, holding exactly W's weights; a spec without a loss gets
no train.py."""

from __future__ import annotations

import json

import numpy as np

from specdsl.api import load
from specdsl.weights import checkpoint
from specdsl.weights.checkpoint import random_weights
from tests.conftest import SPECS
from tests.keras.helpers import run_cli
from tests.pytorch.helpers import run_python


def test_model_weights_h5_holds_the_given_weights(tmp_path):
    a = load(SPECS / "mnist_convnet.spec")
    tensors = random_weights(a, seed=3)
    weights = checkpoint.save(tmp_path / "w.safetensors", tensors, a)
    np.savez(tmp_path / "expected.npz", **{k.replace("/", "__"): v for k, v in tensors.items()})
    out = tmp_path / "pkg"
    result = run_cli("build", str(a.spec.source), "-b", "keras", "-o", str(out), "-w", str(weights))
    assert result.returncode == 0, result.stderr
    assert (out / "model.weights.h5").is_file() and (out / "train.py").is_file()
    # the package on its own, as a user loads it: build_model() then load_weights
    report = run_python(
        f"""
        import json, sys
        import numpy as np
        sys.path.insert(0, {str(out)!r})
        from model import build_model
        from specdsl.api import load
        from specdsl.backends.keras.runtime import get_weights
        model = build_model()
        model.load_weights({str(out / "model.weights.h5")!r})
        got = get_weights(model, load({str(a.spec.source)!r}))
        expected = np.load({str(tmp_path / "expected.npz")!r})
        worst = max(
            float(np.abs(got[k] - expected[k.replace("/", "__")]).max()) for k in got
        )
        print(json.dumps({{"keys": sorted(got), "worst": worst}}))
        """
    )
    found = json.loads(report.splitlines()[-1])
    assert found["keys"] == sorted(tensors)
    assert found["worst"] == 0.0


def test_a_spec_without_loss_is_built_without_train_py(tmp_path):
    spec = tmp_path / "tiny.spec"
    spec.write_text("model tiny\ninput 8x8x1\nconv 2 k3 relu\nflatten\ndense 3 softmax\n")
    out = tmp_path / "pkg"
    result = run_cli("build", str(spec), "-b", "keras", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["model.py", "tiny.spec"]
