"""The emitted data.py: image reading and resizing as Keras, augmentation with Keras's
meanings (both measured by keras_checks.py), MNIST, limits, classes and sharding."""

from __future__ import annotations

import json

from tests.conftest import ROOT
from tests.pytorch.helpers import run_cli, run_python


def test_png_is_read_and_resized_exactly_as_keras(keras_checks):
    """A 28x28 grayscale PNG -> 180x180x3: same bilinear resize, no antialiasing or crop."""
    shape, max_diff, _ = keras_checks["read/png"]
    assert shape == [180, 180, 3] and max_diff < 1e-3


def test_jpeg_differs_only_by_the_decoder(keras_checks):
    """A 451x300 photo -> 180x180x3. TensorFlow decodes JPEG with the fast integer IDCT,
    Pillow with the accurate one: about one grey level on average."""
    shape, _, mean_diff = keras_checks["read/jpg"]
    assert shape == [180, 180, 3] and mean_diff < 1.5


def test_augmentation_has_keras_meanings(keras_checks):
    """rotate 0.1 at the ends of its range is Keras's RandomRotation at +-36 degrees; zoom 0.2
    is Keras's RandomZoom at 1.2 (out) and 0.8 (in): bilinear, 'reflect' fill, 0..255."""
    assert keras_checks["flip"] == ["RandomHorizontalFlip", 0.5]
    for name in ("KerasRandomRotation", "KerasRandomZoom"):
        for end in ("high", "low"):
            diff, moved = keras_checks[f"{name}/{end}"]
            assert moved > 5, (name, end)  # the image did change...
            assert diff < 0.01, (name, end, diff)  # ...exactly as Keras changed it


def build(spec: str, out):
    result = run_cli("build", str(ROOT / "specs" / spec), "--backend", "pytorch", "-o", str(out))
    assert result.returncode == 0, result.stderr
    return out


def test_mnist_and_image_folders(shared_data, tmp_path):
    """MNIST splits and scaling, --limit, the spec's classes, and the samplers' shards."""
    mnist_pkg = build("mnist_convnet.spec", tmp_path / "mnist")
    folder_pkg = build("dogs_cats_scratch.spec", tmp_path / "folder")
    out = run_python(
        f"""
        import importlib.util, json
        from specdsl.data import DataError

        def emitted(path, name):
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module

        r = {{}}
        data = emitted({str(mnist_pkg / "data.py")!r}, "mnist_data")
        mnist = {str(shared_data / "mnist")!r}
        plain = data.load_datasets(mnist)
        held = data.load_datasets(mnist, limit=500, validation=True)
        x, y = plain["train"].x, plain["train"].y
        r["splits"] = sorted(plain)
        r["held"] = {{k: len(v) for k, v in held.items()}}
        r["x"] = [list(x.shape), str(x.dtype), float(x.max()), float(x.mean()), str(y.dtype)]
        loader = data.make_loader(plain["test"], 64, train=False, rank=1, world=2)
        r["rank1_test"] = sum(len(b[1]) for b in loader)
        train = data.make_loader(held["train"], 100, train=True, rank=0, world=2, seed=3)
        train.set_epoch(0)
        first = [b[1].tolist() for b in train]
        train.set_epoch(1)
        r["batches"], r["reshuffled"] = len(first), first != [b[1].tolist() for b in train]

        data = emitted({str(folder_pkg / "data.py")!r}, "folder_data")
        root = {str(shared_data / "tshirt_vs_shirt")!r}
        try:
            data.load_datasets(root, limit=4)
        except DataError as e:
            r["error"] = str(e)
        data.CLASSES = ("shirt", "tshirt")
        sets = data.load_datasets(root, limit=10)
        r["labels"] = {{k: sorted(label for _, label in v.items) for k, v in sets.items()}}
        image, label = sets["train"][0]
        r["image"] = [list(image.shape), float(image.max())]
        print(json.dumps(r))
        """
    )
    r = json.loads(out.strip().splitlines()[-1])
    assert r["splits"] == ["test", "train"]  # no validation split unless a val_* monitor
    assert r["held"] == {"train": 500, "validation": 500, "test": 500}
    shape, dtype, top, mean, labels = r["x"]
    assert shape == [60000, 1, 28, 28] and dtype == "torch.float32" and labels == "torch.int64"
    assert top == 1.0 and abs(mean * 255 - 33.318) < 0.01  # pixels / 255, as Listing 8.3
    assert r["rank1_test"] == 5000  # rank 1 of 2 sees every other test image, no padding
    assert r["batches"] == 3 and r["reshuffled"]  # 250 of 500 per rank, batches of 100
    assert "do not match the spec's classes ['cat', 'dog']" in r["error"]
    for split in ("train", "validation", "test"):
        assert r["labels"][split] == [0] * 5 + [1] * 5  # --limit takes every class evenly
    assert r["image"][0] == [3, 180, 180] and r["image"][1] > 1  # 0..255: the model rescales
