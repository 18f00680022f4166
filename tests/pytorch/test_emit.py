"""The emitted package: golden files, determinism, formatting, and refusals before writing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from specdsl import ir
from specdsl.api import load, loads
from specdsl.backends import registry
from specdsl.backends.pytorch.package import package_sources
from tests.conftest import LECTURE_SPECS, ROOT
from tests.pytorch.helpers import ALL_SPECS, GOLDEN, error_lines, run_cli, spec_id

GOLDEN_SPECS = LECTURE_SPECS + [p for p in ALL_SPECS if p.stem == "odd_same_strides"]


@pytest.mark.parametrize("path", GOLDEN_SPECS, ids=spec_id)
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
        result = run_cli("build", str(spec), "--backend", "pytorch", "-o", str(tmp_path / out))
        assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == ["data.py", "model.py", "train.py", "vgg16_finetune.spec"]
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_headers_name_the_spec_and_its_hash():
    a = load(ROOT / "specs" / "dogs_cats_aug.spec")
    files = package_sources(a)
    h = ir.spec_hash(a.spec)
    for name in ("model.py", "data.py", "train.py"):
        assert "dogs_cats_aug" in files[name].splitlines()[0]
        assert f"spec: dogs_cats_aug.spec  spec_hash: {h}" in files[name]
    assert f'SPEC_HASH = "{h}"' in files["train.py"]
    assert ir.spec_hash(loads(files["dogs_cats_aug.spec"]).spec) == h


def test_emitted_code_is_formatted_and_ruff_clean(tmp_path):
    ruff = shutil.which("ruff") or str(ROOT / ".venv" / "bin" / "ruff")
    if not os.path.exists(ruff):
        pytest.skip("ruff is not installed")
    for path in ALL_SPECS:
        for name, text in package_sources(load(path)).items():
            if name.endswith(".py"):
                (tmp_path / path.stem).mkdir(exist_ok=True)
                (tmp_path / path.stem / name).write_text(text, encoding="utf-8")
    config = ["--config", str(ROOT / "pyproject.toml"), "--no-cache"]
    for cmd in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [ruff, *cmd, *config, str(tmp_path)], capture_output=True, text=True, cwd=ROOT
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_emitted_snippets_compile():
    for path in ALL_SPECS:
        for name, text in package_sources(load(path)).items():
            if name.endswith(".py"):
                compile(text, f"{path.stem}/{name}", "exec")


def _refused(text: str, match: str, tmp_path):
    a = loads(text)
    backend = registry.get("pytorch")
    out = tmp_path / "out"
    with pytest.raises(registry.BackendError, match=match):
        backend.build(a, out)
    assert not out.exists()


def test_augmentation_after_a_computing_layer_is_refused(tmp_path):
    text = "model m\ninput 8x8x3\nconv 2 k3\nflip\nflatten\ndense 1 sigmoid\n"
    _refused(text, "'random_flip' must come before the layers that compute", tmp_path)


def test_unsupported_metric_is_refused(tmp_path):
    text = "model m\ninput 8x8x3\nflatten\ndense 1 sigmoid\nloss binary_crossentropy\nmetrics auc\n"
    _refused(text, "does not compute metric 'auc'", tmp_path)


def test_missing_loss_builds_a_model_to_run_but_no_training(tmp_path):
    a = loads("model m\ninput 8x8x3\nflatten\ndense 1 sigmoid\n")
    written = registry.get("pytorch").build(a, tmp_path / "out")
    assert sorted(p.name for p in written) == ["data.py", "m.spec", "model.py"]
    with pytest.raises(registry.BackendError, match="no 'loss' statement"):
        package_sources(a)  # what `specdsl train` writes


def test_cli_build_reports_one_line(tmp_path):
    spec = tmp_path / "m.spec"
    spec.write_text("model m\ninput 8x8x3\nconv 2 k3\nzoom 0.1\nflatten\ndense 1 sigmoid\n")
    result = run_cli("build", str(spec), "--backend", "pytorch", "-o", str(tmp_path / "o"))
    assert result.returncode == 1
    assert len(error_lines(result.stderr)) == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()


def test_building_imports_no_framework(tmp_path):
    code = (
        "import sys\nfrom specdsl.api import load\nfrom specdsl.backends import registry\n"
        "registry.get('pytorch').build(load('specs/vgg16_finetune.spec'), __import__('pathlib')"
        ".Path(sys.argv[1]))\n"
        "assert not {'torch', 'tensorflow', 'torchvision'} & set(sys.modules), sys.modules.keys()"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr


def test_a_head_reading_past_the_base_is_refused(tmp_path):
    _refused(
        "input 32x32x3\npreprocess caffe\nstem: conv 3 k1\nbase vgg16\n"
        "side: conv 512 k32 from stem\nadd vgg16, side\ngap\ndense 2 softmax\n"
        "loss categorical_crossentropy",
        "'side' reads 'stem' from before the base 'vgg16'",
        tmp_path,
    )
