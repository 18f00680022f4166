"""Test images: real photos, and files written byte by byte in every PNG flavour."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png_bytes(rows: np.ndarray, width: int, color_type: int, bit_depth: int) -> bytes:
    """A PNG from already packed scanlines (uint8 rows, or uint16 samples for 16-bit)."""
    if bit_depth == 16:
        rows = rows.astype(">u2").reshape(rows.shape[0], -1).view(np.uint8)
    rows = rows.reshape(rows.shape[0], -1)
    raw = b"".join(b"\0" + r.tobytes() for r in rows)
    ihdr = struct.pack(">IIBBBBB", width, rows.shape[0], bit_depth, color_type, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(raw))
        + _chunk(b"IEND", b"")
    )


def png16(pixels: np.ndarray) -> bytes:
    """16-bit gray (H, W), gray+alpha (H, W, 2) or RGB (H, W, 3)."""
    color = 0 if pixels.ndim == 2 else {2: 4, 3: 2}[pixels.shape[-1]]
    return png_bytes(pixels, pixels.shape[1], color, 16)


def low_bit_gray(values: np.ndarray, bits: int) -> bytes:
    """A 1-, 2- or 4-bit grayscale PNG of ``values`` (0 .. 2**bits - 1)."""
    h, w = values.shape
    unpacked = np.unpackbits(values[..., None].astype(np.uint8), axis=-1)[..., 8 - bits :]
    packed = np.packbits(unpacked.reshape(h, -1), axis=-1)
    return png_bytes(packed, w, 0, bits)


def bomb_png() -> bytes:
    """A tiny file that claims 20000 x 20000 pixels (Pillow refuses it on opening)."""
    ihdr = struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0)
    return PNG_SIGNATURE + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b"\0" * 64))


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
