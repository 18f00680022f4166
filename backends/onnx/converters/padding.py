"""TensorFlow's padding as explicit ONNX ``pads`` (TF puts the odd pixel at the bottom/right)."""

from __future__ import annotations

from specdsl.check.shapes import same_padding


def pads(
    size: tuple[int, int], kernel: tuple[int, int], strides: tuple[int, int], padding: str
) -> list[int]:
    """``[top, left, bottom, right]`` for ``valid`` (all zero) or ``same``."""
    if padding == "valid":
        return [0, 0, 0, 0]
    (top, bottom), (left, right) = (
        same_padding(n, k, s) for n, k, s in zip(size, kernel, strides, strict=True)
    )
    return [top, left, bottom, right]
