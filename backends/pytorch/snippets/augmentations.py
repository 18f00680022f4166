"""Keras's random augmentation layers as per-image transforms of (C, H, W) float tensors."""

import math

import torch
from torchvision.transforms import v2
from torchvision.transforms.v2 import functional as TF


def uniform(low: float, high: float) -> float:
    """A float uniform in [low, high] from torch's generator (seeded per DataLoader worker)."""
    return float(torch.empty(()).uniform_(low, high))


def reflect_affine(img, angle=0.0, scale=1.0, shift=(0.0, 0.0)):
    """Rotate/scale/shift about the centre, bilinear, filling with TensorFlow's 'reflect'.

    The image is padded symmetrically (d c b a | a b c d) far enough for the transform,
    transformed about its centre, and cropped back to its size.
    """
    _, h, w = img.shape
    a = math.radians(angle)
    cos, sin = abs(math.cos(a)), abs(math.sin(a))
    reach = max(1.0, 1.0 / scale)
    pad_w = math.ceil((w / 2 * cos + h / 2 * sin) * reach - w / 2 + abs(shift[0])) + 2
    pad_h = math.ceil((w / 2 * sin + h / 2 * cos) * reach - h / 2 + abs(shift[1])) + 2
    pad_w, pad_h = min(max(pad_w, 0), w), min(max(pad_h, 0), h)
    padded = TF.pad(img, [pad_w, pad_h, pad_w, pad_h], padding_mode="symmetric")
    moved = TF.affine(
        padded,
        angle=angle,
        translate=[shift[0], shift[1]],
        scale=scale,
        shear=[0.0, 0.0],
        interpolation=v2.InterpolationMode.BILINEAR,
    )
    return moved[:, pad_h : pad_h + h, pad_w : pad_w + w]


class RandomFlipBoth:
    """keras.layers.RandomFlip('horizontal_and_vertical'): one coin flips both axes."""

    def __call__(self, img):
        return img.flip(-1).flip(-2) if uniform(0.0, 1.0) <= 0.5 else img


class KerasRandomRotation:
    """keras.layers.RandomRotation(factor): angle uniform in +-factor * 360 degrees.

    Keras's positive angle turns the other way than torchvision's, hence the minus sign.
    """

    def __init__(self, factor: float):
        self.degrees = factor * 360.0

    def __call__(self, img):
        return reflect_affine(img, angle=-uniform(-self.degrees, self.degrees))


class KerasRandomZoom:
    """keras.layers.RandomZoom(factor): zoom z uniform in [1 - f, 1 + f], z > 1 zooms out."""

    def __init__(self, factor: float):
        self.factor = factor

    def __call__(self, img):
        zoom = uniform(1.0 - self.factor, 1.0 + self.factor)
        return reflect_affine(img, scale=1.0 / zoom)


class KerasRandomTranslation:
    """keras.layers.RandomTranslation(f, f): shift uniform in +-f of the height and width."""

    def __init__(self, factor: float):
        self.factor = factor

    def __call__(self, img):
        _, h, w = img.shape
        dx = uniform(-self.factor, self.factor) * w
        dy = uniform(-self.factor, self.factor) * h
        return reflect_affine(img, shift=(dx, dy))


class KerasRandomContrast:
    """keras.layers.RandomContrast(factor): per-channel (x - mean) * c + mean, clipped."""

    def __init__(self, factor: float):
        self.factor = factor

    def __call__(self, img):
        c = uniform(1.0 - self.factor, 1.0 + self.factor)
        mean = img.mean(dim=(-2, -1), keepdim=True)
        return ((img - mean) * c + mean).clamp(0.0, 255.0)
