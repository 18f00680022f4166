"""The kind table against every per-kind table: a kind without a shape rule, formatter case,
handler in any of the three targets, or reader in either importer fails here.

Each row's ``example`` is also run through the places that have no table of their own:
fmt round trip, the weight layouts, and the ONNX importer (export, then read back).
"""

from __future__ import annotations

import pytest

from specdsl import ir
from specdsl.api import loads
from specdsl.ir.kinds import KINDS, Kind
from specdsl.ir.registry import KindTable
from specdsl.syntax.format import format_spec
from specdsl.syntax.parse import parse_text
from specdsl.weights.layouts import LAYOUTS

LEAF = [k for k in KINDS if k.role not in ("base", "input")]


def _id(k: Kind) -> str:
    return k.kind


def _tables() -> dict[str, KindTable]:
    from specdsl.backends.keras.layers import EMIT as keras
    from specdsl.backends.onnx.model import CONVERT as onnx
    from specdsl.backends.pytorch.model import EMIT as pytorch
    from specdsl.check.shapes import RULES
    from specdsl.syntax.format import TEXT

    return {"shape rules": RULES, "formatter": TEXT, "keras": keras, "pytorch": pytorch,
            "onnx": onnx}  # fmt: skip


@pytest.mark.parametrize("kind", KINDS, ids=_id)
def test_every_kind_has_every_handler(kind: Kind):
    # A base is structural: the analysis infers its own layers one by one, and the ONNX graph
    # is built from the flat layer list, so neither has a handler for the base itself.
    skip = ("shape rules", "onnx") if kind.role == "base" else ()
    missing = [
        name for name, table in _tables().items() if name not in skip and kind.ir_class not in table
    ]
    assert not missing, f"{kind.kind} has no handler in: {', '.join(missing)}"


@pytest.mark.parametrize("kind", LEAF, ids=_id)
def test_every_kind_has_a_keras_reader(kind: Kind):
    """Bases and input entries are read structurally by the Keras importer (nested models)."""
    from specdsl.backends.keras.read_layers import READERS

    assert kind.keras_class in READERS


def test_a_kind_registered_twice_is_an_error():
    table = KindTable("a test table")
    table.register(ir.Conv2D)(lambda layer: None)
    with pytest.raises(ValueError, match="Conv2D is registered twice"):
        table.register(ir.Conv2D)(lambda layer: None)


def test_rows_are_consistent():
    for k in KINDS:
        assert k.ir_class.model_fields["kind"].default == k.kind
        for slot in k.weights:
            assert slot.layout in LAYOUTS, (k.kind, slot.name)
        if k.role not in ("base", "input"):
            assert k.example and k.keywords, k.kind
    assert set(ir.AUGMENT_KINDS) == {"flip", "rotate", "zoom", "contrast", "translate"}


# Two layers for a merge's example to read: conv2d and conv2d_1.
MERGE_PRELUDE = "conv 4 k1\nconv 4 k3 same from input\n"


def _example(kind: Kind):
    prelude = MERGE_PRELUDE if kind.merge else ""
    return loads(f"model m\ninput 13x11x3\n{prelude}{kind.example}\n")


@pytest.mark.parametrize("kind", LEAF, ids=_id)
def test_example_checks_formats_and_has_its_weights(kind: Kind):
    a = _example(kind)
    assert a.ok, a.diagnostics
    info = a.layers[-1]
    assert info.kind == kind.kind
    assert [w.name for w in info.weights] == [
        s.name for s in kind.weights if s.name != "bias" or getattr(info.layer, "use_bias", True)
    ]
    text = format_spec(a.spec)
    assert kind.example in text, text
    assert ir.ir_equal(parse_text(text), a.spec)
    if kind.field == "window":
        assert info.geometry is not None


@pytest.mark.parametrize("kind", [k for k in LEAF if not k.vanishes], ids=_id)
def test_example_survives_onnx_export_and_import(kind: Kind, tmp_path):
    pytest.importorskip("onnx", reason="onnx is not installed")
    from specdsl.backends.onnx.model import export
    from specdsl.backends.onnx.reader import graph_layers
    from specdsl.review.align import hyperparams
    from specdsl.weights.checkpoint import random_weights

    a = _example(kind)
    path = export(a, random_weights(a), tmp_path / "m.onnx")
    import onnx

    _, layers = graph_layers(onnx.load(str(path)), str(path))
    assert len(layers) == len(a.spec.layers)
    read = layers[-1]  # what ONNX cannot hold (batch-norm momentum) is not compared
    written = a.spec.layers[-1]
    assert (read.kind, read.name) == (written.kind, written.name)
    stored = {k: v for k, v in hyperparams(written).items() if k != "momentum"}  # training only
    assert {k: v for k, v in hyperparams(read).items() if k != "momentum"} == stored
