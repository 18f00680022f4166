"""TensorFlow's padding as explicit ONNX ``pads`` (TF puts the odd pixel at the bottom/right)."""

from __future__ import annotations

import math


def pads(
    size: tuple[int, int], kernel: tuple[int, int], strides: tuple[int, int], padding: str
) -> list[int]:
    """``[top, left, bottom, right]`` for ``valid`` (all zero) or ``same``."""
    if padding == "valid":
        return [0, 0, 0, 0]
    begin, end = [], []
    for n, k, s in zip(size, kernel, strides, strict=True):
        total = max((math.ceil(n / s) - 1) * s + k - n, 0)
        begin.append(total // 2)
        end.append(total - total // 2)
    return begin + end
