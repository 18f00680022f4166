"""The npm tools the editor tests run (vsce, vscode-tmgrammar-test), pinned, installed once.

They live outside the checkout, in ``$SPECDSL_NPM_TOOLS`` (default
``~/.cache/specdsl/npm-tools``), the folder ``scripts/package_vscode.sh`` installs vsce into,
so a second run (or another clone) reuses them: the first install takes about 10 s. A test
that needs one skips, saying why, where node/npm are absent or the registry cannot be reached.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

_SCRIPT = ROOT / "scripts" / "package_vscode.sh"
# vsce's version is the packaging script's, so the test and the script share one install.
VSCE_VERSION = re.search(r"^VSCE_VERSION=(\S+)", _SCRIPT.read_text(), re.M).group(1)
PINNED = {"@vscode/vsce": VSCE_VERSION, "vscode-tmgrammar-test": "0.1.3"}
INSTALL_TIMEOUT = 300


def tools_dir() -> Path:
    if env := os.environ.get("SPECDSL_NPM_TOOLS"):
        return Path(env)
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "specdsl" / "npm-tools"


def _installed(package: str) -> str | None:
    meta = tools_dir() / "node_modules" / package / "package.json"
    try:
        return json.loads(meta.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def need_npm() -> None:
    missing = [t for t in ("node", "npm") if shutil.which(t) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed (Debian: apt-get install nodejs npm)")


def npm_tool(package: str, command: str) -> Path:
    """The path of ``command`` from the pinned ``package``, installed first if need be."""
    need_npm()
    version = PINNED[package]
    tools = tools_dir()
    tools.mkdir(parents=True, exist_ok=True)
    with open(tools / ".lock", "w") as lock:  # two test workers install one at a time
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _installed(package) != version:
            try:
                done = subprocess.run(
                    ["npm", "install", "--prefix", str(tools), "--save-exact", "--no-audit"]
                    + ["--no-fund", "--loglevel=error", f"{package}@{version}"],
                    capture_output=True,
                    text=True,
                    timeout=INSTALL_TIMEOUT,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                pytest.skip(f"npm install {package}@{version} took over {INSTALL_TIMEOUT} s")
            if done.returncode != 0:
                last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
                pytest.skip(f"npm could not install {package}@{version}: {last}")
    path = tools / "node_modules" / ".bin" / command
    assert path.exists(), f"{package}@{version} installed without {command}"
    return path
