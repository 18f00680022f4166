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
    weights: Path = typer.Option(
        None,
        "--weights",
        "-w",
        help="Weights of the whole model (specdsl .safetensors, Keras .keras/.weights.h5, "
        "PyTorch .pt/.pth): keras adds model.weights.h5, pytorch model.pt, onnx uses them.",
    ),
) -> None:
    """Write the backend's artifacts for the spec (code for keras/pytorch, a .onnx for onnx)."""
    from specdsl.backends import registry
    from specdsl.weights.checkpoint import CheckpointError
    from specdsl.weights.files import WeightFileError, read_weights

    try:
        target = registry.get(backend)
    except registry.BackendError as e:
        fail(str(e), EXIT_USAGE)
    a = load_checked(file)
    out_dir = output or Path("build") / f"{a.spec.name}-{backend}"
    tensors = None
    if weights is not None:  # read and checked before anything is written
        try:
            tensors = read_weights(weights, a)
        except WeightFileError as e:
            fail(str(e), EXIT_SPEC)
    try:
        paths = target.build(a, out_dir, tensors)
    except (registry.BackendError, OutputError, CheckpointError) as e:
        fail(str(e), EXIT_SPEC)
    except ImportError as e:  # --weights writes the target's own file: it needs its framework
        fail(f"--weights with --backend {backend} needs {e.name or e} installed", EXIT_SPEC)
    except OSError as e:  # what the writers did not foresee: still one line, no traceback
        where = e.filename or out_dir
        fail(f"{where}: cannot write ({e.strerror or e})", EXIT_SPEC)
    for p in paths:
        typer.echo(str(p))
