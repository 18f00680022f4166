"""The emitted package: golden files, determinism, formatting, and refusals before writing.

Golden files live in tests/golden/keras/<spec>/; after an intended change of the emitted code,
rewrite them with ``SPECDSL_UPDATE_GOLDEN=1 pytest tests/keras/test_keras_emit.py`` and
review the diff.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import typing

import pytest

from specdsl import ir
from specdsl.api import load, loads
from specdsl.backends import registry
from specdsl.backends.keras.layers import EMIT
from specdsl.backends.keras.package import package_sources
from tests.conftest import LECTURE_SPECS, ROOT
from tests.keras.helpers import ALL_SPECS, GOLDEN, run_cli, spec_id


@pytest.mark.parametrize("path", LECTURE_SPECS, ids=spec_id)
def test_golden_files(path):
    files = package_sources(load(path))
    folder = GOLDEN / path.stem
    if os.environ.get("SPECDSL_UPDATE_GOLDEN"):
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
    assert sorted(p.name for p in folder.iterdir()) == sorted(files)
    for name, text in files.items():
        assert (folder / name).read_text(encoding="utf-8") == text, f"{path.stem}/{name}"


def test_build_is_byte_identical(tmp_path):
    spec = ROOT / "specs" / "vgg16_finetune.spec"
    for out in ("a", "b"):
        result = run_cli("build", str(spec), "--backend", "keras", "-o", str(tmp_path / out))
        assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == ["model.py", "train.py", "vgg16_finetune.spec"]
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_header_names_spec_and_hash():
    a = load(ROOT / "specs" / "dogs_cats_aug.spec")
    files = package_sources(a)
    first = f"for spec 'dogs_cats_aug' (spec_hash {ir.spec_hash(a.spec)})."
    assert files["model.py"].splitlines()[0] == f'"""Keras model {first}'
    assert files["train.py"].splitlines()[0] == f'"""Training script {first}'
    assert ir.spec_hash(loads(files["dogs_cats_aug.spec"]).spec) == ir.spec_hash(a.spec)


@pytest.mark.skipif(
    shutil.which("ruff") is None and not (ROOT / ".venv/bin/ruff").exists(),
    reason="ruff is not installed",
)
def test_emitted_code_is_formatted_and_ruff_clean(tmp_path):
    ruff = shutil.which("ruff") or str(ROOT / ".venv/bin/ruff")
    for path in ALL_SPECS:
        folder = tmp_path / path.stem
        folder.mkdir()
        for name, text in package_sources(load(path)).items():
            (folder / name).write_text(text, encoding="utf-8")
    config = ["--config", str(ROOT / "pyproject.toml")]
    for cmd in (["check", "--no-cache"], ["format", "--check", "--no-cache"]):
        result = subprocess.run(
            [ruff, *cmd, *config, "."], cwd=tmp_path, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_every_layer_kind_has_an_emitter():
    union = typing.get_args(ir.Layer)[0]
    kinds = [ir.InputLayer, *typing.get_args(union)]
    assert ir.Base in kinds and ir.Conv2D in kinds
    for cls in kinds:
        assert cls in EMIT.table, cls.__name__


def test_unsupported_kind_fails_before_writing(tmp_path, monkeypatch):
    monkeypatch.delitem(EMIT.table, ir.Dropout)
    a = load(ROOT / "specs" / "dogs_cats_aug.spec")
    with pytest.raises(registry.BackendError) as e:
        registry.get("keras").build(a, tmp_path / "out")
    assert str(e.value).endswith(
        "dogs_cats_aug.spec:18:1: the keras backend does not support layer kind "
        "'dropout' (layer 'dropout')"
    )
    assert not (tmp_path / "out").exists()


def test_names_that_are_not_identifiers_are_refused(tmp_path):
    """The parser refuses such names; the backend checks again for IR made in code."""
    a = loads("model my_net\ninput 28x28x1\nflatten\ndense 2 softmax\n")
    a = dataclasses.replace(a, spec=a.spec.model_copy(update={"name": "my-net"}))
    with pytest.raises(
        registry.BackendError, match="model name 'my-net' is not a Python identifier"
    ):
        registry.get("keras").build(a, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_strings_are_escaped():
    a = loads('model quoted\ninput 8x8x1\nclasses "a \\"b\\"" c\nflatten\ndense 2 softmax\n')
    text = package_sources(a)["train.py"]
    assert 'CLASSES = ["a \\"b\\"", "c"]' in text
    compile(text, "train.py", "exec")
