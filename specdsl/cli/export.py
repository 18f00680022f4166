"""``specdsl export SPEC --weights CHECKPOINT -o model.onnx``: a trained model as ONNX."""

from __future__ import annotations

from pathlib import Path

import typer

from specdsl.cli.app import app
from specdsl.cli.common import EXIT_SPEC, fail, load_checked


@app.command()
def export(
    file: Path = typer.Argument(..., help="The spec file."),
    weights: Path = typer.Option(
        ...,
        "--weights",
        "-w",
        help="Checkpoint: specdsl .safetensors, Keras .keras/.weights.h5, or a PyTorch "
        ".pt/.pth state dict. (For fresh weights: specdsl build SPEC --backend onnx.)",
    ),
    output: Path = typer.Option(
        None, "--output", "-o", help="The .onnx file to write (default: <model>.onnx)."
    ),
) -> None:
    """Export the model as one ONNX file (uint8 NHWC images in, probabilities out)."""
    from specdsl.backends.onnx.backend import INSTALL_HINT
    from specdsl.backends.registry import BackendError
    from specdsl.weights.files import WeightFileError, read_weights

    try:
        from specdsl.backends.onnx.model import OPSET
        from specdsl.backends.onnx.model import export as write_onnx
    except ImportError as e:
        if e.name != "onnx":
            raise
        fail(INSTALL_HINT, EXIT_SPEC)
    a = load_checked(file)
    out = output or Path(f"{a.spec.name}.onnx")
    try:
        path = write_onnx(a, read_weights(weights, a), out)
    except (WeightFileError, BackendError) as e:
        fail(str(e), EXIT_SPEC)
    typer.echo(f"{path}  (opset {OPSET}, weights from {weights})")
