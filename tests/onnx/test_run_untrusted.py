"""``specdsl run`` treats the ONNX file (and the names on disk) as untrusted input: control
characters are escaped in text output, malformed metadata is one line naming the file and the
key, NaN or infinite outputs are errors for their image; never a traceback."""

from __future__ import annotations

import json
import os
import sys

import pytest

from specdsl.run.text import printable
from tests.onnx import tiny_models
from tests.onnx.test_run_cli import specdsl_run

HOSTILE = ["\x1b[2J\x1b[31mPWNED", "b\nerror: fake line", "\u202eevil\u2066", "ok\x9b31m\x07"]


def assert_clean(*outputs: str) -> None:
    for text in outputs:
        assert "Traceback" not in text
        for ch in "\x1b\x07\x9b\r\u202e\u2066\u2028\x00":
            assert ch not in text, (ch, text)


@pytest.fixture
def white(tmp_path):
    return tiny_models.gray_png(tmp_path / "white.png", 255)


def meta(**changes) -> dict[str, str]:
    out = dict(tiny_models.GOOD_META)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def test_printable_escapes_controls_and_keeps_text():
    assert printable("\x1b[2J\x1b[31mPWNED") == "\\x1b[2J\\x1b[31mPWNED"
    assert printable("b\nerror: fake line\r\t") == "b\\nerror: fake line\\r\\t"
    assert printable("\x00\x7f\x85\x9b") == "\\x00\\x7f\\x85\\x9b"  # C0, DEL, C1 (NEL, CSI)
    assert printable("a\u202eb\u2066c\u200fd\u2028e\ufeff") == (
        "a\\u202eb\\u2066c\\u200fd\\u2028e\\ufeff"
    )
    assert printable("x\udcff.png") == "x\\udcff.png"  # an undecodable byte of a file name
    assert printable("\U000e0041") == "\\U000e0041"  # an invisible tag character
    for text in ["café", "猫", "кошка", "قطة", "नमस्ते", "می\u200cخواهم", "👩\u200d💻", "a b"]:
        assert printable(text) == text


def test_hostile_labels_and_name_are_escaped_in_text(tmp_path, white):
    labels = HOSTILE
    m = meta(labels=json.dumps(labels), model_name="\x1b]0;owned\x07tiny")
    model = tiny_models.classifier(tmp_path / "m.onnx", m, classes=len(labels))
    res = specdsl_run(model, white, "--top", "4")
    assert res.returncode == 0, res.stderr
    assert_clean(res.stdout, res.stderr)
    [line] = res.stdout.splitlines()  # no forged second line
    assert line.startswith(f"{white}: ")
    for label in labels:
        assert printable(label) in line
    assert "\\x1b[2J\\x1b[31mPWNED" in line and "b\\nerror: fake line" in line
    assert res.stderr.splitlines()[0].startswith("\\x1b]0;owned\\x07tiny: 4x4x3 images")
    assert not any(x.startswith("error: fake") for x in res.stderr.splitlines())


def test_json_keeps_the_exact_strings(tmp_path, white):
    labels = [*HOSTILE, "café", "猫", "кошка"]
    model = tiny_models.classifier(
        tmp_path / "m.onnx", meta(labels=json.dumps(labels)), classes=len(labels)
    )
    res = specdsl_run(model, white, "--json", "--top", str(len(labels)))
    assert res.returncode == 0, res.stderr
    assert_clean(res.stdout, res.stderr)

    def no_constants(name):
        raise ValueError(f"not JSON: {name}")

    doc = json.loads(res.stdout, parse_constant=no_constants)  # strict JSON: no NaN
    assert sorted(t["label"] for t in doc["results"][0]["top"]) == sorted(labels)


def test_non_latin_labels_print_unchanged(tmp_path, white):
    labels = ["café", "猫", "кошка"]
    model = tiny_models.classifier(
        tmp_path / "m.onnx", meta(labels=json.dumps(labels)), classes=len(labels)
    )
    res = specdsl_run(model, white, "--top", "3")
    assert res.returncode == 0, res.stderr
    for label in labels:
        assert f"{label} 0." in res.stdout


BAD = [
    ("labels", "not json [", "is not valid JSON (Expecting value at char 0)"),
    ("labels", '{"cat": 0}', "must be a JSON list of strings, not an object"),
    ("labels", '["cat", 3]', "item 1 is a number"),
    ("labels", '["cat", null]', "item 1 is null"),
    ("labels", '["cat", " "]', "item 1 is a blank label"),
    ("labels", "[" * 100_000, "nested too deeply"),
    ("labels", '["\x1b[2J", "b\nerror: x"]', "Invalid control character"),
    ("input_channels", "abc", "must be 1, 3 or 4: 'abc'"),
    ("input_channels", "2", "must be 1, 3 or 4"),
    ("input_size", "999999999x3", "sides 1..16384"),
    ("input_size", "-4x4", "must be HxW"),
    ("input_size", "0x4", "must be HxW"),
    ("input_size", "4x4x3", "must be HxW"),
    ("input_size", "\u0664x\u0664", "must be HxW"),  # Arabic-Indic digits: int() takes them
    ("input_size", None, "is missing (but 'input_channels' is there)"),
    ("input_layout", "NCHW float32", "must be 'NHWC uint8'"),
    ("output_activation", "\x1b[2Jsoftmax", "must be an activation name"),
    ("model_name", "x" * 1000, "is longer than 256 characters"),
    ("specdsl_version", "1.0\n", "must be a version"),
]


@pytest.mark.parametrize(
    ("key", "value", "why"), BAD, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(BAD)]
)
def test_malformed_metadata_is_one_line_naming_file_and_key(tmp_path, white, key, value, why):
    model = tiny_models.classifier(tmp_path / "bad.onnx", meta(**{key: value}))
    res = specdsl_run(model, white)
    assert res.returncode == 1, res.stdout
    assert_clean(res.stdout, res.stderr)
    assert res.stdout == ""
    [line] = res.stderr.splitlines()
    assert line.startswith(f"error: {model}: metadata '{key}' "), line
    assert why in line, line


def test_overrides_replace_broken_keys(tmp_path, white):
    model = tiny_models.classifier(
        tmp_path / "m.onnx", meta(labels="not json [", input_size="999999999x3")
    )
    res = specdsl_run(model, white)
    assert res.returncode == 1 and "(give --size HxWxC to override it)" in res.stderr
    res = specdsl_run(model, white, "--size", "4x4x3")
    assert res.returncode == 1 and "(give --labels a,b,... to override it)" in res.stderr
    res = specdsl_run(model, white, "--size", "4x4x3", "--labels", "cat,dog")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith(f"{white}: dog 0.99")


def test_metadata_size_that_the_graph_cannot_take(tmp_path, white):
    model = tiny_models.classifier(
        tmp_path / "m.onnx", meta(input_size="8x8"), shape=["N", 4, 4, 3]
    )
    res = specdsl_run(model, white)
    assert res.returncode == 1 and res.stderr.count("\n") == 1
    assert "takes images of 4x4x3, not 8x8x3 (its metadata 'input_size'" in res.stderr
    res = specdsl_run(model, white, "--size", "8x8x3")  # the user's mistake: a usage error
    assert res.returncode == 2 and "(--size)" in res.stderr


def test_huge_sizes_from_the_graph_or_the_command_line(tmp_path, white):
    model = tiny_models.classifier(tmp_path / "m.onnx", {}, shape=["N", 99999, 4, 3])
    res = specdsl_run(model, white)
    assert res.returncode == 1 and res.stderr.count("\n") == 1
    assert "is not an image it can take" in res.stderr and "--size HxWxC" in res.stderr
    res = specdsl_run(model, white, "--size", "99999x4x3")
    assert res.returncode == 2 and "sides 1..16384" in res.stderr


def test_metadata_not_utf8(tmp_path, white):
    src = tiny_models.classifier(tmp_path / "m.onnx", meta(model_name="QQQQ"))
    model = tiny_models.with_raw_metadata(src, tmp_path / "bad.onnx", "QQQQ", b"\xff\x1b[J")
    res = specdsl_run(model, white)
    assert res.returncode == 1 and res.stderr.count("\n") == 1
    assert_clean(res.stderr)
    assert f"error: {model}: its names or metadata are not UTF-8 text" in res.stderr


def test_outputs_that_are_not_a_classifier(tmp_path, white):
    model = tiny_models.wide_output(tmp_path / "wide.onnx", 2_000_000)
    res = specdsl_run(model, white)
    assert res.returncode == 1 and res.stderr.endswith("not a classifier\n"), res.stderr
    model = tiny_models.string_output(tmp_path / "text.onnx")
    res = specdsl_run(model, white)
    assert res.returncode == 1 and "its output 'text' is tensor(string), not numbers" in res.stderr
    assert_clean(res.stdout, res.stderr)


@pytest.mark.parametrize("as_json", [False, True])
def test_nan_and_inf_outputs_are_errors_for_their_image(tmp_path, as_json):
    model = tiny_models.log_of_brightness(tmp_path / "m.onnx", meta(output_activation="linear"))
    pngs = [tiny_models.gray_png(tmp_path / f"gray{v}.png", v) for v in (255, 100, 50, 200)]
    res = specdsl_run(model, *pngs, "--batch-size", "3", *(["--json"] if as_json else []))
    assert res.returncode == 1  # as for a bad image: the others are still classified
    assert_clean(res.stdout, res.stderr)
    errors = [x for x in res.stderr.splitlines() if x.startswith("error: ")]
    assert errors == [
        f"error: {pngs[1]}: the model's output is infinite (1 of 2 scores)",
        f"error: {pngs[2]}: the model's output is NaN (1 of 2 scores)",
    ]
    assert "2 of 4 images could not be classified" in res.stderr
    if as_json:
        doc = json.loads(res.stdout, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
        assert doc["failed"] == 2 and [r["path"] for r in doc["results"]] == list(map(str, pngs))
        assert "error" in doc["results"][2] and doc["results"][3]["label"] == "cat"
    else:
        lines = res.stdout.splitlines()
        assert [x.split(": ")[0] for x in lines] == [str(pngs[0]), str(pngs[3])]
        shown = [x.rpartition(": ")[2] for x in lines]
        assert all("nan" not in x and "inf" not in x for x in shown), shown


@pytest.mark.skipif(sys.platform == "win32", reason="needs control characters in file names")
def test_hostile_file_names_are_escaped(tmp_path, white):
    folder = tmp_path / "photos"
    folder.mkdir()
    names = ["a\x1b[2Jb.png", "x\nerror: fake.png", "\u202egnp.exe.png", "café.png"]
    for name in names:
        (folder / name).write_bytes(white.read_bytes())
    raw = os.fsencode(folder) + b"/\xff\xfe.png"  # not UTF-8: a surrogate in Python
    with open(raw, "wb") as f:
        f.write(white.read_bytes())
    model = tiny_models.classifier(tmp_path / "m.onnx")
    res = specdsl_run(model, folder)
    assert res.returncode == 0, res.stderr
    assert_clean(res.stdout, res.stderr)
    lines = res.stdout.splitlines()
    assert len(lines) == len(names) + 1
    assert any("a\\x1b[2Jb.png: dog" in x for x in lines)
    assert any("x\\nerror: fake.png: dog" in x for x in lines)
    assert any("café.png: dog" in x for x in lines)
    assert any("\\udcff\\udcfe.png: dog" in x for x in lines)
    res = specdsl_run(model, folder, "--json")
    assert res.returncode == 0, res.stderr
    paths = {r["path"] for r in json.loads(res.stdout)["results"]}
    assert {str(folder / n) for n in names} < paths
