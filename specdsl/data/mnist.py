"""MNIST in its canonical idx form (``train-images-idx3-ubyte[.gz]`` and friends)."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

from specdsl.data import DataError

FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


def find_mnist_files(root: Path, required: bool = True) -> dict[str, Path] | None:
    found = {}
    for key, stem in FILES.items():
        for name in (stem, stem + ".gz"):
            if (root / name).is_file():
                found[key] = root / name
                break
    if len(found) == len(FILES):
        return found
    if required:
        missing = [FILES[k] for k in FILES if k not in found]
        raise DataError(f"{root}: not an MNIST folder (missing {missing[0]}[.gz])")
    return None


def read_idx(path: Path) -> np.ndarray:
    """One idx file (gzip or not) as a numpy array of its own dtype and shape."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as e:
        raise DataError(f"{path}: cannot read ({e})") from None
    if len(data) < 4:
        raise DataError(f"{path}: too short for an idx file")
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    dtypes = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    if zero != 0 or dtype_code not in dtypes:
        raise DataError(f"{path}: not an idx file (bad magic number)")
    header = 4 + 4 * ndim
    shape = struct.unpack(f">{ndim}I", data[4:header])
    dtype = np.dtype(dtypes[dtype_code])
    count = int(np.prod(shape))
    if len(data) - header < count * dtype.itemsize:
        raise DataError(f"{path}: truncated (expected {count} values of shape {shape})")
    arr = np.frombuffer(data, dtype=dtype, count=count, offset=header).reshape(shape)
    return arr.astype(dtype.newbyteorder("="))


def load_mnist(root: str | Path, limit: int | None = None):
    """(x_train, y_train, x_test, y_test) as uint8 arrays: images (N, 28, 28), labels (N,)."""
    files = find_mnist_files(Path(root))
    arrays = {k: read_idx(p) for k, p in files.items()}
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.shape[0] != y.shape[0]:
            raise DataError(f"{files['x_' + split]}: {x.shape[0]} images but {y.shape[0]} labels")
        if limit is not None:
            arrays[f"x_{split}"], arrays[f"y_{split}"] = x[:limit], y[:limit]
    return arrays["x_train"], arrays["y_train"], arrays["x_test"], arrays["y_test"]
