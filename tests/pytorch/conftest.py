"""Fixtures of the PyTorch backend tests: the Keras comparisons, computed once per session."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.pytorch.helpers import _env, run_cli


@pytest.fixture(scope="session")
def keras_checks(shared_data, tmp_path_factory):
    """The measurements of keras_checks.py (its own interpreter: see its docstring)."""
    pytest.importorskip("keras")
    tmp = tmp_path_factory.mktemp("keras_checks")
    packages = {}
    for key, spec in (("scratch", "dogs_cats_scratch"), ("aug", "dogs_cats_aug")):
        out = tmp / spec
        result = run_cli(
            "build", str(ROOT / "specs" / f"{spec}.spec"), "-b", "pytorch", "-o", str(out)
        )
        assert result.returncode == 0, result.stderr
        packages[key] = str(out)
    images = tmp / "images"
    shirt = sorted((shared_data / "tshirt_vs_shirt" / "train" / "shirt").iterdir())[0]
    (images / "a").mkdir(parents=True)
    (images / "b").mkdir()
    shutil.copy(shirt, images / "a" / shirt.name)
    shutil.copy(shared_data / "images" / "chelsea.jpg", images / "b" / "chelsea.jpg")
    config = tmp / "config.json"
    photo = str(shared_data / "images" / "chelsea.jpg")
    config.write_text(json.dumps({**packages, "images": str(images), "photo": photo}))
    result = subprocess.run(
        [sys.executable, "-m", "tests.pytorch.keras_checks", str(config)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_env(),
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])
