"""Import the ONNX files specdsl exports: round trips, graph-only files, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from specdsl.api import load, loads
from specdsl.review.importers import ImportFailed, import_model
from tests.review.conftest import cli, spec

onnx = pytest.importorskip("onnx")


def export(analysis, path: Path) -> Path:
    from specdsl.backends.onnx.model import build_model
    from specdsl.weights.checkpoint import random_weights

    model = build_model(analysis, random_weights(analysis))
    onnx.save(model, str(path))
    return path


@pytest.mark.parametrize("name", ["mnist_convnet", "dogs_cats_aug", "vgg16_finetune"])
def test_round_trip_is_the_same_model(name: str, tmp_path: Path):
    model = export(load(spec(name)), tmp_path / f"{name}.onnx")
    code, out, err = cli("diff", spec(name), model)
    assert code == 0, out + err
    assert "no architecture or training difference" in out
    written = tmp_path / "back.spec"
    code, out, _ = cli("import", model, "-o", written)
    assert code == 0 and "back.spec" in out
    assert written.read_text().startswith(f"# imported from {name}.onnx by specdsl import\n")
    code, out, _ = cli("diff", spec(name), written)
    assert code == 0, out
    code, _, _ = cli("check", written)
    assert code == 0


def test_graph_without_metadata_imports_the_layers(tmp_path: Path):
    model = onnx.load(str(export(load(spec("vgg16_finetune")), tmp_path / "m.onnx")))
    del model.metadata_props[:]
    bare = tmp_path / "bare.onnx"
    onnx.save(model, str(bare))
    imported = import_model(bare)
    kinds = [layer.kind for layer in imported.spec.layers]
    assert kinds == ["preprocess", "base", "flatten", "dense", "dense"]  # dropout, flips: gone
    base = imported.spec.layers[1]
    assert base.arch == "vgg16" and base.weights is None and len(base.layers) == 19
    assert imported.analysis.total_params == 17_992_001
    assert "training_layers" in imported.unknown and "freezing" in imported.unknown
    code, out, _ = cli("diff", spec("vgg16_finetune"), bare, "-f", "markdown")
    assert code == 0, out
    assert "_Not compared (not recorded in both files):" in out
    assert "training-only layers (augmentation, dropout)" in out


def test_the_graph_wins_over_the_stored_spec(tmp_path: Path):
    """A graph that no longer matches the spec stored in it shows what it really computes."""
    from specdsl.run.metadata import SPEC_TEXT

    text = spec("mnist_convnet").read_text().replace("conv 64 k3 relu", "conv 48 k3 relu")
    path = export(loads(text), tmp_path / "m.onnx")
    model = onnx.load(str(path))
    for prop in model.metadata_props:
        if prop.key == SPEC_TEXT:
            prop.value = spec("mnist_convnet").read_text()
    onnx.save(model, str(path))
    code, out, _ = cli("diff", spec("mnist_convnet"), path, "-f", "json")
    assert code == 1
    import json

    data = json.loads(out)
    conv = next(x for x in data["layers"] if x["name"] == "conv2d_1")
    assert conv["changes"] == [{"field": "filters", "old": 64, "new": 48}]


def test_unsupported_operation_names_node_and_layer(tmp_path: Path):
    path = export(load(spec("mnist_convnet")), tmp_path / "m.onnx")
    model = onnx.load(str(path))
    index = next(i for i, n in enumerate(model.graph.node) if n.op_type == "MaxPool")
    model.graph.node[index].op_type = "LpPool"
    onnx.save(model, str(path))
    with pytest.raises(ImportFailed) as e:
        import_model(path)
    msg = str(e.value)
    assert f"node {index} 'max_pooling2d/MaxPool' (LpPool)" in msg
    assert "layer 'max_pooling2d'" in msg and "cannot import" in msg
    code, _, err = cli("import", path)
    assert code == 1 and "LpPool" in err and "Traceback" not in err
    code, _, err = cli("diff", spec("mnist_convnet"), path)
    assert code == 2 and "LpPool" in err


def test_foreign_onnx_file_is_refused_clearly(tmp_path: Path):
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 4, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 4, 3])
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="relu")], "g", [x], [y])
    path = tmp_path / "foreign.onnx"
    onnx.save(helper.make_model(graph), str(path))
    with pytest.raises(ImportFailed, match=r"node 0 'relu' \(Relu\) is not named '<layer>/<op>'"):
        import_model(path)
    (tmp_path / "junk.onnx").write_bytes(b"not a model")
    with pytest.raises(ImportFailed, match="not a readable ONNX file"):
        import_model(tmp_path / "junk.onnx")


@pytest.mark.parametrize("labels", ["not json [", '{"a": 1}', "[1, 2]"])
def test_malformed_labels_metadata_is_one_line(tmp_path: Path, labels: str):
    """Metadata is untrusted: a graph without a stored spec and with bad labels."""
    from onnx import helper

    model = export(load(spec("mnist_convnet")), tmp_path / "m.onnx")
    m = onnx.load(str(model))
    props = {p.key: p.value for p in m.metadata_props if p.key != "spec"}
    props["labels"] = labels
    del m.metadata_props[:]
    helper.set_model_props(m, props)
    onnx.save(m, str(model))
    code, out, err = cli("import", model, "-o", tmp_path / "back.spec")
    assert code == 1
    assert "metadata 'labels'" in out + err and "Traceback" not in out + err
    assert not (tmp_path / "back.spec").exists()
