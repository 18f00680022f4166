"""Reading training data: MNIST idx folders and lecture-style image folders.

Both backends use these readers for validation and MNIST; images themselves are decoded by
each framework's own tools (``image_dataset_from_directory``, torchvision).
"""

from __future__ import annotations

from pathlib import Path


class DataError(Exception):
    """Bad training data; the message is one line that names the file or folder."""


def detect(root: str | Path) -> str:
    """``'mnist'`` for a folder of MNIST idx files, ``'folder'`` for train/validation/test."""
    from specdsl.data.mnist import find_mnist_files

    root = Path(root)
    if not root.is_dir():
        raise DataError(f"{root}: no such data folder")
    if find_mnist_files(root, required=False):
        return "mnist"
    return "folder"


__all__ = ["DataError", "detect"]
