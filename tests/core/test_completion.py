"""Shell completion (issue 14): the bash script that `specdsl completion bash` prints, sourced
in a real bash, completes commands, typer options and the argparse options of `specdsl run`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.core.test_cli import run

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")

# COMP_WORDS/COMP_CWORD as bash sets them for the words typed so far, then the completion
# function the script registered for `specdsl`; prints one completion per line.
ASK = """
source "$SCRIPT"
ask() {{
    COMP_WORDS=("$@"); COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 )); COMPREPLY=()
    _specdsl_completion specdsl
    echo "$*:${{COMPREPLY[*]}}"
}}
{calls}
"""


@pytest.fixture(scope="module")
def bash_env(tmp_path_factory) -> dict[str, str]:
    """A `specdsl` on PATH that runs this checkout, and the script it prints for bash."""
    bin_dir = tmp_path_factory.mktemp("bin")
    exe = bin_dir / "specdsl"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m specdsl "$@"\n')
    exe.chmod(0o755)
    r = run("completion", "bash")
    assert r.returncode == 0, r.stderr
    assert "complete -o default -F _specdsl_completion specdsl" in r.stdout
    script = bin_dir / "specdsl-completion.bash"
    script.write_text(r.stdout)
    env = dict(os.environ, SCRIPT=str(script), PYTHONPATH=str(ROOT))
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env.pop("_SPECDSL_COMPLETE", None)
    return env


def complete(env: dict[str, str], *lines: tuple[str, ...]) -> dict[str, list[str]]:
    """Ask bash for the completions of each line of words (the last one being typed)."""
    calls = "\n".join("ask " + " ".join(f"'{w}'" for w in words) for words in lines)
    r = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", ASK.format(calls=calls)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=Path(env["SCRIPT"]).parent,
    )
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr, r.stderr
    answers = {}
    for line in r.stdout.splitlines():
        words, _, found = line.rpartition(":")
        answers[words] = found.split()
    assert len(answers) == len(lines), r.stdout
    return answers


def test_bash_completes_commands_and_options(bash_env):
    got = complete(
        bash_env,
        ("specdsl", "ch"),
        ("specdsl", "summary", "--fo"),
        ("specdsl", "run", "--to"),
        ("specdsl", "run", "model.onnx", "--device", ""),
        ("specdsl", "cu"),
        ("specdsl", "augment", "a.spec", "b.jpg", "--backend", "py"),
    )
    assert got["specdsl ch"] == ["check"]
    assert got["specdsl summary --fo"] == ["--format"]
    assert got["specdsl run --to"] == ["--top"]  # from run's own argparse parser
    assert got["specdsl run model.onnx --device "] == ["auto", "cpu", "cuda"]
    assert got["specdsl cu"] == ["curves"]
    assert got["specdsl augment a.spec b.jpg --backend py"] == ["pytorch"]


def test_run_options_follow_its_parser():
    from specdsl.cli.completion import run_options
    from specdsl.run.cli import parser

    longs = {o for a in parser()._actions for o in a.option_strings if o.startswith("--")}
    assert {v for v, _ in run_options([], "--")} == longs
    assert [v for v, _ in run_options(["--decode"], "")] == ["exact", "fast"]
    assert run_options(["--top"], "") == []  # a number: nothing to offer
    assert run_options(["model.onnx"], "im") == []  # a file: the shell's own completion


def test_completion_keeps_help_clean_and_errors_are_one_line():
    r = run("--help")
    assert r.returncode == 0
    assert "--install-completion" not in r.stdout and "--show-completion" not in r.stdout
    assert "completion" in r.stdout  # the command that prints the script
    bad = run("completion", "tcsh")
    assert bad.returncode == 2
    said = "error: unknown shell 'tcsh' (bash, zsh, fish, powershell)"
    assert bad.stderr.strip().splitlines() == [said]
    env = dict(os.environ, _SPECDSL_COMPLETE="complete_bash", PYTHONPATH=str(ROOT))
    env.pop("COMP_WORDS", None)  # a shell that calls it wrongly
    r = subprocess.run(
        [sys.executable, "-m", "specdsl"], capture_output=True, text=True, env=env, timeout=60
    )
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.strip().splitlines() == [
        "error: specdsl completion failed (KeyError: 'COMP_WORDS')"
    ]
