"""data.py's fixed part: datasets, samplers and loaders (the emitter copies these definitions).

The module-level constants below are placeholders; data.py gets the spec's own values.
"""

import math

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset, DistributedSampler, Sampler
from torchvision.transforms import v2
from torchvision.transforms.v2 import functional as TF

from specdsl.data import DataError, detect
from specdsl.data.folders import check_classes, scan_image_folder
from specdsl.data.mnist import load_mnist

INPUT_SHAPE = (28, 28, 1)
CLASSES = ()
SCALE_INPUTS = True


def train_augmentation():
    return None


class ImageFiles(Dataset):
    """(path, label) pairs read like Keras's image_dataset_from_directory.

    Decoded to RGB (or grayscale for one channel), resized with bilinear interpolation and no
    antialiasing or cropping (as tf.image.resize), kept as float32 in [0, 255], (C, H, W).
    """

    def __init__(self, items, transform=None):
        self.items = list(items)
        self.transform = transform

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        path, label = self.items[i]
        h, w, c = INPUT_SHAPE
        try:
            with Image.open(path) as im:
                pixels = np.asarray(im.convert("L" if c == 1 else "RGB"), dtype=np.float32)
        except OSError as e:
            raise DataError(f"{path}: not a readable image ({e})") from None
        x = torch.from_numpy(pixels.reshape(pixels.shape[0], pixels.shape[1], c).copy())
        x = x.permute(2, 0, 1)
        if tuple(x.shape[1:]) != (h, w):
            x = TF.resize(x, [h, w], interpolation=v2.InterpolationMode.BILINEAR, antialias=False)
        if self.transform is not None:
            x = self.transform(x)
        return (x / 255 if SCALE_INPUTS else x), label


class TensorImages(Dataset):
    """In-memory images (N, C, H, W) with labels, optionally transformed per image."""

    def __init__(self, x, y, transform=None):
        self.x, self.y, self.transform = x, y, transform

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        x = self.x[i]
        return (self.transform(x) if self.transform is not None else x), self.y[i]


def load_datasets(root, limit=None, validation=False):
    """{'train', 'validation', 'test'} datasets from an image folder or an MNIST folder.

    MNIST has no validation split; with ``validation`` (a val_* checkpoint monitor) its last
    10,000 training images are held out, as Keras's ``validation_split`` takes the last ones.
    Pixels are divided by 255 after the augmentation when SCALE_INPUTS is True.
    """
    augment = train_augmentation()
    if detect(root) == "mnist":
        h, w, c = INPUT_SHAPE
        if (h, w, c) != (28, 28, 1):
            raise DataError(f"{root}: MNIST images are 28x28x1, the model takes {h}x{w}x{c}")
        x_train, y_train, x_test, y_test = load_mnist(root)
        splits = {"train": (x_train, y_train), "test": (x_test, y_test)}
        if validation:
            splits = {
                "train": (x_train[:-10000], y_train[:-10000]),
                "validation": (x_train[-10000:], y_train[-10000:]),
                "test": (x_test, y_test),
            }
        out = {}
        for name, (x, y) in splits.items():
            if limit is not None:
                x, y = x[:limit], y[:limit]
            images = torch.from_numpy(x.astype(np.float32)).unsqueeze(1)
            labels = torch.from_numpy(y.astype(np.int64))
            transform = augment if name == "train" else None
            if SCALE_INPUTS and transform is None:
                images = images / 255
            elif SCALE_INPUTS:
                transform = v2.Compose([transform, v2.Lambda(lambda t: t / 255)])
            out[name] = TensorImages(images, labels, transform)
        return out
    folder = scan_image_folder(root)
    if CLASSES:
        check_classes(folder, CLASSES)
    out = {}
    for name, items in folder.splits.items():
        if limit is not None:
            items = _balanced(items, limit)
        out[name] = ImageFiles(items, augment if name == "train" else None)
    return out


def _balanced(items, limit):
    """At most ``limit`` items, taken evenly from every class (the folders are sorted by class)."""
    by_label = {}
    for item in items:
        by_label.setdefault(item[1], []).append(item)
    per_class = max(1, limit // max(1, len(by_label)))
    return [item for label in sorted(by_label) for item in by_label[label][:per_class]]


class ShardSampler(Sampler):
    """Indices rank, rank + world, ... in order: evaluation shards without padding."""

    def __init__(self, n, rank, world):
        self.indices = list(range(rank, n, world))

    def __len__(self):
        return len(self.indices)

    def __iter__(self):
        return iter(self.indices)


class TensorBatches:
    """Batches sliced straight from in-memory tensors (no per-item Python, no workers)."""

    def __init__(self, dataset, batch_size, sampler):
        self.x, self.y = dataset.x, dataset.y
        self.batch_size, self.sampler = batch_size, sampler

    def __len__(self):
        return math.ceil(len(self.sampler) / self.batch_size)

    def __iter__(self):
        order = torch.tensor(list(self.sampler), dtype=torch.int64)
        for i in range(0, len(order), self.batch_size):
            j = order[i : i + self.batch_size]
            yield self.x[j], self.y[j]


class Loader:
    """A DataLoader (or in-memory batches) with ``set_epoch`` for the distributed sampler."""

    def __init__(self, batches, sampler):
        self.batches, self.sampler = batches, sampler

    def set_epoch(self, epoch):
        if hasattr(self.sampler, "set_epoch"):
            self.sampler.set_epoch(epoch)

    def __len__(self):
        return len(self.batches)

    def __iter__(self):
        return iter(self.batches)


def make_loader(dataset, batch_size, train, rank=0, world=1, workers=0, seed=0):
    """Shuffled shards of the training set per epoch (DistributedSampler), plain shards else."""
    if train:
        sampler = DistributedSampler(
            dataset, num_replicas=world, rank=rank, shuffle=True, seed=seed, drop_last=False
        )
    else:
        sampler = ShardSampler(len(dataset), rank, world)
    if isinstance(dataset, TensorImages) and dataset.transform is None:
        return Loader(TensorBatches(dataset, batch_size, sampler), sampler)
    loader = DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=sampler,
        num_workers=workers,
        persistent_workers=workers > 0,
        pin_memory=torch.cuda.is_available(),
    )
    return Loader(loader, sampler)
