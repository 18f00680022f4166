"""Weight layouts: the canonical (Keras) layout of each weight and its PyTorch/ONNX forms.

The kind table (:mod:`specdsl.ir.kinds`) names a layout for every weight slot; this table
says, once, how each layout converts. ONNX stores convolution kernels as PyTorch does (OIHW)
and dense kernels in the canonical (in, out) order.

======  =========================  ==============================  ==========================
layout  canonical (Keras)          PyTorch / ONNX convolution      conversion
======  =========================  ==============================  ==========================
HWIO    conv kernel (h, w, in, o)  (o, in, h, w)                   transpose(3, 2, 0, 1)
HWIM    depthwise (h, w, c, m)     (c * m, 1, h, w), groups = c    reshape, then as HWIO
IO      dense kernel (in, out)     (out, in) (ONNX keeps in, out)  transpose
C       a vector (c,)              (c,)                            as is
======  =========================  ==============================  ==========================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Layout:
    to_torch: Callable[[np.ndarray], np.ndarray]
    from_torch: Callable[[np.ndarray, tuple[int, ...]], np.ndarray]  # (value, canonical shape)
    torch_shape: Callable[[tuple[int, ...]], tuple[int, ...]]
    onnx_is_torch: bool  # ONNX stores the PyTorch form (else the canonical one)
    rows_follow_flatten: bool = False  # the input rows are in flatten order (dense kernels)


def _hwim_to_torch(a: np.ndarray) -> np.ndarray:
    kh, kw, c, m = a.shape
    return a.reshape(kh, kw, 1, c * m).transpose(3, 2, 0, 1)


LAYOUTS: dict[str, Layout] = {
    "HWIO": Layout(
        to_torch=lambda a: a.transpose(3, 2, 0, 1),
        from_torch=lambda t, shape: t.transpose(2, 3, 1, 0),
        torch_shape=lambda s: (s[3], s[2], s[0], s[1]),
        onnx_is_torch=True,
    ),
    "HWIM": Layout(
        to_torch=_hwim_to_torch,
        from_torch=lambda t, shape: t.transpose(2, 3, 1, 0).reshape(shape),
        torch_shape=lambda s: (s[2] * s[3], 1, s[0], s[1]),
        onnx_is_torch=True,
    ),
    "IO": Layout(
        to_torch=lambda a: a.T,
        from_torch=lambda t, shape: t.T,
        torch_shape=lambda s: (s[1], s[0]),
        onnx_is_torch=False,
        rows_follow_flatten=True,
    ),
    "C": Layout(
        to_torch=lambda a: a,
        from_torch=lambda t, shape: t,
        torch_shape=lambda s: tuple(s),
        onnx_is_torch=False,
    ),
}


def to_onnx(layout: str, value: np.ndarray) -> np.ndarray:
    """A canonical weight as the ONNX graph stores it."""
    lay = LAYOUTS[layout]
    return lay.to_torch(value) if lay.onnx_is_torch else value
