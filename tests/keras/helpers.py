"""Shared by the Keras backend tests: the specs they cover and a way to run `specdsl train`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import LECTURE_SPECS, ROOT

HERE = Path(__file__).resolve().parent
EXTRA_SPECS = sorted((HERE / "specs").glob("*.spec"))
ALL_SPECS = LECTURE_SPECS + EXTRA_SPECS
GOLDEN = ROOT / "tests" / "golden" / "keras"


def spec_id(path: Path) -> str:
    return path.stem


def run_cli(*args: str, env: dict | None = None, timeout: int = 300):
    """``python -m specdsl ARGS`` in its own process; everything it prints is captured."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return subprocess.run(
        [sys.executable, "-m", "specdsl", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=full_env,
        timeout=timeout,
    )


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error")]
