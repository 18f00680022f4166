"""Inference for ``specdsl run``: ONNX Runtime on decoded, resized images.

Nothing here imports TensorFlow, PyTorch, pydantic or typer: ``specdsl run`` starts fast.
"""
