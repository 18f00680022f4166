"""Keras's random augmentation layers as per-image transforms of (C, H, W) float tensors."""

import math

import torch
import torch.nn.functional as F


def uniform(low: float, high: float) -> float:
    """A float uniform in [low, high] from torch's generator (seeded per DataLoader worker)."""
    return float(torch.empty(()).uniform_(low, high))


def reflect_affine(img, angle=0.0, scale=1.0, shift=(0.0, 0.0)):
    """Rotate/scale/shift about the centre, bilinear, filling with TensorFlow's 'reflect'.

    torchvision's affine (the same inverse matrix and sampling points) as one grid_sample
    whose 'reflection' padding is TensorFlow's reflect (d c b a | a b c d): no padded copy
    of the image, and only the output's own pixels are computed.
    """
    _, h, w = img.shape
    a = math.radians(angle)
    cos, sin = math.cos(a) / scale, math.sin(a) / scale
    dx, dy = shift
    inverse = torch.tensor(  # output pixel (x, y, 1) about the centre -> input position
        [[cos, sin, -cos * dx - sin * dy], [-sin, cos, sin * dx - cos * dy]],
        dtype=torch.float64,
    )
    ys = torch.arange(h, dtype=torch.float64) - (h - 1) / 2
    xs = torch.arange(w, dtype=torch.float64) - (w - 1) / 2
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    points = torch.stack([gx, gy, torch.ones_like(gx)], dim=-1) @ inverse.T
    grid = (points / torch.tensor([w / 2, h / 2], dtype=torch.float64)).to(img.dtype)
    moved = F.grid_sample(
        img[None], grid[None], mode="bilinear", padding_mode="reflection", align_corners=False
    )
    return moved[0]


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
