"""Shell completion: ``specdsl completion bash|zsh|fish|powershell [--install]``.

Typer's completion, without its ``--install-completion``/``--show-completion`` options on the
root (``specdsl --help`` stays about specs), and without any cost when not completing: the
completion script makes the shell call ``specdsl`` with ``_SPECDSL_COMPLETE=complete_bash``
(and the words so far), and :func:`specdsl.cli.app.main` hands that call to :func:`complete`.

``specdsl run`` parses its own options with argparse (:mod:`specdsl.run.cli`, for a fast
start); :func:`run_options` completes them from that very parser, so completion follows it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from specdsl.cli.app import app

PROG = "specdsl"
COMPLETE_VAR = "_SPECDSL_COMPLETE"
SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")


def completing() -> bool:
    """True when the shell asks for completions (the completion script's call)."""
    return bool(os.environ.get(COMPLETE_VAR))


def run_options(words: list[str], incomplete: str) -> list[tuple[str, str]]:
    """(value, help) completions of ``specdsl run WORDS... INCOMPLETE`` from its argparse
    parser: an option's choices after it, option names for '-...'; files are the shell's."""
    from specdsl.run.cli import parser

    p = parser()
    options = [a for a in p._actions if a.option_strings]  # argparse keeps them here
    if words:
        last = next((a for a in options if words[-1] in a.option_strings), None)
        if last is not None and last.nargs != 0:  # the option's value is being written
            return [(str(c), "") for c in (last.choices or ()) if str(c).startswith(incomplete)]
    if not incomplete.startswith("-"):
        return []  # a model or an image: the shell completes file names
    found = []
    for action in options:
        for name in action.option_strings:
            if name.startswith(incomplete) and (name.startswith("--") or incomplete != "-"):
                found.append((name, action.help or ""))
    return found


def _run_shell_complete(command, ctx, incomplete: str):
    from typer._click.shell_completion import CompletionItem

    return [CompletionItem(v, help=h) for v, h in run_options(list(ctx.args), incomplete)]


def complete() -> None:
    """Answer the shell's completion request (typer's protocol), then exit."""
    import types

    from typer._completion_classes import completion_init
    from typer.main import get_command

    completion_init()  # typer's bash/zsh/fish/powershell classes
    command = get_command(app)
    run = command.commands.get("run")
    if run is not None:
        run.shell_complete = types.MethodType(_run_shell_complete, run)
    try:
        command.main(prog_name=PROG, complete_var=COMPLETE_VAR)
    except Exception as e:  # a shell that calls us wrongly: one line, never a traceback
        name = type(e).__name__
        print(f"error: specdsl completion failed ({name}: {e})", file=sys.stderr)
        raise SystemExit(1) from None


def _shells(incomplete: str) -> list[str]:
    return [s for s in SHELLS if s.startswith(incomplete)]


def script(shell: str) -> str:
    """The completion script for ``shell`` (what the shell sources)."""
    from typer._completion_shared import get_completion_script

    return get_completion_script(prog_name=PROG, complete_var=COMPLETE_VAR, shell=shell)


@app.command()
def completion(
    shell: str = typer.Argument(..., help="bash, zsh, fish or powershell.", autocompletion=_shells),
    install: bool = typer.Option(
        False, "--install", help="Install it for your user (e.g. ~/.bashrc sources it)."
    ),
) -> None:
    """Print (or install) the shell completion script of every command.

    bash: eval "$(specdsl completion bash)" in ~/.bashrc, or specdsl completion bash --install.
    """
    from specdsl.cli.common import EXIT_USAGE, fail

    if shell not in SHELLS:
        fail(f"unknown shell '{shell}' ({', '.join(SHELLS[:4])})", EXIT_USAGE)
    if install:
        from typer._completion_shared import install as typer_install

        try:
            _, path = typer_install(shell=shell, prog_name=PROG, complete_var=COMPLETE_VAR)
        except (OSError, FileNotFoundError) as e:
            fail(f"cannot install the {shell} completion: {e}")
        typer.echo(f"{shell} completion installed in {Path(path)}; open a new shell to use it")
        return
    typer.echo(script(shell))
