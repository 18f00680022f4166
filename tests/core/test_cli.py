"""The CLI core: check, summary, fmt, schema, --version; exit codes; no heavy imports."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tests.conftest import LECTURE_SPECS, ROOT, SPECS

HEAVY = ("tensorflow", "keras", "torch", "onnxruntime", "torchvision")

PROBE = (
    "import sys, atexit\n"
    "atexit.register(lambda: print('HEAVY=' + ','.join(m for m in {heavy!r} if m in sys.modules),"
    " file=sys.stderr))\n"
    "import runpy\n"
    "sys.argv = ['specdsl'] + {args!r}\n"
    "runpy.run_module('specdsl', run_name='__main__')\n"
)


def run(*args: str, cwd=ROOT, probe: bool = False) -> subprocess.CompletedProcess:
    if probe:
        cmd = [sys.executable, "-c", PROBE.format(heavy=HEAVY, args=list(args))]
    else:
        cmd = [sys.executable, "-m", "specdsl", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_version():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith("specdsl 0.")


def test_check_all_lecture_specs_ok():
    r = run("check", *map(str, LECTURE_SPECS))
    assert r.returncode == 0, r.stderr
    assert r.stdout.count(": ok") == len(LECTURE_SPECS)


def test_check_reports_every_error_with_exit_1(tmp_path):
    bad = tmp_path / "bad.spec"
    bad.write_text("input 28x28x1\nconvv 32 k3\nconv 8 k3 rellu\ndense 0\n")
    r = run("check", str(bad))
    assert r.returncode == 1
    assert f"{bad}:2:1: error: unknown layer or statement 'convv'" in r.stderr
    assert f"{bad}:3:11: error: unknown activation 'rellu'" in r.stderr
    assert f"{bad}:4:7: error: dense needs at least 1 unit" in r.stderr
    assert "Traceback" not in r.stderr


def test_check_json_for_editors(tmp_path):
    bad = tmp_path / "bad.spec"
    bad.write_text(
        "input 28x28x1\nflatten\ndense 10 softmax\nloss binary_crossentropy\nfreeze vgg\n"
    )
    r = run("check", "--format", "json", str(bad))
    assert r.returncode == 1
    items = json.loads(r.stdout)
    kinds = {(d["severity"], d["line"]) for d in items}
    assert ("error", 5) in kinds and ("warning", 4) in kinds
    assert all({"file", "message", "column"} <= d.keys() for d in items)


def test_usage_errors_exit_2(tmp_path):
    assert run("check", str(tmp_path / "missing.spec")).returncode == 2
    assert run("check", "--format", "xml", str(SPECS / "mnist_convnet.spec")).returncode == 2
    assert run("frobnicate").returncode == 2
    r = run("build", str(SPECS / "mnist_convnet.spec"), "--backend", "kerass")
    assert r.returncode == 2 and "did you mean 'keras'?" in r.stderr


def test_binary_and_garbage_files_never_traceback(tmp_path):
    junk = tmp_path / "junk.spec"
    junk.write_bytes(bytes(range(256)) * 4)
    r = run("check", str(junk))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    junk.write_text("}{][;;;::==\n\t\x00")
    r = run("check", str(junk))
    assert r.returncode == 1 and "Traceback" not in r.stderr


def test_summary_table_and_json():
    r = run("summary", str(SPECS / "vgg16_finetune.spec"))
    assert r.returncode == 0, r.stderr
    assert "17,992,001" in r.stdout and "10,356,737" in r.stdout and "7,635,264" in r.stdout
    r = run("summary", "--format", "json", str(SPECS / "vgg16_finetune.spec"))
    data = json.loads(r.stdout)
    assert data["total_params"] == 17_992_001 and data["trainable_params"] == 10_356_737
    base_rows = [row for row in data["layers"] if row["depth"] == 1]
    assert len(base_rows) == 19
    assert [row["trainable"] for row in base_rows[-4:]] == [True] * 4
    assert not any(row["trainable"] for row in base_rows[1:-4])
    assert [s["trainable_params"] for s in data["stages"]] == [3_277_313, 10_356_737]


def test_summary_plain_matches_keras_shapes():
    r = run("summary", "--format", "plain", str(SPECS / "mnist_convnet.spec"))
    assert "conv2d (Conv2D)" in r.stdout and "(None, 26, 26, 32)" in r.stdout
    assert "total params: 104,202" in r.stdout


def test_fmt_check_and_write(tmp_path):
    messy = tmp_path / "m.spec"
    messy.write_text("input 28x28x1;conv 32 k3 relu # c\npool   2;flatten;dense 10 softmax")
    r = run("fmt", "--check", str(messy))
    assert r.returncode == 1 and "would reformat" in r.stdout
    assert run("fmt", str(messy)).returncode == 0
    text = messy.read_text()
    assert text == (
        "model m\ninput 28x28x1\n\nconv 32 k3 relu  # c\npool 2\nflatten\ndense 10 softmax\n"
    )
    assert run("fmt", "--check", str(messy)).returncode == 0
    assert run("fmt", "--check", *map(str, LECTURE_SPECS)).returncode == 0


def test_schema():
    r = run("schema")
    assert json.loads(r.stdout)["title"] == "ModelSpec"


@pytest.mark.parametrize(
    "args",
    [
        ["check", str(SPECS / "vgg16_finetune.spec")],
        ["summary", str(SPECS / "vgg16_finetune.spec")],
        ["fmt", "--check", str(SPECS / "mnist_convnet.spec")],
        ["schema"],
    ],
)
def test_core_commands_import_no_framework(args):
    r = run(*args, probe=True)
    assert r.returncode == 0, r.stderr
    assert "HEAVY=\n" in r.stderr or r.stderr.rstrip().endswith("HEAVY="), r.stderr


def test_check_starts_fast():
    start = time.perf_counter()
    r = run("check", str(SPECS / "vgg16_finetune.spec"))
    elapsed = time.perf_counter() - start
    assert r.returncode == 0
    # A generous bound for a shared 2-core CI machine; typical is ~0.4 s.
    assert elapsed < 5.0
