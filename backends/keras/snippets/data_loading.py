"""train.py's data: image folders (image_dataset_from_directory) and MNIST arrays.

The constants and definitions before COLOR_MODES are placeholders for what train.py
defines elsewhere."""

import shutil
from dataclasses import dataclass
from pathlib import Path

import keras

from specdsl.data import detect
from specdsl.data.folders import check_classes, scan_image_folder
from specdsl.data.mnist import load_mnist

SPEC_FILE = "model.spec"
INPUT_SHAPE = (28, 28, 1)
CLASSES = []
NUM_CLASSES = 10
LOSS = "sparse_categorical_crossentropy"
MONITOR = "val_loss"
SCALE_INPUTS = True
PREVIEW = 8
TrainError = Exception


def preview_files(items, count: int):
    return None


COLOR_MODES = {1: "grayscale", 3: "rgb", 4: "rgba"}
LABEL_MODES = {"binary_crossentropy": "binary", "categorical_crossentropy": "categorical"}


@dataclass
class Data:
    """Each split: a tf.data dataset (image folder) or a pair of arrays (MNIST); or None.

    ``preview``: a few training images as arrays (N, H, W, C), shown in TensorBoard."""

    train: object
    validation: object | None
    test: object | None
    preview: object | None = None


def load_data(folder: Path, batch_size: int, limit: int | None, seed: int, workdir: Path):
    if not LOSS:
        raise TrainError(f"{SPEC_FILE}: the spec has no 'loss' statement; training needs one")
    if detect(folder) == "mnist":
        return load_mnist_arrays(folder, limit)
    return load_image_folder(folder, batch_size, limit, seed, workdir)


def load_mnist_arrays(folder: Path, limit: int | None) -> Data:
    """MNIST as arrays, as in Listing 8.3 (the last 10,000 training images validate)."""
    if INPUT_SHAPE != (28, 28, 1):
        shape = "x".join(str(n) for n in INPUT_SHAPE)
        raise TrainError(f"{folder}: MNIST images are 28x28x1, the model's input is {shape}")
    train_images, train_labels, test_images, test_labels = load_mnist(folder)
    train_images = train_images.reshape((-1, 28, 28, 1)).astype("float32")
    test_images = test_images.reshape((-1, 28, 28, 1)).astype("float32")
    if SCALE_INPUTS:
        train_images, test_images = train_images / 255, test_images / 255
    if LOSS == "categorical_crossentropy":
        train_labels = keras.utils.to_categorical(train_labels, NUM_CLASSES)
        test_labels = keras.utils.to_categorical(test_labels, NUM_CLASSES)
    validation = None
    if MONITOR and MONITOR.startswith("val_"):
        validation = (train_images[-10000:][:limit], train_labels[-10000:][:limit])
        train_images, train_labels = train_images[:-10000], train_labels[:-10000]
    return Data(
        (train_images[:limit], train_labels[:limit]),
        validation,
        (test_images[:limit], test_labels[:limit]),
        train_images[:PREVIEW],
    )


def load_image_folder(folder: Path, batch_size, limit, seed, workdir: Path) -> Data:
    """train/, validation/ and test/ read as in Listing 8.9 (image_dataset_from_directory)."""
    found = scan_image_folder(folder)  # every folder and image checked: one clear error
    check_classes(found, tuple(CLASSES))
    if LOSS == "binary_crossentropy" and len(found.classes) != 2:
        raise TrainError(f"{folder}: binary_crossentropy needs 2 classes, found {found.classes}")
    if INPUT_SHAPE[-1] not in COLOR_MODES:
        raise TrainError(f"{folder}: images have 1, 3 or 4 channels, the model wants {INPUT_SHAPE}")
    if limit is not None:
        folder = limited_view(found, limit, workdir)

    def dataset(split: str, shuffle: bool):
        if split not in found.splits:
            return None
        data = keras.utils.image_dataset_from_directory(
            folder / split,
            image_size=INPUT_SHAPE[:2],
            batch_size=batch_size,
            color_mode=COLOR_MODES[INPUT_SHAPE[-1]],
            label_mode=LABEL_MODES.get(LOSS, "int"),
            shuffle=shuffle,
            seed=seed,
        )
        if SCALE_INPUTS:
            data = data.map(lambda images, labels: (images / 255, labels))
        return data

    preview = preview_files(found.splits["train"], PREVIEW) if "train" in found.splits else None
    splits = [dataset("train", True), dataset("validation", False), dataset("test", False)]
    return Data(*splits, preview)


def limited_view(found, limit: int, workdir: Path) -> Path:
    """--limit N: a folder of links to the first N/classes images of each class and split."""
    per_class = max(1, limit // len(found.classes))
    for split, items in found.splits.items():
        for label, name in enumerate(found.classes):
            target = workdir / split / name
            target.mkdir(parents=True)
            for path, _ in [item for item in items if item[1] == label][:per_class]:
                try:
                    (target / path.name).symlink_to(path.resolve())
                except OSError:
                    shutil.copyfile(path, target / path.name)
    return workdir


def fit_inputs(split, batch_size: int) -> dict:
    if isinstance(split, tuple):  # arrays: Keras batches (and, in fit, shuffles) them
        return {"x": split[0], "y": split[1], "batch_size": batch_size}
    return {"x": split}  # a dataset: batched (and shuffled) by image_dataset_from_directory
