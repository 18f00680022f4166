"""An editor no one here wrote: Neovim's built-in LSP client gets the diagnostics and hovers.

Needs ``nvim`` (Debian's ``neovim``, 0.7 or later); CI does not install it, so the test skips
with the reason when it is absent.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytest.importorskip("pygls", reason="the language server needs pygls (the lsp extra)")

NVIM = shutil.which("nvim")


@pytest.mark.skipif(NVIM is None, reason="nvim not installed (apt-get install neovim)")
def test_neovim_gets_diagnostics_and_hovers(tmp_path):
    spec = tmp_path / "bad.spec"
    spec.write_text("input 28x28x1\nconv 32 k3 rellu\npool 2\nflatten\ndense 10 softmax\n")
    out = tmp_path / "out.json"
    env = dict(
        os.environ,
        SPECDSL_NVIM_SPEC=str(spec),
        SPECDSL_NVIM_OUT=str(out),
        SPECDSL_PYTHON=sys.executable,
        SPECDSL_NVIM_LINE="4",
        SPECDSL_NVIM_COL="1",
        HOME=str(tmp_path),
        XDG_CONFIG_HOME=str(tmp_path),
        XDG_DATA_HOME=str(tmp_path),
        XDG_STATE_HOME=str(tmp_path),
    )
    script = Path(__file__).with_name("nvim_client.lua")
    done = subprocess.run(
        [NVIM, "--headless", "--clean", "-n", "-c", f"luafile {script}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())
    (diag,) = result["diagnostics"]
    assert diag["message"].startswith("unknown activation 'rellu'")
    assert "did you mean 'relu'?" in diag["message"]
    assert (diag["lnum"], diag["col"], diag["severity"]) == (1, 11, 1)  # 1: error
    assert "(None, 10)" in result["hover"] and "54,090" in result["hover"]
