"""``specdsl run MODEL IMAGE...``: classify images with an exported ONNX model.

A plain argparse front end so that the command starts fast: it imports numpy, Pillow and
onnxruntime only (never TensorFlow, PyTorch, typer or pydantic). ``specdsl.cli.run`` makes
it a subcommand of the typer app; ``specdsl.cli.main`` calls :func:`main` directly.
"""

from __future__ import annotations

import argparse
import sys

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2
NUMERIC_OUTPUTS = tuple(
    f"tensor({t})"
    for t in "float double float16 bfloat16 int8 int16 int32 int64 uint8 uint16 uint32".split()
)

DESCRIPTION = """Classify images with an ONNX model written by `specdsl export` or `specdsl build
--backend onnx`. Images are decoded and resized as Keras's image_dataset_from_directory
does (bilinear, no aspect crop), batched, and run on ONNX Runtime: CUDA when onnxruntime-gpu
and a GPU are there, else the CPU. One line per image on stdout: the label and its
probability; bad images (and images the model gives NaN or infinite outputs for) get one line
each on stderr, the rest are still classified, and the exit code is then 1. The model file is
untrusted: malformed metadata is an error naming the key, and control characters in labels,
names and paths are printed escaped (--json keeps the exact strings)."""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="specdsl run", description=DESCRIPTION)
    p.add_argument("model", help="the .onnx file")
    p.add_argument("images", nargs="+", help="image files, folders (walked) or glob patterns")
    p.add_argument("--batch-size", "-b", type=int, default=32, help="images per batch (32)")
    p.add_argument("--top", "-k", type=int, default=1, help="show the N best classes (1)")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.add_argument(
        "--device", choices=("auto", "cpu", "cuda"), default="auto", help="where to run (auto)"
    )
    p.add_argument("--threads", type=int, default=None, help="CPU threads for ONNX Runtime")
    p.add_argument("--size", help="HxWxC input size, for an ONNX file without specdsl metadata")
    p.add_argument("--labels", help="comma-separated class labels (override or supply them)")
    p.add_argument(
        "--decode",
        choices=("exact", "fast"),
        default="exact",
        help="exact: TensorFlow's pixels (default); fast: large JPEGs at a reduced DCT scale",
    )
    return p


def _say(message: str) -> None:
    """One line on stderr; what came from the model file or the disk is escaped."""
    from specdsl.run.text import printable

    print(printable(message), file=sys.stderr, flush=True)


def _fail(message: str, code: int) -> int:
    _say(f"error: {message}")
    return code


class ModelError(Exception):
    """The model cannot be used (one line); ``code`` is the exit code."""

    def __init__(self, message: str, code: int = EXIT_INPUT) -> None:
        super().__init__(message)
        self.code = code


def open_model(model: str, device: str = "auto", threads=None, size=None, labels=None):
    """(session, provider, ModelInfo) of an ONNX file, every name and key checked; ModelError
    otherwise. ``size`` and ``labels`` override the file's metadata."""
    from specdsl.run import metadata as md
    from specdsl.run.session import CPU, SessionError, cuda_listed, open_session

    try:
        session, provider = open_session(model, device, threads)
    except SessionError as e:
        raise ModelError(str(e), EXIT_INPUT) from None
    if device == "auto" and provider == CPU and cuda_listed():
        _say("note: onnxruntime-gpu is installed but CUDA did not start; running on the CPU")
    try:  # names and metadata are the file's: ONNX Runtime fails on bytes that are not UTF-8
        inp, out = session.get_inputs()[0], session.get_outputs()[0]
        meta = session.get_modelmeta().custom_metadata_map
    except UnicodeDecodeError as e:
        raise ModelError(
            f"{model}: its names or metadata are not UTF-8 text ({e.reason})", EXIT_INPUT
        ) from None
    if len(inp.shape) != 4 or inp.type not in ("tensor(uint8)", "tensor(float)"):
        raise ModelError(
            f"{model}: its input '{inp.name}' is {inp.type} {inp.shape}; specdsl run feeds "
            "a batch of images as uint8 or float32 [batch, height, width, channels]",
            EXIT_INPUT,
        )
    if out.type not in NUMERIC_OUTPUTS:
        raise ModelError(f"{model}: its output '{out.name}' is {out.type}, not numbers", EXIT_INPUT)
    try:
        info = md.model_info(meta, inp.shape, model, size, labels)
    except md.MetadataError as e:
        raise ModelError(str(e), EXIT_INPUT) from None
    fixed = [d if isinstance(d, int) else None for d in inp.shape[1:]]
    want = [info.height, info.width, info.channels]
    if any(f is not None and f != w for f, w in zip(fixed, want, strict=True)):
        said = "--size" if size else f"its metadata '{md.INPUT_SIZE}', '{md.INPUT_CHANNELS}'"
        raise ModelError(
            f"{model}: takes images of {'x'.join(str(d or '?') for d in fixed)}, "
            f"not {'x'.join(map(str, want))} ({said})",
            EXIT_USAGE if size else EXIT_INPUT,
        )
    return session, provider, info


def run(args: argparse.Namespace) -> int:
    from specdsl.run import metadata as md
    from specdsl.run.predict import RunError, classify
    from specdsl.run.report import print_json, print_text
    from specdsl.run.sources import expand

    if args.batch_size < 1 or args.top < 1:
        return _fail("--batch-size and --top must be at least 1", EXIT_USAGE)
    try:
        size = md.parse_size(args.size) if args.size else None
        labels = md.parse_labels(args.labels) if args.labels else None
    except ValueError as e:
        return _fail(str(e), EXIT_USAGE)
    try:
        session, provider, info = open_model(args.model, args.device, args.threads, size, labels)
    except ModelError as e:
        return _fail(str(e), e.code)
    what = "probability" if info.probabilities else "score"
    name = info.name or args.model
    _say(
        f"{name}: {info.height}x{info.width}x{info.channels} images, "
        f"{len(info.labels) or 'unlabelled'} classes, provider {provider}"
    )
    if not info.labels:
        _say(f"note: {args.model} names no class labels (give --labels a,b,...); printing indices")
    if info.output_activation is None:
        _say(f"note: {args.model} is not from specdsl; printing its raw outputs as scores")
    sources = expand(args.images)
    results = classify(session, info, sources, args.batch_size, args.top, decode=args.decode)
    try:
        if args.json:
            header = {"model": args.model, "name": info.name, "provider": provider}
            failed = print_json(results, header, what)
        else:
            failed = print_text(results, what)
    except (md.MetadataError, RunError) as e:
        return _fail(f"{args.model}: {e}", EXIT_INPUT)
    if failed:
        _say(f"{failed} of {len(sources)} images could not be classified")
        return EXIT_INPUT
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    for stream in (sys.stdout, sys.stderr):  # a label the terminal cannot encode: escaped
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        return run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. piped into head
        sys.stderr.close()
        return EXIT_OK
    except Exception as e:  # never a traceback; the model file and images are untrusted
        return _fail(f"unexpected {type(e).__name__}: {e} (a bug in specdsl run)", EXIT_INPUT)


if __name__ == "__main__":
    sys.exit(main())
