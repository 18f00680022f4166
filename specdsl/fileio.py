"""Writing files so that a reader never sees half of one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: str | Path, data: bytes | str) -> Path:
    """Write through a temporary file in the same folder, renamed into place.

    Text is written as UTF-8 with ``\\n`` line ends. The file gets the usual mode for a new
    file (0666 less the umask), not mkstemp's 0600.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


class OutputError(Exception):
    """An output path that cannot be written: one line naming it, for the user."""


def ensure_folder(out: str | Path) -> Path:
    """``out`` as a writable folder (made if missing), or :class:`OutputError` saying why."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise OutputError(f"{out}: a part of this path is a file, not a folder") from None
    except OSError as e:
        raise OutputError(f"{out}: cannot make this folder ({e.strerror or e})") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise OutputError(f"{out}: this folder is not writable")
    return out


def write_all(files: dict[str, str | bytes], out: str | Path) -> list[Path]:
    """Write every file into the folder ``out``, all or nothing: each goes to a temporary
    file first; only when all are written are they renamed into place. Their paths, in order.
    """
    out = ensure_folder(out)
    for name in files:
        if (out / name).is_dir():
            raise OutputError(f"{out / name}: is a folder; the file cannot be written there")
    umask = os.umask(0)
    os.umask(umask)
    temps: list[tuple[str, Path]] = []
    try:
        for name, data in files.items():
            target = out / name
            try:
                fd, tmp = tempfile.mkstemp(dir=out, prefix=f".{name[:60]}.", suffix=".tmp")
                temps.append((tmp, target))
                with os.fdopen(fd, "wb") as f:
                    f.write(data.encode("utf-8") if isinstance(data, str) else data)
                os.chmod(tmp, 0o666 & ~umask)
            except OSError as e:
                raise OutputError(f"{target}: cannot write ({e.strerror or e})") from None
        for tmp, target in temps:
            os.replace(tmp, target)
    except BaseException:
        for tmp, _ in temps:
            Path(tmp).unlink(missing_ok=True)
        raise
    return [target for _, target in temps]
