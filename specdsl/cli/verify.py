"""``specdsl verify SPEC --weights W [--images DIR] [--int8 M.onnx]``: each layer's output in
every installed target against Keras's (:mod:`specdsl.run.verify`); exit 1 beyond tolerance."""

from __future__ import annotations

import importlib.util
import json
import tempfile
from pathlib import Path

import typer

from specdsl.cli.app import app
from specdsl.cli.common import EXIT_SPEC, EXIT_USAGE, fail, load_checked


def _images(a, folder: Path | None, count: int):
    import numpy as np

    h, w, c = a.input_shape
    if folder is None:
        return np.random.default_rng(0).integers(0, 256, (count, h, w, c), dtype=np.uint8), "random"
    from specdsl.run.evaluate import evenly
    from specdsl.run.images import ImageError
    from specdsl.run.metadata import ModelInfo
    from specdsl.run.predict import prepare
    from specdsl.run.sources import expand

    if not folder.is_dir():
        fail(f"--images {folder}: no such folder", EXIT_USAGE)
    paths = [s.path for s in expand([str(folder)]) if s.error is None]
    info, rows = ModelInfo(h, w, c, (), None), []
    for i in evenly(len(paths), count):
        try:
            rows.append(prepare(paths[i], info, True))
        except ImageError:
            continue
    if not rows:
        fail(f"--images {folder}: no image that decodes", EXIT_SPEC)
    return np.stack(rows), f"{len(rows)} images from {folder}"


@app.command()
def verify(
    file: Path = typer.Argument(..., help="The spec file."),
    weights: Path = typer.Option(..., "--weights", "-w", help="Checkpoint, as for export."),
    images: Path = typer.Option(None, "--images", help="Real images (default: random ones)."),
    int8: Path = typer.Option(None, "--int8", help="An int8 .onnx of this model to compare."),
    count: int = typer.Option(8, "--count", help="How many images."),
    tolerance: float = typer.Option(1e-4, "--tolerance", help="Largest relative difference."),
    int8_tolerance: float = typer.Option(0.1, "--int8-tolerance", help="The same, for int8."),
    as_json: bool = typer.Option(False, "--json", help="One JSON document on stdout."),
) -> None:
    """Run the same weights and images in Keras, PyTorch, ONNX Runtime (and int8); compare each
    layer with Keras."""
    from specdsl.backends.onnx.model import export as write_onnx
    from specdsl.backends.registry import BackendError
    from specdsl.run import verify as v
    from specdsl.weights.files import WeightFileError, read_weights

    if count < 1:
        fail("--count must be at least 1", EXIT_USAGE)
    if int8 is not None and not int8.is_file():
        fail(f"--int8 {int8}: no such file", EXIT_USAGE)
    a = load_checked(file)
    x, source = _images(a, images, count)
    targets: dict[str, dict] = {}
    ref_name = None
    with tempfile.TemporaryDirectory(prefix="specdsl-verify-") as tmp:
        try:
            fp32 = write_onnx(a, read_weights(weights, a), Path(tmp) / "fp32.onnx")
        except (WeightFileError, BackendError) as e:
            fail(str(e), EXIT_SPEC)
        targets["onnxruntime"] = v.onnx_layers(fp32, x)
    if int8 is not None:
        targets["int8"] = v.onnx_layers(int8, x)
    try:
        if importlib.util.find_spec("torch") is not None:
            targets["pytorch"] = v.run_framework("pytorch", file, weights, x)
        if importlib.util.find_spec("keras") is not None:
            reference, ref_name = v.run_framework("keras", file, weights, x), "keras"
    except RuntimeError as e:
        fail(str(e), EXIT_SPEC)
    if ref_name is None:  # no Keras: ONNX Runtime's fp32 is the reference
        reference, ref_name = targets.pop("onnxruntime"), "onnxruntime"
    limits = {"int8": int8_tolerance}
    report, bad = {}, []
    for target, layers in targets.items():
        rows = v.compare(reference, layers)
        limit = limits.get(target, tolerance)
        for r in rows:
            r["ok"] = "error" not in r and r["max_rel"] <= limit
            if not r["ok"]:
                bad.append(f"{target} {r['layer']}")
        report[target] = {"tolerance": limit, "layers": rows}
    if as_json:
        typer.echo(json.dumps({"reference": ref_name, "images": source, "targets": report}))
    else:
        typer.echo(f"{a.spec.name}: {source}, against {ref_name}")
        for target, rep in report.items():
            typer.echo(f"{target} (tolerance {rep['tolerance']:g} relative):")
            for r in rep["layers"]:
                if "error" in r:
                    typer.echo(f"  {r['layer']:<20} {r['error']}  FAIL")
                    continue
                mark = "ok" if r["ok"] else "FAIL"
                typer.echo(
                    f"  {r['layer']:<20} abs {r['max_abs']:.3e}  rel {r['max_rel']:.3e}  {mark}"
                )
    if bad:
        fail(f"{len(bad)} layer outputs beyond tolerance: {', '.join(bad[:5])}", EXIT_SPEC)
