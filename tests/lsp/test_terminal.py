"""`specdsl fmt --stdout` and `specdsl summary` colored by the spec lexer on a terminal only.

The commands run under a real pseudo-terminal (and with FORCE_COLOR, rich's way to force
one); in a pipe, with NO_COLOR or without Pygments their output is the plain text it always was.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios

import pytest

from tests.conftest import ROOT, SPECS

pytest.importorskip("pygments", reason="the highlighting is the lsp extra's Pygments lexer")

ANSI = re.compile(r"\x1b\[[0-9;]*m")
MNIST = SPECS / "mnist_convnet.spec"
NO_PYGMENTS = "import sys; sys.modules['pygments'] = None; "


def _env(**extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR", "COLUMNS")}
    env.pop("TTY_COMPATIBLE", None)
    return {**env, **extra}


def _cli(*args: str, prelude: str = "") -> list[str]:
    code = f"{prelude}import sys; from specdsl.cli import main; sys.argv[0] = 'specdsl'; main()"
    return [sys.executable, "-c", code, *args]


def on_terminal(*args: str, columns: int = 160, prelude: str = "", **env) -> str:
    """What the command writes to a terminal ``columns`` wide (a real pty)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    proc = subprocess.Popen(
        _cli(*args, prelude=prelude),
        stdout=slave,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=_env(**env),
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # the other end closed
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(timeout=60) == 0, proc.stderr.read().decode()
    proc.stderr.close()
    return b"".join(chunks).decode().replace("\r\n", "\n")  # the tty's own line endings


def in_pipe(*args: str, **env) -> str:
    done = subprocess.run(
        _cli(*args), capture_output=True, text=True, cwd=ROOT, env=_env(**env), check=True
    )
    return done.stdout


def test_fmt_stdout_is_colored_on_a_terminal_and_the_same_text():
    plain = in_pipe("fmt", "--stdout", str(MNIST))
    assert plain == MNIST.read_text() and not ANSI.search(plain)  # the lecture spec is canonical
    colored = on_terminal("fmt", "--stdout", str(MNIST))
    assert ANSI.sub("", colored) == plain
    # the lexer's token types, in Pygments' terminal colors: keywords, layer keywords, numbers
    assert re.search(r"\x1b\[[0-9;]*m(model|input)\x1b", colored)
    assert re.search(r"\x1b\[[0-9;]*mconv\x1b", colored)
    assert re.search(r"\x1b\[[0-9;]*m28x28x1\x1b", colored)
    assert re.search(r"\x1b\[[0-9;]*m# MNIST convnet", colored)
    assert in_pipe("fmt", "--stdout", str(MNIST), FORCE_COLOR="1") == colored  # rich's switch


def test_fmt_stdout_stays_plain_with_no_color_or_without_pygments():
    plain = MNIST.read_text()
    assert on_terminal("fmt", "--stdout", str(MNIST), NO_COLOR="1") == plain
    assert on_terminal("fmt", "--stdout", str(MNIST), prelude=NO_PYGMENTS) == plain


def test_summary_shows_each_statement_highlighted_on_a_wide_terminal():
    wide = on_terminal("summary", str(MNIST), columns=160)
    text = ANSI.sub("", wide)
    assert "Spec" in text.splitlines()[2]
    row = next(line for line in text.splitlines() if line.startswith("│ conv2d_1 (Conv2D)"))
    assert row.rstrip("│ ").endswith("conv 64 k3 relu")
    assert re.search(r"\x1b\[[0-9;]*mconv\x1b\[0m", wide)  # colored by the lexer
    assert " Total params: 104,202 (407.04 KB)" in text

    narrow = ANSI.sub("", on_terminal("summary", str(MNIST), columns=100))
    assert "Spec" not in narrow and "conv 64 k3 relu" not in narrow  # only where it fits
    assert "(None, 11, 11, 64)" in narrow

    piped = in_pipe("summary", str(MNIST))
    assert not ANSI.search(piped) and "Spec" not in piped and "conv 64 k3" not in piped
    no_lexer = ANSI.sub("", on_terminal("summary", str(MNIST), prelude=NO_PYGMENTS))
    assert "Spec" not in no_lexer and "conv2d_1 (Conv2D)" in no_lexer
