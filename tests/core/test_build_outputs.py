"""Output paths of ``specdsl build``: a path that cannot be written is one clear line and
exit 1, never a traceback and never a partial package (specdsl.fileio.write_all)."""

from __future__ import annotations

import importlib.util
import os

import pytest

from specdsl.fileio import OutputError, ensure_folder, write_all
from tests.conftest import SPECS
from tests.core.test_cli import run

SPEC = str(SPECS / "mnist_convnet.spec")
BACKENDS = ["keras", "pytorch"] + (["onnx"] if importlib.util.find_spec("onnx") else [])


def one_line_error(r, *words: str) -> None:
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    assert all(w in lines[0] for w in words), lines[0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_unwritable_place(backend):
    one_line_error(run("build", SPEC, "-b", backend, "-o", "/proc/nope"), "/proc/nope")


@pytest.mark.parametrize("backend", BACKENDS)
def test_output_is_an_existing_file(tmp_path, backend):
    target = tmp_path / "taken"
    target.write_text("keep me", encoding="utf-8")
    one_line_error(run("build", SPEC, "-b", backend, "-o", str(target)), "not a folder")
    assert target.read_text(encoding="utf-8") == "keep me"


@pytest.mark.parametrize("backend", BACKENDS)
def test_output_under_a_file(tmp_path, backend):
    target = tmp_path / "taken"
    target.write_text("keep me", encoding="utf-8")
    r = run("build", SPEC, "-b", backend, "-o", str(target / "sub"))
    one_line_error(r, "is a file, not a folder")


@pytest.mark.skipif("onnx" not in BACKENDS, reason="needs onnx (pip install specdsl[onnx])")
def test_onnx_file_name_taken_by_a_folder(tmp_path):
    (tmp_path / "mnist_convnet.onnx").mkdir()
    one_line_error(run("build", SPEC, "-b", "onnx", "-o", str(tmp_path)), "is a folder")


def test_write_all_is_all_or_nothing(tmp_path):
    (tmp_path / "b.py").mkdir()  # the second file cannot replace a folder
    with pytest.raises(OutputError, match="b.py: is a folder"):
        write_all({"a.py": "a = 1\n", "b.py": "b = 2\n"}, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.py"]  # no a.py, no temporaries


def test_write_all_writes_every_file(tmp_path):
    paths = write_all({"a.py": "é = 1\n", "b.bin": b"\x00\x01"}, tmp_path / "new" / "pkg")
    assert [p.name for p in paths] == ["a.py", "b.bin"]
    assert paths[0].read_text(encoding="utf-8") == "é = 1\n"
    assert paths[1].read_bytes() == b"\x00\x01"
    assert oct(paths[0].stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_ensure_folder_messages(tmp_path):
    f = tmp_path / "f"
    f.write_text("", encoding="utf-8")
    with pytest.raises(OutputError, match="exists and is not a folder"):
        ensure_folder(f)
    with pytest.raises(OutputError, match="is a file, not a folder"):
        ensure_folder(f / "x")
    assert ensure_folder(tmp_path / "a" / "b").is_dir()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_good_build_still_works(tmp_path, backend):
    r = run("build", SPEC, "-b", backend, "-o", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    assert any((tmp_path / "out").iterdir())
