"""``specdsl eval MODEL DIR``: the command's work, apart from its typer face
(:mod:`specdsl.cli.eval`). Imports numpy, Pillow and onnxruntime only; returns the exit code:
0 done, 1 bad model, data or images (one line each on stderr), 2 usage errors."""

from __future__ import annotations

import sys

from specdsl.run.cli import EXIT_INPUT, EXIT_OK, EXIT_USAGE, ModelError, _fail, _say, open_model

DECODES = ("exact", "fast")


def describe(meta: dict[str, str]) -> str:
    """`` (int8, calibrated on ...)`` for a quantized model, else empty."""
    from specdsl.run.metadata import CALIBRATION, QUANTIZATION
    from specdsl.run.text import printable

    q = (meta.get(QUANTIZATION) or "").split(" ", 1)[0][:20]
    if not q:
        return ""
    calib = (meta.get(CALIBRATION) or "").split(" (", 1)[0].split(";", 1)[0][:200]
    return printable(f" ({q}, calibrated on {calib})" if calib else f" ({q})")


def evaluate_command(
    model: str,
    data: str,
    *,
    batch_size: int = 32,
    as_json: bool = False,
    plot: str | None = None,
    worst: int = 0,
    limit: int | None = None,
    device: str = "auto",
    threads: int | None = None,
    labels: str | None = None,
    decode: str = "exact",
    progress: bool | None = None,
) -> int:
    from specdsl.run import eval_report as report
    from specdsl.run import evaluate as ev
    from specdsl.run import metadata as md
    from specdsl.run.predict import RunError

    if batch_size < 1 or worst < 0 or (limit is not None and limit < 1):
        return _fail("--batch-size and --limit must be at least 1, --worst at least 0", EXIT_USAGE)
    if decode not in DECODES:
        return _fail(f"--decode must be one of {', '.join(DECODES)}, not {decode!r}", EXIT_USAGE)
    if device not in ("auto", "cpu", "cuda"):
        return _fail(f"--device must be auto, cpu or cuda, not {device!r}", EXIT_USAGE)
    if plot is not None and not plot.lower().endswith(".png"):
        return _fail(
            f"--plot writes a PNG file; give a name ending in .png, not {plot}", EXIT_USAGE
        )
    try:
        given = md.parse_labels(labels) if labels else None
    except ValueError as e:
        return _fail(str(e), EXIT_USAGE)
    try:
        session, provider, info = open_model(model, device, threads, None, given)
        meta = session.get_modelmeta().custom_metadata_map
        names = ev.model_labels(session, info)
        found = ev.find_data(data, names, limit)
    except ModelError as e:
        return _fail(str(e), e.code)
    except ev.EvalError as e:
        return _fail(str(e), EXIT_INPUT)
    _say(
        f"{info.name or model}{describe(meta)}: {info.height}x{info.width}x{info.channels} "
        f"images, {len(names)} classes, provider {provider}"
    )
    bar = ev.Progress(len(found.sources), progress)
    try:
        pred = ev.predict(session, info, names, found, batch_size, bar, decode)
    except (md.MetadataError, RunError, ev.EvalError) as e:
        return _fail(f"{model}: {e}", EXIT_INPUT)
    for path, why in pred.errors:
        _say(f"error: {path}: {why}")
    if not len(pred.probs):
        return _fail(f"{data}: none of its {len(found.sources)} images could be classified", 1)
    m = ev.metrics(pred, worst)
    if as_json:
        header = {"model": model, "name": info.name, "provider": provider, "data": found.root}
        header["quantization"] = meta.get(md.QUANTIZATION)
        header["decode"] = decode
        print(report.document(m, header, pred.errors))
    else:
        print(report.text(m, found.root, len(pred.errors)), flush=True)
    if plot is not None:
        try:
            report.plot(m, plot, f"{info.name or model} on {found.root}")
        except (OSError, ValueError) as e:
            return _fail(f"{plot}: cannot write the plot ({e.strerror or e})", EXIT_INPUT)
        _say(f"confusion matrix drawn in {plot}")
    if pred.errors:
        _say(f"{len(pred.errors)} of {len(found.sources)} images could not be classified")
        return EXIT_INPUT
    return EXIT_OK


def main(**kwargs) -> int:
    """:func:`evaluate_command` without tracebacks (the model and the images are untrusted)."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        return evaluate_command(**kwargs)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return EXIT_OK
    except Exception as e:
        return _fail(f"unexpected {type(e).__name__}: {e} (a bug in specdsl eval)", EXIT_INPUT)
