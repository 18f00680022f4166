"""Helpers for the review tests: run the CLI in-process, load models, diff them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs"


def spec(name: str) -> Path:
    return SPECS / f"{name}.spec"


def cli(*args: str):
    """``specdsl ARGS`` in this process: (exit code, stdout, stderr)."""
    from typer.testing import CliRunner

    from specdsl.cli.app import app

    r = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def specdsl_command() -> str:
    """How a shell (git, a hook) runs specdsl from this checkout."""
    return f"{sys.executable} -m specdsl"


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["SPECDSL"] = specdsl_command()
    env.update(
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.com",
        GIT_CONFIG_NOSYSTEM="1",
        HOME=env.get("HOME", "/tmp"),
    )
    env.pop("GIT_PAGER_IN_USE", None)
    return env


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    r = subprocess.run(
        ["git", "-c", "core.pager=cat", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=120,
    )
    if check and r.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed ({r.returncode}):\n{r.stderr}{r.stdout}")
    return r


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An empty git repository with the project's .gitattributes and the specdsl driver."""
    if subprocess.run(["git", "--version"], capture_output=True).returncode != 0:
        pytest.skip("git is not installed")
    r = tmp_path / "repo"
    r.mkdir()
    git(r, "init", "-q", "-b", "main")
    (r / ".gitattributes").write_text((ROOT / ".gitattributes").read_text())
    git(r, "config", "diff.specdsl.textconv", f"{specdsl_command()} textconv")
    git(r, "config", "diff.specdsl.command", f"{specdsl_command()} diff")
    return r
