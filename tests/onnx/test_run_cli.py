"""``specdsl run`` end to end, in its own process as a user runs it: real photos, folders,
globs, JSON, top-k, providers, bad inputs, models without specdsl metadata, no heavy imports."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import onnx
import pytest

from tests.conftest import ROOT
from tests.onnx import images
from tests.onnx.conftest import session


def specdsl_run(*args, **kw) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "specdsl", "run", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120, **kw)


def keras_pixels(path, size, channels=3) -> np.ndarray:
    """What Keras's loader makes of a file (TF decode + tf.image.resize), as uint8."""
    tf = pytest.importorskip("tensorflow")
    img = tf.io.decode_image(path.read_bytes(), channels=channels, expand_animations=False)
    return np.rint(tf.image.resize(img, size).numpy()).astype(np.uint8)


def parse(line: str) -> tuple[str, list[tuple[str, float]]]:
    path, _, rest = line.rpartition(": ")
    pairs = [item.rsplit(" ", 1) for item in rest.removesuffix(" (score)").split(", ")]
    return path, [(label, float(p)) for label, p in pairs]


def test_real_photos_end_to_end(lecture_onnx, shared_data):
    exp = lecture_onnx["dogs_cats_scratch"]
    photos = sorted((shared_data / "images").glob("*.jpg"))
    res = specdsl_run(exp.path, *photos)
    assert res.returncode == 0, res.stderr
    assert "provider CPUExecutionProvider" in res.stderr
    lines = res.stdout.splitlines()
    assert len(lines) == len(photos)
    # the printed probability is the model's on the pixels Keras's loader would give it
    batch = np.stack([keras_pixels(p, (180, 180)) for p in photos])
    p_dog = session(exp.path).run(None, {"images": batch})[0][:, 0]
    for line, photo, p in zip(lines, photos, p_dog, strict=True):
        path, [(label, prob)] = parse(line)
        assert path == str(photo)
        assert label == ("dog" if p >= 0.5 else "cat")
        assert prob == pytest.approx(max(p, 1 - p), abs=6e-5)


def test_json_top_k_folder_and_glob(lecture_onnx, shared_data):
    exp = lecture_onnx["mnist_convnet"]
    folder = shared_data / "tshirt_vs_shirt" / "test" / "shirt"
    pattern = str(shared_data / "tshirt_vs_shirt" / "test" / "tshirt" / "tshirt.1?.png")
    res = specdsl_run(exp.path, folder, pattern, "--json", "--top", "3", "--batch-size", "64")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["provider"] == "CPUExecutionProvider" and doc["name"] == "mnist_convnet"
    assert doc["images"] == 1000 + 10 and doc["failed"] == 0
    first = doc["results"][0]
    assert first["path"] == str(folder / "shirt.0.png")  # the folder comes sorted
    assert doc["results"][-1]["path"].endswith("tshirt.19.png")
    for r in doc["results"][:50]:
        top = [t["probability"] for t in r["top"]]
        assert len(top) == 3 and top == sorted(top, reverse=True) and sum(top) <= 1 + 1e-6
        assert r["label"] == r["top"][0]["label"] and r["label"] in "0123456789"


def test_bad_inputs_one_line_each_rest_classified(lecture_onnx, shared_data, tmp_path):
    exp = lecture_onnx["dogs_cats_aug"]
    photo = (shared_data / "images" / "chelsea.jpg").read_bytes()
    rng = np.random.default_rng(0)
    good = [
        images.write(tmp_path / "chelsea.jpg", photo),
        images.write(tmp_path / "gray16.png", images.png16(rng.integers(0, 65536, (40, 30)))),
        images.write(
            tmp_path / "palette2.png",
            images.png_bytes(np.packbits(rng.integers(0, 2, (20, 16)), axis=-1), 16, 0, 1),
        ),
    ]
    bad = {
        tmp_path / "missing.jpg": "no such file",
        images.write(tmp_path / "notes.png", b"plain text"): "not an image",
        images.write(tmp_path / "cut.jpg", photo[: len(photo) // 3]): "truncated",
        images.write(tmp_path / "bomb.png", images.bomb_png()): "decompression-bomb",
        tmp_path / "nothing*.jpg": "no file matches",
    }
    args = [good[0], *list(bad)[:3], *good[1:], *list(bad)[3:]]
    res = specdsl_run(exp.path, *args, "--batch-size", "2")
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert [parse(line)[0] for line in res.stdout.splitlines()] == [str(p) for p in good]
    errors = [line for line in res.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == len(bad)
    for line, (path, why) in zip(errors, bad.items(), strict=True):
        assert line.startswith(f"error: {path}: ") and why in line, line
    assert f"{len(bad)} of {len(args)} images could not be classified" in res.stderr


def _strip_metadata(src, dst, dynamic: bool):
    model = onnx.load(str(src))
    del model.metadata_props[:]
    if dynamic:
        for d in model.graph.input[0].type.tensor_type.shape.dim[1:]:
            d.dim_param = "any"
    onnx.save(model, str(dst))
    return dst


def test_onnx_without_specdsl_metadata(lecture_onnx, shared_data, tmp_path):
    exp = lecture_onnx["mnist_convnet"]
    digit = shared_data / "tshirt_vs_shirt" / "test" / "shirt" / "shirt.3.png"
    fixed = _strip_metadata(exp.path, tmp_path / "fixed.onnx", dynamic=False)
    res = specdsl_run(fixed, digit)  # the size comes from the input shape
    assert res.returncode == 0, res.stderr
    assert "no class labels" in res.stderr and "(score)" in res.stdout
    dynamic = _strip_metadata(exp.path, tmp_path / "dynamic.onnx", dynamic=True)
    res = specdsl_run(dynamic, digit)
    assert res.returncode == 1 and res.stderr.count("\n") == 1
    assert "no specdsl metadata" in res.stderr and "--size HxWxC" in res.stderr
    labels = "zero,one,two,three,four,five,six,seven,eight,nine"
    res = specdsl_run(dynamic, digit, "--size", "28x28x1", "--labels", labels)
    assert res.returncode == 0, res.stderr
    assert parse(res.stdout.strip())[1][0][0] in labels.split(",")
    res = specdsl_run(dynamic, digit, "--size", "28x28x1", "--labels", "a,b")
    assert res.returncode == 1 and "10 classes but 2 labels" in res.stderr


def test_not_a_model_and_bad_options(tmp_path, lecture_onnx):
    junk = images.write(tmp_path / "junk.onnx", b"not a protobuf at all")
    res = specdsl_run(junk, "x.jpg")
    assert res.returncode == 1 and "cannot load the model" in res.stderr
    assert res.stderr.count("\n") == 1
    res = specdsl_run(lecture_onnx["mnist_convnet"].path, "x.png", "--size", "28by28")
    assert res.returncode == 2 and "--size must look like" in res.stderr


def test_device_cuda_fails_clearly_without_cuda(lecture_onnx):
    import onnxruntime as ort

    if "CUDAExecutionProvider" in ort.get_available_providers():
        pytest.skip("this onnxruntime has a CUDA provider")
    res = specdsl_run(lecture_onnx["mnist_convnet"].path, "x.png", "--device", "cuda")
    assert res.returncode == 1
    assert "--device cuda" in res.stderr and "onnxruntime-gpu" in res.stderr


def test_run_imports_no_framework(lecture_onnx, shared_data):
    """The real entry point, traced with -X importtime: no TF, torch, typer, rich, pydantic."""
    cmd = [sys.executable, "-X", "importtime", "-m", "specdsl", "run"]
    cmd += [str(lecture_onnx["mnist_convnet"].path), str(shared_data / "images" / "coffee.jpg")]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert res.returncode == 0, res.stderr
    imported = {
        line.split("|")[-1].strip().split(".")[0]
        for line in res.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "onnxruntime" in imported and "PIL" in imported
    heavy = {"tensorflow", "keras", "torch", "typer", "rich", "pydantic", "lark", "onnx"}
    assert not heavy & imported, heavy & imported


def test_run_leaves_frameworks_out_of_sys_modules(lecture_onnx, shared_data):
    code = (
        "import sys\n"
        "from specdsl.cli import main\n"
        f"sys.argv = ['specdsl', 'run', {str(lecture_onnx['mnist_convnet'].path)!r}, "
        f"{str(shared_data / 'images' / 'rocket.jpg')!r}]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert e.code == 0, e.code\n"
        "heavy = ('tensorflow', 'keras', 'torch', 'typer', 'rich', 'pydantic')\n"
        "print('LOADED', sorted(m for m in heavy if m in sys.modules))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert "LOADED []" in res.stdout


@pytest.mark.parametrize(
    ("blocked", "argv", "message"),
    [
        ("onnx", ["build", "{spec}", "--backend", "onnx", "-o", "{tmp}"], "specdsl[onnx]"),
        ("onnx", ["export", "{spec}", "--weights", "w.safetensors"], "specdsl[onnx]"),
        ("onnxruntime", ["run", "{model}", "x.jpg"], "specdsl run needs onnxruntime"),
    ],
)
def test_missing_packages_say_what_to_install(lecture_onnx, tmp_path, blocked, argv, message):
    fill = {"spec": ROOT / "specs" / "mnist_convnet.spec", "tmp": tmp_path}
    fill["model"] = lecture_onnx["mnist_convnet"].path
    args = [a.format(**fill) for a in argv]
    code = (
        "import sys\n"
        f"sys.modules[{blocked!r}] = None  # as if not installed\n"
        "from specdsl.cli import main\n"
        f"sys.argv = ['specdsl', *{args!r}]\n"
        "main()\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 1
    assert message in res.stderr and "Traceback" not in res.stderr, res.stderr
