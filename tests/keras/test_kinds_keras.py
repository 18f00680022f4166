"""Every kind of the kind table through real Keras: the emitted layer is the row's Keras class
with the shapes and parameters specdsl infers, and the Keras importer reads it back."""

from __future__ import annotations

import pytest

from specdsl.api import loads
from specdsl.ir.kinds import KINDS, Kind

keras = pytest.importorskip("keras", reason="Keras is not installed (pip install specdsl[keras])")

LEAF = [k for k in KINDS if k.role not in ("base", "input")]


@pytest.fixture(autouse=True)
def _fresh_keras_names():
    """Keras numbers automatic names per session: leave no models behind for other tests."""
    keras.backend.clear_session()
    yield
    keras.backend.clear_session()


@pytest.mark.parametrize("kind", LEAF, ids=lambda k: k.kind)
def test_kind_in_keras_and_back(kind: Kind, tmp_path):
    from specdsl.backends.keras.runtime import build_keras_model
    from specdsl.review.align import hyperparams
    from specdsl.review.importers import ImportFailed, import_model

    prelude = "conv 4 k1\nconv 4 k3 same from input\n" if kind.merge else ""  # a merge's inputs
    a = loads(f"model m\ninput 13x11x3\n{prelude}{kind.example}\n")
    model = build_keras_model(a)
    info = a.layers[-1]
    layer = model.get_layer(info.name)
    # 'preprocess' is Keras's own preprocess_input in a Lambda; a saved Lambda names its
    # function but not the module, so the importer settles the mode from the base after it.
    lam = kind.kind == "preprocess"
    assert type(layer).__name__ == ("Lambda" if lam else kind.keras_class)
    assert tuple(layer.output.shape[1:]) == info.output_shape
    assert layer.count_params() == info.params
    assert [v.path.split("/")[-1] for v in layer.weights] == [w.name for w in info.weights]
    model.save(tmp_path / "m.keras")
    if lam:  # refused rather than guessed
        with pytest.raises(ImportFailed, match="without a known base after it"):
            import_model(tmp_path / "m.keras")
        return
    read = import_model(tmp_path / "m.keras").spec.layers[-1]
    assert (read.kind, read.name) == (info.kind, info.name)
    assert hyperparams(read) == hyperparams(info.layer)
    assert read.inputs == info.layer.inputs
