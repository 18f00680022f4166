"""``specdsl export --quantize int8``: static int8 quantization with ONNX Runtime's own tools.

The fp32 model that ``export`` writes goes through ``onnxruntime.quantization.quantize_static``
in QDQ format: per-channel int8 weights, uint8 activations, ranges calibrated (min/max) on real
images decoded and resized exactly as ``specdsl run`` does (:func:`specdsl.run.predict.prepare`),
or on MNIST's training images for an MNIST folder. The graph keeps its uint8 NHWC input, its
probabilities output, its names and its metadata, plus the ``quantization``, ``calibration`` and
``calibration_images`` keys, so the result runs unchanged under ``specdsl run`` and ``eval``.

What cannot be quantized well is refused with one line (:class:`QuantizeError`) and nothing is
written: a calibration folder that is missing, empty or has too few usable images, images that
are all alike, a graph without convolutions or dense layers, and a result whose top-1 class
disagrees with the fp32 model's on too many held-out images from the calibration folder.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

DEFAULT_COUNT = 200  # calibration images: enough for stable min/max ranges, a few seconds
MIN_IMAGES = 10  # fewer usable images than this: no calibration worth the name
CHECK_IMAGES = 100  # held-out images for the fp32 / int8 agreement check
MIN_AGREEMENT = 0.95  # top-1 agreement below this on the held-out images: refused
BATCH = 8  # calibration images per batch (the calibrator keeps per-batch min/max only)
QUANTIZED_OPS = ["Conv", "Gemm", "MatMul", "MaxPool", "Relu", "Transpose", "Flatten", "Reshape"]
WEIGHT_OPS = ("Conv", "Gemm", "MatMul")


class QuantizeError(Exception):
    """The model cannot be quantized well with this calibration data (one line)."""


class Report(NamedTuple):
    path: Path
    calibration_images: int
    checked_images: int
    agreement: float  # top-1 agreement of int8 with fp32 on the held-out images
    max_abs_diff: float  # largest probability difference on them


def _mnist_images(root: Path) -> np.ndarray | None:
    from specdsl.data import DataError
    from specdsl.data.mnist import find_mnist_files, read_idx

    files = find_mnist_files(root, required=False)
    if not files:
        return None
    try:
        return read_idx(files["x_train"])
    except DataError as e:
        raise QuantizeError(str(e)) from None


def _split(n: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """(calibration, held-out) indices of ``n`` items: ``count`` spread evenly, and up to
    CHECK_IMAGES others between them (the calibration ones when there are no others)."""
    from specdsl.run.evaluate import evenly

    calib = evenly(n, count)
    rest = np.setdiff1d(np.arange(n), calib)
    check = rest[evenly(len(rest), CHECK_IMAGES)] if len(rest) else calib[:CHECK_IMAGES]
    return calib, check


class Images:
    """The calibration folder's images as the model's uint8 input rows."""

    def __init__(self, folder: Path, info, count: int) -> None:
        from specdsl.run.sources import expand

        self.folder, self.info, self.errors = folder, info, []
        if not folder.is_dir():
            what = "no such folder" if not folder.exists() else "not a folder"
            raise QuantizeError(f"calibration folder {folder}: {what}")
        self.mnist = _mnist_images(folder)
        if self.mnist is not None:
            self.paths = [f"mnist#{i}" for i in range(len(self.mnist))]
        else:
            self.paths = [s.path for s in expand([str(folder)]) if s.error is None]
        if not self.paths:
            raise QuantizeError(
                f"calibration folder {folder}: no images (.bmp .gif .jpeg .jpg .png, in it or "
                "its subfolders, or MNIST idx files)"
            )
        if len(self.paths) < MIN_IMAGES:
            raise QuantizeError(
                f"calibration folder {folder}: only {len(self.paths)} images; int8 calibration "
                f"needs at least {MIN_IMAGES} real images like those the model will see"
            )
        self.calib, self.check = _split(len(self.paths), count)

    def rows(self, indices) -> np.ndarray:
        """The images at ``indices`` that decode, as one uint8 batch."""
        from specdsl.run.images import ImageError
        from specdsl.run.predict import prepare
        from specdsl.run.resize import resize_bilinear, to_uint8

        info, out = self.info, []
        for i in indices:
            if self.mnist is not None:
                x = self.mnist[i][..., None]
                if x.shape[:2] != (info.height, info.width):
                    x = to_uint8(resize_bilinear(x, info.height, info.width))
                out.append(np.repeat(x, info.channels, axis=-1) if info.channels == 3 else x)
                continue
            try:
                out.append(prepare(self.paths[i], info, True))
            except ImageError as e:
                self.errors.append((self.paths[i], str(e)))
        return np.stack(out) if out else np.zeros((0, info.height, info.width, info.channels))


class _Reader:
    """onnxruntime's CalibrationDataReader protocol over batches of decoded images."""

    def __init__(self, images: Images, input_name: str) -> None:
        self.images, self.name, self.used, self.spread = images, input_name, 0, 0.0
        idx = images.calib
        self.batches = iter([idx[i : i + BATCH] for i in range(0, len(idx), BATCH)])

    def get_next(self):
        for batch in self.batches:
            x = self.images.rows(batch)
            if len(x):
                self.used += len(x)
                self.spread = max(self.spread, float(np.ptp(x.reshape(len(x), -1), axis=0).max()))
                return {self.name: x.astype(np.uint8)}
        return None

    def rewind(self) -> None:  # part of the protocol; calibration reads the data once
        pass


def _enough(reader: _Reader, folder: Path) -> None:
    if reader.used < MIN_IMAGES:
        errors = reader.images.errors
        bad = f"; e.g. {errors[0][0]}: {errors[0][1]}" if errors else ""
        raise QuantizeError(
            f"calibration folder {folder}: only {reader.used} of its images could be "
            f"decoded (at least {MIN_IMAGES} needed){bad}"
        )


def _check_graph(path: Path) -> None:
    import onnx

    ops = {n.op_type for n in onnx.load(str(path), load_external_data=False).graph.node}
    if not ops & set(WEIGHT_OPS):
        raise QuantizeError(
            f"{path.name}: no convolution or dense layer to quantize; int8 would gain nothing"
        )


def _agreement(fp32: Path, int8: Path, x: np.ndarray, info) -> tuple[float, float]:
    from specdsl.run.predict import scores
    from specdsl.run.session import open_session

    outs = []
    for path in (fp32, int8):
        session, _ = open_session(path, "cpu")
        name = session.get_inputs()[0].name
        out = [session.run(None, {name: x[i : i + 32]})[0] for i in range(0, len(x), 32)]
        outs.append(scores(np.concatenate(out), info))
    a, b = outs
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise QuantizeError("the int8 model gives NaN or infinite outputs on real images")
    same = float((a.argmax(axis=1) == b.argmax(axis=1)).mean())
    return same, float(np.abs(a - b).max())


def quantize_int8(
    fp32: str | Path,
    out: str | Path,
    calibration: str | Path,
    count: int = DEFAULT_COUNT,
    min_agreement: float = MIN_AGREEMENT,
) -> Report:
    """Quantize the specdsl fp32 model ``fp32`` into ``out`` (written only when it is good:
    ``min_agreement`` is the top-1 agreement with fp32 needed on held-out images)."""
    from onnxruntime.quantization import (
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    from specdsl.backends.onnx.metadata import quantization_props
    from specdsl.run.cli import ModelError, open_model

    fp32, out, folder = Path(fp32), Path(out), Path(calibration)
    if count < MIN_IMAGES:
        raise QuantizeError(f"--calibration-count must be at least {MIN_IMAGES}, not {count}")
    try:
        session, _, info = open_model(str(fp32), "cpu")
    except ModelError as e:
        raise QuantizeError(str(e)) from None
    input_name = session.get_inputs()[0].name
    del session
    _check_graph(fp32)
    images = Images(folder, info, count)
    reader = _Reader(images, input_name)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".onnx", dir=out.parent, prefix=f".{out.stem}-")
    os.close(fd)
    tmp = Path(tmp)
    logging.getLogger().setLevel(logging.ERROR)  # ORT's "consider pre-processing" advice
    try:
        quantize_static(
            str(fp32),
            str(tmp),
            reader,
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            calibrate_method=CalibrationMethod.MinMax,
            op_types_to_quantize=QUANTIZED_OPS,
            extra_options={
                "OpTypesToExcludeOutputQuantization": ["Gemm", "MatMul"],  # logits stay float
            },
        )
        _enough(reader, folder)
        if reader.spread == 0:
            raise QuantizeError(
                f"calibration folder {folder}: its images are all alike (every pixel the same "
                "in all of them); ranges calibrated on them would clip real images"
            )
        x = images.rows(images.check)
        same, diff = _agreement(fp32, tmp, x, info)
        if same < min_agreement:
            raise QuantizeError(
                f"int8 agrees with fp32 on the top class of only {same:.1%} of {len(x)} "
                f"held-out images from {folder} (needs {min_agreement:.0%}; largest probability "
                f"difference {diff:.3f}); this model does not quantize well, nothing written"
            )
        _set_metadata(tmp, quantization_props(str(folder), reader.used, len(x), same))
        tmp.replace(out)
    except QuantizeError:
        raise
    except Exception as e:  # ORT's own failures: one line
        _enough(reader, folder)  # ORT fails when no image decoded: say that instead
        lines = str(e).strip().splitlines()
        raise QuantizeError(
            f"ONNX Runtime could not quantize {fp32.name}: {lines[-1] if lines else e!r}"
        ) from None
    finally:
        tmp.unlink(missing_ok=True)
    return Report(out, reader.used, len(x), same, diff)


def _set_metadata(path: Path, props: dict[str, str]) -> None:
    import onnx

    model = onnx.load(str(path))
    keep = [p for p in model.metadata_props if p.key not in props and p.key != "onnx.infer"]
    del model.metadata_props[:]
    model.metadata_props.extend(keep)
    onnx.helper.set_model_props(model, {**{p.key: p.value for p in keep}, **props})
    onnx.save(model, str(path))
