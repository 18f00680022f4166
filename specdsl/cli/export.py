"""``specdsl export SPEC --weights CHECKPOINT -o model.onnx``: a trained model as ONNX;
``--quantize int8 --calibration DIR``: static int8 (:mod:`specdsl.backends.onnx.quantize`)."""

from __future__ import annotations

from pathlib import Path

import typer

from specdsl.cli.app import app
from specdsl.cli.common import EXIT_SPEC, EXIT_USAGE, fail, load_checked


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
    quantize: str = typer.Option(
        None, "--quantize", help="int8: static quantization (QDQ, per-channel weights)."
    ),
    calibration: Path = typer.Option(
        None, "--calibration", help="Real images to calibrate int8 on (a folder, or MNIST's)."
    ),
    calibration_count: int = typer.Option(
        None, "--calibration-count", help="Calibration images, spread over the folder (200)."
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
    if quantize is None and (calibration is not None or calibration_count is not None):
        fail("--calibration and --calibration-count go with --quantize int8", EXIT_USAGE)
    if quantize is not None and quantize != "int8":
        fail(f"--quantize: only int8 is supported, not '{quantize}'", EXIT_USAGE)
    if quantize is not None and calibration is None:
        fail("--quantize int8 needs --calibration DIR: real images like the model's", EXIT_USAGE)
    a = load_checked(file)
    out = output or Path(f"{a.spec.name}{'_int8' if quantize else ''}.onnx")
    if quantize:
        _export_int8(a, weights, out, calibration, calibration_count)
        return
    try:
        path = write_onnx(a, read_weights(weights, a), out)
    except (WeightFileError, BackendError) as e:
        fail(str(e), EXIT_SPEC)
    typer.echo(f"{path}  (opset {OPSET}, weights from {weights})")


def _export_int8(a, weights: Path, out: Path, calibration: Path, count: int | None) -> None:
    import tempfile

    from specdsl.backends.onnx.model import OPSET
    from specdsl.backends.onnx.model import export as write_onnx
    from specdsl.backends.registry import BackendError
    from specdsl.weights.files import WeightFileError, read_weights

    try:
        from specdsl.backends.onnx.quantize import DEFAULT_COUNT, QuantizeError, quantize_int8
    except ImportError as e:
        fail(f"int8 export needs onnxruntime's quantization tools ({e})", EXIT_SPEC)
    with tempfile.TemporaryDirectory(prefix="specdsl-int8-") as tmp:
        try:
            fp32 = write_onnx(a, read_weights(weights, a), Path(tmp) / "fp32.onnx")
            r = quantize_int8(fp32, out, calibration, count or DEFAULT_COUNT)
        except (WeightFileError, BackendError, QuantizeError) as e:
            fail(str(e), EXIT_SPEC)
    typer.echo(
        f"{r.path}  (opset {OPSET}, int8, weights from {weights}; calibrated on "
        f"{r.calibration_images} images from {calibration}; top-1 agreement with fp32 "
        f"{r.agreement:.1%} on {r.checked_images} held-out images)"
    )
