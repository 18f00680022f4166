"""Command-line image arguments -> an ordered list of files (folders walked, globs expanded).

Folders are walked recursively in sorted order and give the files Keras's
``image_dataset_from_directory`` would take (``.bmp .gif .jpeg .jpg .png``); a file named
directly is always tried, whatever its suffix. Arguments that match nothing become entries
with an error, so that they are reported in their place.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import NamedTuple

IMAGE_SUFFIXES = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


class Source(NamedTuple):
    path: str
    error: str | None = None


def _folder(path: Path) -> list[Source]:
    found = []
    for root, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            if name.lower().endswith(IMAGE_SUFFIXES):
                found.append(Source(os.path.join(root, name)))
    if not found:
        return [Source(str(path), f"folder has no images ({' '.join(IMAGE_SUFFIXES)})")]
    return found


def expand(args: list[str]) -> list[Source]:
    out: list[Source] = []
    for arg in args:
        p = Path(arg)
        if p.is_dir():
            out.extend(_folder(p))
        elif p.exists() or not glob.has_magic(arg):
            out.append(Source(arg))  # a missing file is reported when it is decoded
        else:
            matches = sorted(glob.glob(arg, recursive=True))
            if not matches:
                out.append(Source(arg, "no file matches this pattern"))
            for m in matches:
                out.extend(_folder(Path(m)) if Path(m).is_dir() else [Source(m)])
    return out
