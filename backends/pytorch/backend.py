"""``@register("pytorch")``: build writes model.py, data.py, train.py and the spec beside them."""

from __future__ import annotations

from pathlib import Path

from specdsl.backends.registry import TrainOptions, register
from specdsl.check.analysis import Analysis


@register("pytorch")
class PyTorchBackend:
    name = "pytorch"

    def build(self, analysis: Analysis, out: Path, weights=None) -> list[Path]:
        from specdsl.backends.pytorch.package import write_package

        return write_package(analysis, Path(out), weights)

    def train(self, analysis: Analysis, options: TrainOptions) -> Path:
        from specdsl.backends.pytorch.launch import train

        return train(analysis, options)
