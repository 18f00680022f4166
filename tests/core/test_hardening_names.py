"""Names: one rule (syntax/tokens.name_problem, check/names.check_names) so that a name no
target can take is a located error in ``check``, and a default name is always valid."""

from __future__ import annotations

import py_compile

import pytest

from specdsl.api import diagnose
from specdsl.syntax.format import format_spec
from specdsl.syntax.parse import parse_text
from specdsl.syntax.tokens import default_model_name, name_problem
from tests.core.test_cli import run

BODY = "input 64x64x3\nconv 4 k3\nflatten\ndense 2 softmax\nloss categorical_crossentropy\n"


def errors(text: str, file: str = "t.spec") -> list:
    return [d for d in diagnose(text, file)[1] if d.severity == "error"]


@pytest.mark.parametrize(
    "first, column, words",
    [
        ("model None", 7, "keyword"),
        ("model none", 7, "keyword"),
        ("model class", 7, "keyword"),
        ("model __init__", 7, "'__'"),
        ("model list", 7, "builtin"),
        ("model a-b", 7, "not an identifier"),
        ("model " + "a" * 5000, 7, "5,000 characters"),
        ("input_layer: dense 3", 1, "input"),
        ("__x: dense 3", 1, "'__'"),
        ("True: dense 3", 1, "keyword"),
        ("a.b: dense 3", 1, "not an identifier"),
    ],
)
def test_names_no_target_can_take_are_located_errors(first, column, words):
    found = errors(f"{first}\n{BODY}")
    assert found, first
    assert (found[0].span.line, found[0].span.column) == (1, column)
    assert words in found[0].message and len(found[0].message) < 200


def test_base_name_is_checked_where_it_is_written():
    found = errors('model m\ninput 64x64x3\nbase vgg16 name="class"\nflatten\n')
    assert found and "keyword" in found[0].message
    assert (found[0].span.line, found[0].span.column) == (3, 17)


@pytest.mark.parametrize(
    "layer",
    [
        "base vgg16 name=block1_conv1",
        "base vgg16\nblock5_pool: flatten",
        "base vgg16 name=block5_pool",
    ],
)
def test_names_of_a_base_layers_are_taken(layer):
    text = f"model m\ninput 64x64x3\n{layer}\nflatten\ndense 2 softmax\n"
    found = errors(text)
    assert found and "is also a layer of base 'vgg16'" in found[0].message
    assert found[0].span is not None


def test_fine_names_pass():
    text = "model my_model2\ninput 64x64x3\nbase vgg16 name=conv_base\nhead: flatten\nout: dense 2"
    assert errors(text) == []
    assert name_problem("model", "model name") is None


@pytest.mark.parametrize(
    "stem, name",
    [
        ("名前", "model"),
        ("None", "None_model"),
        ("class", "class_model"),
        ("list", "list_model"),
        ("my-net.v2", "my_net_v2"),
        ("3d_net", "model_3d_net"),
        ("__init__", "init"),
        ("x" * 300, "x" * 88),
        ("", "model"),
    ],
)
def test_default_model_name_is_always_valid(stem, name):
    assert default_model_name(stem) == name
    assert name_problem(name, "model name") is None


@pytest.mark.parametrize("stem", ["名前", "None", "class", "my-net", "__init__", "0"])
def test_a_spec_without_model_line_builds_and_reads_back(tmp_path, stem):
    path = tmp_path / f"{stem}.spec"
    path.write_text(BODY, encoding="utf-8")
    r = run("check", str(path))
    assert r.returncode == 0, r.stderr
    spec = parse_text(BODY, str(path))
    assert name_problem(spec.name, "model name") is None
    again = parse_text(format_spec(spec))  # the emitted copy names the model: it must parse
    assert again.name == spec.name


def test_pytorch_class_is_never_a_builtin_or_keyword(tmp_path):
    from specdsl.backends.pytorch.model import TAKEN_CLASS_NAMES, class_name

    for name in ("type_error", "exception", "image", "path"):
        path = tmp_path / f"{name}.spec"
        path.write_text(f"model {name}\n{BODY}", encoding="utf-8")
        out = tmp_path / name
        r = run("build", str(path), "--backend", "pytorch", "-o", str(out))
        assert r.returncode == 0, r.stderr
        model = (out / "model.py").read_text(encoding="utf-8")
        assert class_name(name) in TAKEN_CLASS_NAMES
        assert f"class {class_name(name)}Model(nn.Module):" in model
        for py in out.glob("*.py"):
            py_compile.compile(str(py), doraise=True)


def test_cli_check_shows_the_name_error(tmp_path):
    path = tmp_path / "n.spec"
    path.write_text(f"model None\n{BODY}", encoding="utf-8")
    r = run("check", str(path))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"{path}:1:7: error: model name 'None' is a Python keyword" in r.stderr
