"""Augmentation layers become torchvision transforms of the training split (data.py).

Keras runs them as layers that are active only in training; PyTorch's idiom is a transform of
the training data, applied per image in the DataLoader workers. The meanings are Keras's:

==============================  =============================================================
spec / Keras                    emitted transform
==============================  =============================================================
``flip horizontal``             ``v2.RandomHorizontalFlip()`` (p = 0.5, as Keras)
``flip vertical``               ``v2.RandomVerticalFlip()``
``flip`` (both)                 ``RandomFlipBoth()``: one coin flips both axes, as Keras 3
``rotate 0.1``                  ``KerasRandomRotation(0.1)``: angle uniform in +-0.1 * 360 =
                                +-36 degrees, bilinear, 'reflect' fill
``zoom 0.2``                    ``KerasRandomZoom(0.2)``: Keras's zoom z uniform in
                                [0.8, 1.2] (z > 1 zooms out), i.e. torchvision scale 1 / z,
                                same for both axes, bilinear, 'reflect' fill
``contrast 0.2``                ``KerasRandomContrast(0.2)``: per-channel
                                (x - mean) * c + mean, c in [0.8, 1.2], clipped to [0, 255]
``translate 0.1``               ``KerasRandomTranslation(0.1)``: shift uniform in +-10% of
                                height and of width, 'reflect' fill
==============================  =============================================================

'reflect' is TensorFlow's (d c b a | a b c d): the image is padded symmetrically, transformed
about its centre and cropped back.
"""

from __future__ import annotations

from specdsl import ir
from specdsl.backends.pytorch.code import EMIT, Code, Ctx, num


@EMIT.register(ir.RandomFlip)
def random_flip(layer: ir.RandomFlip, ctx: Ctx) -> Code:
    if layer.mode == "horizontal":
        return Code(augment="v2.RandomHorizontalFlip()")
    if layer.mode == "vertical":
        return Code(augment="v2.RandomVerticalFlip()")
    return Code(augment="RandomFlipBoth()", augment_helpers=("RandomFlipBoth",))


@EMIT.register(ir.RandomRotation)
def random_rotation(layer: ir.RandomRotation, ctx: Ctx) -> Code:
    return Code(
        augment=f"KerasRandomRotation({num(layer.factor)})",
        augment_helpers=("reflect_affine", "KerasRandomRotation"),
    )


@EMIT.register(ir.RandomZoom)
def random_zoom(layer: ir.RandomZoom, ctx: Ctx) -> Code:
    return Code(
        augment=f"KerasRandomZoom({num(layer.factor)})",
        augment_helpers=("reflect_affine", "KerasRandomZoom"),
    )


@EMIT.register(ir.RandomContrast)
def random_contrast(layer: ir.RandomContrast, ctx: Ctx) -> Code:
    return Code(
        augment=f"KerasRandomContrast({num(layer.factor)})",
        augment_helpers=("KerasRandomContrast",),
    )


@EMIT.register(ir.RandomTranslation)
def random_translation(layer: ir.RandomTranslation, ctx: Ctx) -> Code:
    return Code(
        augment=f"KerasRandomTranslation({num(layer.factor)})",
        augment_helpers=("reflect_affine", "KerasRandomTranslation"),
    )
