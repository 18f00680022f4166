"""``specdsl eval MODEL DIR``: accuracy, per-class precision and recall and the confusion matrix
on the real tshirt_vs_shirt test folder and on MNIST's idx files, checked against the model run
directly (``specdsl run`` for image files, ONNX Runtime on the idx arrays). Data that cannot be
evaluated is one clear line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from specdsl.api import loads
from tests.onnx.conftest import export_spec, session
from tests.onnx.test_quantize import one_error_line, specdsl, trained_mnist

SHIRTS = """model shirts
input 28x28x1
classes shirt tshirt
conv 8 k3 relu
pool 2
conv 16 k3 relu
flatten
dense 2 softmax
"""


@pytest.fixture(scope="module")
def shirts(tmp_path_factory) -> Path:
    """A two-class model with the folder's labels (seeded random weights)."""
    return export_spec(loads(SHIRTS), tmp_path_factory.mktemp("shirts"), seed=4).path


@pytest.fixture(scope="module")
def mnist(shared_data, tmp_path_factory) -> Path:
    return trained_mnist(shared_data, tmp_path_factory.getbasetemp())[1]


def eval_json(*args) -> dict:
    res = specdsl("eval", *args, "--json")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_folder_matches_run(shirts, shared_data, tmp_path):
    test = shared_data / "tshirt_vs_shirt" / "test"
    doc = eval_json(shirts, test, "--limit", "120", "--worst", "5")
    assert doc["images"] == 120 and doc["labels"] == ["shirt", "tshirt"]
    # the same images, classified by specdsl run: eval's counts follow from its labels
    picked = sorted({w["path"] for w in doc["worst"]})
    assert all(Path(p).parent.name in ("shirt", "tshirt") for p in picked)
    from specdsl.run.evaluate import evenly

    files = sorted((test / "shirt").glob("*.png")) + sorted((test / "tshirt").glob("*.png"))
    files = [files[i] for i in evenly(len(files), 120)]
    res = specdsl("run", shirts, *files, "--json", "--top", "2")
    assert res.returncode == 0, res.stderr
    results = json.loads(res.stdout)["results"]
    truth = [f.parent.name for f in files]
    said = [r["label"] for r in results]
    pairs = list(zip(truth, said, strict=True))
    confusion = [[pairs.count((a, b)) for b in doc["labels"]] for a in doc["labels"]]
    assert doc["confusion"] == confusion
    assert doc["correct"] == sum(t == s for t, s in zip(truth, said, strict=True))
    assert doc["accuracy"] == pytest.approx(doc["correct"] / 120)
    for k, c in enumerate(doc["classes"]):
        column = sum(row[k] for row in confusion)
        assert c["support"] == sum(confusion[k]) == 60
        assert c["recall"] == pytest.approx(confusion[k][k] / 60)
        assert c["precision"] == (pytest.approx(confusion[k][k] / column) if column else None)
    # worst: lowest probability of the true class first, as run computed it
    p_true = {r["path"]: dict((t["label"], t["probability"]) for t in r["top"])[t_]
              for r, t_ in zip(results, truth, strict=True)}  # fmt: skip
    worst = [w["probability_true"] for w in doc["worst"]]
    assert worst == sorted(worst) and len(worst) == 5
    assert worst[0] == pytest.approx(min(p_true.values()), abs=1e-6)


def test_mnist_matches_onnx_runtime(mnist, shared_data, tmp_path):
    from specdsl.data.mnist import read_idx
    from specdsl.run.evaluate import evenly

    plot = tmp_path / "cm.png"
    res = specdsl("eval", mnist, shared_data / "mnist", "--limit", "1000", "--plot", plot)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    accuracy = float(lines[1].split()[1])
    x = read_idx(shared_data / "mnist" / "t10k-images-idx3-ubyte.gz")
    y = read_idx(shared_data / "mnist" / "t10k-labels-idx1-ubyte.gz")
    keep = evenly(len(x), 1000)
    probs = session(mnist).run(None, {"images": x[keep][..., None]})[0]
    want = float((probs.argmax(axis=1) == y[keep]).mean())
    assert accuracy == pytest.approx(want, abs=5e-5)
    assert want > 0.6  # a real (if short) training
    assert "confusion matrix" in res.stdout and len(lines) > 20
    from PIL import Image

    with Image.open(plot) as im:
        assert im.format == "PNG" and im.width > 200 and im.height > 200


def test_bad_image_is_reported_and_the_rest_evaluated(shirts, shared_data, tmp_path):
    import shutil

    data = tmp_path / "data"
    for label in ("shirt", "tshirt"):
        (data / label).mkdir(parents=True)
        for i in range(3):
            src = shared_data / "tshirt_vs_shirt" / "test" / label / f"{label}.{i}.png"
            shutil.copy(src, data / label)
    (data / "tshirt" / "broken.png").write_bytes(b"not a png")
    res = specdsl("eval", shirts, data, "--json")
    assert res.returncode == 1
    assert json.loads(res.stdout)["images"] == 6
    assert "broken.png" in res.stderr and "Traceback" not in res.stderr


@pytest.mark.parametrize(
    "which, expected",
    [
        ("labels", "match no label of the model"),
        ("empty", "no images in its class folders"),
        ("splits", "give "),
        ("missing", "no such folder"),
        ("loose", "no class subfolders"),
    ],
)
def test_unusable_data_is_one_line(which, expected, mnist, shared_data, tmp_path):
    data = {
        "labels": shared_data / "tshirt_vs_shirt" / "test",  # shirt/tshirt vs digits
        "empty": tmp_path,
        "splits": shared_data / "tshirt_vs_shirt",
        "missing": tmp_path / "nothing",
        "loose": shared_data / "images",
    }[which]
    if which == "empty":
        for d in "0129":
            (tmp_path / d).mkdir()
    res = specdsl("eval", mnist, data)
    assert res.returncode == 1
    assert expected in one_error_line(res)
    assert res.stdout == ""


def test_metrics_by_hand():
    from specdsl.run.evaluate import Predictions, metrics

    probs = np.array([[0.9, 0.1, 0], [0.2, 0.7, 0.1], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8]])
    p = Predictions(("a", "b", "c"), probs, np.array([0, 1, 1, 2]), ["w", "x", "y", "z"], [])
    m = metrics(p, worst=2)
    assert m.confusion.tolist() == [[1, 0, 0], [1, 1, 0], [0, 0, 1]]
    assert m.accuracy == 0.75
    assert m.precision == [0.5, 1.0, 1.0] and m.recall == [1.0, 0.5, 1.0]
    assert [w[0] for w in m.worst] == ["y", "x"]  # p(true) 0.3, then 0.7
