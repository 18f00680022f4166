"""The Keras backend.

``specdsl build SPEC --backend keras`` writes a small package: ``model.py`` (``build_model()``
in the Keras functional API, one line per layer, like the lecture's listings), ``train.py``
(the spec's training section, runnable on its own) and the spec it came from.
``specdsl train SPEC --backend keras`` writes that package into the run folder and runs its
``train.py``. ``specdsl.backends.keras.runtime`` builds the same model in-process for tests
and for the other backends' parity checks.

Importing this package does not import Keras; only training and ``runtime`` do.
"""

from __future__ import annotations

from pathlib import Path

from specdsl.backends.registry import TrainOptions, register
from specdsl.check.analysis import Analysis


@register("keras")
class KerasBackend:
    name = "keras"

    def build(self, analysis: Analysis, out: Path, weights=None) -> list[Path]:
        from specdsl.backends.keras.package import write_package

        return write_package(analysis, Path(out), weights)

    def train(self, analysis: Analysis, options: TrainOptions) -> Path:
        from specdsl.backends.keras.launch import train

        return train(analysis, options)
