"""The ONNX backend: the IR becomes one ``.onnx`` graph, built with the ``onnx`` package only.

Importing this package registers the ``onnx`` backend (``specdsl build --backend onnx``) even
where the ``onnx`` package is missing; building then says how to install it.
See :mod:`specdsl.backends.onnx.model` for the shape of the graph it writes.
"""

from specdsl.backends.onnx.backend import OnnxBackend

try:
    from specdsl.backends.onnx.model import OPSET, build_model, export
except ImportError:  # no onnx package: OnnxBackend.build reports it
    pass

__all__ = ["OPSET", "OnnxBackend", "build_model", "export"]
