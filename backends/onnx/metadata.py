"""The ``metadata_props`` an exported model carries (keys: :mod:`specdsl.run.metadata`)."""

from __future__ import annotations

import json

from specdsl import ir
from specdsl.check.analysis import Analysis
from specdsl.run import metadata as keys

_SILENT = (
    ir.Dropout,
    ir.InputLayer,
    *(ir.RandomFlip, ir.RandomRotation, ir.RandomZoom, ir.RandomContrast, ir.RandomTranslation),
)


def output_activation(analysis: Analysis) -> str:
    """The activation that produces the model's output (``linear`` when none does)."""
    for info in reversed(analysis.flat()):
        layer = info.layer
        if isinstance(layer, _SILENT):
            continue
        return getattr(layer, "activation", None) or "linear"
    return "linear"


def scales_inputs(analysis: Analysis) -> bool:
    """True when the model has no rescale/preprocess: training divides pixels by 255 then."""
    return not any(isinstance(i.layer, (ir.Rescale, ir.Preprocess)) for i in analysis.flat())


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
        keys.INPUT_SCALING: "1/255" if scales_inputs(analysis) else "none",
        keys.OUTPUT_ACTIVATION: output_activation(analysis),
        keys.SPEC_TEXT: format_spec(analysis.spec),
    }
