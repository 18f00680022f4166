"""The converters, one module per family of layer kinds; importing them fills ``CONVERT``."""

from specdsl.backends.onnx.layers import (  # noqa: F401
    conv,
    dense,
    merge,
    normalization,
    passthrough,
    pooling,
    preprocessing,
)
