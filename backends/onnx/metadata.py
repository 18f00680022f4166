"""The ``metadata_props`` an exported model carries (keys: :mod:`specdsl.run.metadata`)."""

from __future__ import annotations

import json

from specdsl import ir
from specdsl.check.analysis import Analysis
from specdsl.run import metadata as keys


def labels(analysis: Analysis) -> list[str]:
    return list(analysis.spec.classes)


def metadata_props(analysis: Analysis) -> dict[str, str]:
    from specdsl import __version__
    from specdsl.syntax.format import format_spec

    h, w, c = analysis.input_shape
    return {
        keys.VERSION: __version__,
        keys.MODEL_NAME: analysis.spec.name,
        keys.SPEC_HASH: ir.spec_hash(analysis.spec),
        keys.LABELS: json.dumps(labels(analysis)),
        keys.INPUT_SIZE: f"{h}x{w}",
        keys.INPUT_CHANNELS: str(c),
        keys.INPUT_LAYOUT: keys.LAYOUT_NHWC_UINT8,
        keys.INPUT_SCALING: "1/255" if analysis.scales_inputs else "none",
        keys.OUTPUT_ACTIVATION: analysis.final_activation.name,
        keys.SPEC_TEXT: format_spec(analysis.spec),
    }


def quantization_props(
    calibration: str, images: int, checked: int, agreement: float
) -> dict[str, str]:
    """The keys ``export --quantize int8`` adds: that it is int8, and what it was calibrated on."""
    import onnxruntime

    return {
        keys.QUANTIZATION: (
            "int8 (QDQ; per-channel int8 weights, uint8 activations; "
            f"onnxruntime {onnxruntime.__version__} quantize_static)"
        ),
        keys.CALIBRATION: (
            f"{images} images from {calibration} (min/max ranges); top-1 agreement with fp32 "
            f"{agreement:.1%} on {checked} held-out images"
        ),
        keys.CALIBRATION_COUNT: str(images),
    }
