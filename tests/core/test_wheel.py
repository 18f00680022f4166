"""The wheel ships the grammar and the zoo specs: build it, install it in a fresh venv, check."""

from __future__ import annotations

import site
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import ROOT, SPECS

pytest.importorskip("build", reason="the 'build' package is needed (pip install specdsl[test])")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    r = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "-o", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    (whl,) = out.glob("specdsl-*.whl")
    return whl


def test_wheel_contents(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "specdsl/grammars/specdsl.lark" in names
    assert "specdsl/zoo/vgg16.spec" in names
    assert "specdsl/backends/registry.py" in names
    assert "specdsl/backends/source.py" in names  # the snippet picker and the snippets
    assert "specdsl/backends/keras/snippets/training.py" in names
    assert "specdsl/backends/pytorch/snippets/training.py" in names
    assert not [n for n in names if n.endswith(".tmpl")]
    assert "specdsl/backends.py" not in names  # the checkout's stand-in
    # No generic top-level package such as 'backends' or 'tests' is installed.
    tops = {n.split("/")[0] for n in names if not n.startswith("specdsl-")}
    assert tops == {"specdsl"}


def test_installed_wheel_checks_a_spec(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    # Dependencies come from this environment (offline); specdsl itself only from the wheel.
    purelib = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    with open(f"{purelib}/_deps.pth", "w") as f:
        f.write("\n".join(site.getsitepackages()) + "\n")
    r = subprocess.run(
        [str(py), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    spec = tmp_path / "finetune.spec"
    spec.write_text((SPECS / "vgg16_finetune.spec").read_text())
    r = subprocess.run(
        [str(venv / "bin" / "specdsl"), "check", str(spec)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    where = subprocess.run(
        [str(py), "-c", "import specdsl; print(specdsl.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    ).stdout
    assert str(venv) in where  # the installed copy, not the checkout
    r = subprocess.run(
        [str(venv / "bin" / "specdsl"), "build", str(spec), "--backend", "keras", "-o", "out"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr  # the backends and their snippets came with the wheel
    assert (tmp_path / "out" / "model.py").is_file()


def test_checkout_has_no_symlinks():
    """A clone must work where git cannot make symlinks (Windows): the editable install and
    the tests run from backends/, grammars/ and specs/zoo/ as they stand."""
    files = subprocess.run(
        ["git", "ls-files", "-s"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    links = [line.split("\t")[-1] for line in files if line.startswith("120000")]
    assert not links
