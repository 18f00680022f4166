"""One converter per IR layer class, registered with ``@CONVERT.register(ir.Conv2D)``."""

from specdsl.backends.registry import KindTable

CONVERT = KindTable("onnx")
