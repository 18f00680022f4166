"""``specdsl build SPEC --backend NAME``: compile a spec with one backend."""

from __future__ import annotations

from pathlib import Path

import typer

from specdsl.cli.app import app
from specdsl.cli.common import EXIT_SPEC, EXIT_USAGE, fail, load_checked
from specdsl.fileio import OutputError


@app.command()
def build(
    file: Path = typer.Argument(..., help="The spec file."),
    backend: str = typer.Option(..., "--backend", "-b", help="keras, pytorch or onnx."),
    output: Path = typer.Option(
        None, "--output", "-o", help="Output folder (default: build/<model>-<backend>)."
    ),
) -> None:
    """Write the backend's artifacts for the spec (code for keras/pytorch, a .onnx for onnx)."""
    from specdsl.backends import registry

    try:
        target = registry.get(backend)
    except registry.BackendError as e:
        fail(str(e), EXIT_USAGE)
    a = load_checked(file)
    out_dir = output or Path("build") / f"{a.spec.name}-{backend}"
    try:
        paths = target.build(a, out_dir)
    except (registry.BackendError, OutputError) as e:
        fail(str(e), EXIT_SPEC)
    except OSError as e:  # what the writers did not foresee: still one line, no traceback
        where = e.filename or out_dir
        fail(f"{where}: cannot write ({e.strerror or e})", EXIT_SPEC)
    for p in paths:
        typer.echo(str(p))
