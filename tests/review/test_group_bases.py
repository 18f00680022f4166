"""group_bases: a zoo base's run of leaf layers is found where the layers' names fit, in one
pass over the layers (``_name_windows``), and compared in full only there."""

from __future__ import annotations

from specdsl import ir
from specdsl.ir.graph import as_keras_list
from specdsl.review.importers.common import _name_windows, group_bases
from specdsl.syntax.parse import load_zoo_spec


def _dense(*names: str) -> list:
    return [ir.Dense(name=n, units=2) for n in names]


def test_name_windows_are_the_runs_with_the_base_names():
    layers = _dense("a", "b", "c", "a", "b")
    assert _name_windows(layers, _dense("a", "b")) == {0, 3}
    assert _name_windows(layers, _dense("b", "a")) == {0, 3}  # the order is compared later
    assert _name_windows(_dense("a", "a", "b"), _dense("a", "b")) == {1}
    assert _name_windows(layers, _dense("a", "b", "c", "a", "b", "c")) == set()
    assert _name_windows(layers, []) == set()


def test_a_base_between_other_layers_and_a_base_that_differs():
    vgg = list(as_keras_list(load_zoo_spec("vgg16").layers))
    head, tail = [ir.Rescale(name="rescale", scale=1 / 255)], [ir.Flatten(name="flatten")]
    got = group_bases(head + vgg + tail + _dense("dense"))
    assert [x.kind for x in got] == ["rescale", "base", "flatten", "dense"]
    assert got[1].arch == "vgg16"
    changed = [*vgg[:-1], vgg[-1].model_copy(update={"strides": (3, 3)})]  # the last pool
    got = group_bases(head + changed + tail)
    assert [x.name for x in got] == [x.name for x in head + changed + tail]
