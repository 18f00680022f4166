"""The backend registry: one small table from a target name to the module that implements it.

A backend module registers itself with ``@register("keras")`` on a class that implements
:class:`Backend`. Modules are imported only when their backend is asked for, so that
``specdsl check`` never imports a framework.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from specdsl.check.analysis import Analysis
from specdsl.ir.registry import KindTable as _KindTable

# name -> module that registers it (imported lazily)
MODULES = {
    "keras": "specdsl.backends.keras",
    "pytorch": "specdsl.backends.pytorch",
    "onnx": "specdsl.backends.onnx",
}

_REGISTRY: dict[str, type] = {}


class BackendError(Exception):
    """A backend cannot do what was asked (unsupported layer kind, missing framework, ...)."""


@dataclass(frozen=True)
class TrainOptions:
    """What ``specdsl train`` passes to a backend; None means "as the spec says"."""

    data: Path  # an image folder (train/ validation/ test/) or an MNIST idx folder
    run_dir: Path  # everything of the run goes here
    epochs: int | None = None  # override the spec's epochs (every stage)
    batch_size: int | None = None
    limit: int | None = None  # at most this many examples per split (quick runs, tests)
    weights: Path | None = None  # base weights file overriding the spec's weights=
    seed: int | None = None  # None: 0, or on --resume the seed the run was started with
    precision: str | None = None  # float32, mixed_bfloat16 or mixed_float16 over the spec's
    resume: bool = False  # go on in run_dir from its last checkpoint
    overwrite: bool = False  # clear a non-empty run_dir first
    workers: int = 1  # train as this many local processes (torchrun; TF_CONFIG for Keras)


class Backend(Protocol):
    name: str

    def build(self, analysis: Analysis, out: Path, weights: dict | None = None) -> list[Path]:
        """Write this target's artifacts (code or a model file) for the model; return paths.
        ``weights`` (canonical tensors, every weight of the model) go with them in the
        target's own format (``specdsl build --weights``)."""
        ...

    def train(self, analysis: Analysis, options: TrainOptions) -> Path:
        """Train as the spec says; return the run folder. Only training backends have it."""
        ...


def register(name: str):
    def deco(cls):
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return deco


def names() -> list[str]:
    return sorted(MODULES)


def get(name: str) -> Backend:
    if name not in MODULES:
        from specdsl.diagnostics import did_you_mean

        hint = did_you_mean(name, MODULES)
        raise BackendError(
            f"unknown backend '{name}' (known: {', '.join(names())})"
            + (f"; {hint}" if hint else "")
        )
    if name not in _REGISTRY:
        importlib.import_module(MODULES[name])
    return _REGISTRY[name]()


class KindTable(_KindTable):
    """A target's per-kind table (:class:`specdsl.ir.registry.KindTable`); errors are
    :class:`BackendError`s, and ``check_all`` fails before anything is written."""

    def __init__(self, backend: str):
        super().__init__(f"the {backend} backend", BackendError)
        self.backend = backend

    def check_all(self, analysis: Analysis) -> None:
        """Fail before anything is written if any layer of the model is unsupported."""
        for info in analysis.flat():
            self.lookup(info.layer, analysis.spec.source)
