"""What both importers share: numbers read back from float32, bases, freezing, the result."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from specdsl import ir
from specdsl.check.analysis import Analysis
from specdsl.ir.graph import as_keras_list, is_graph, resolved_inputs


class ImportFailed(Exception):
    """A model file specdsl cannot turn into a spec; the message names the file and the spot."""


@dataclass
class Imported:
    spec: ir.ModelSpec
    analysis: Analysis
    origin: str  # keras or onnx
    unknown: frozenset[str] = frozenset()  # keys of specdsl.review.sources.ASPECTS
    notes: list[str] = field(default_factory=list)  # for the header of an imported spec


# ---- numbers --------------------------------------------------------------------------------


def snap(x: float) -> float:
    """A float32 value as the shortest decimal that reads back to it (0.1, not 0.100000001)."""
    return float(np.format_float_positional(np.float32(x), unique=True, trim="-"))


def rescale_fields(scale: float, offset: float) -> dict:
    """``scale=1/255`` comes back as ``1/255`` when the stored number is its float32 or float64."""
    fields: dict = {"scale": snap(scale), "offset": snap(offset)}
    if 0 < scale < 1:
        n = round(1 / scale)
        if n >= 2 and (1 / n == scale or np.float32(1 / n) == np.float32(scale)):
            fields.update(scale=1 / n, text=f"1/{n}")
    if scale == float(int(scale)):
        fields["scale"] = float(scale)
    return fields


def model_name(name: str | None, fallback: str) -> str:
    """A spec model name (an identifier) from a stored name."""
    text = re.sub(r"[^A-Za-z0-9_]", "_", name or "") or fallback
    return text if re.match(r"[A-Za-z_]", text) else f"m_{text}"


# ---- bases ----------------------------------------------------------------------------------


def _same_layers(a, b) -> bool:
    """Same names, kinds, settings and inputs. A zoo's ``zeropad k3`` (Keras's correct_pad:
    pads that depend on the input size) matches the pads a file stored for it."""
    from specdsl.review.align import hyperparams

    def same(x, y) -> bool:
        if x.kind == "zeropad" and y.kind == "zeropad" and x.correct is not None:
            return x.name == y.name
        return x.kind == y.kind and x.name == y.name and settings(x) == settings(y)

    def settings(layer) -> dict:  # what it reads is compared below, resolved
        return {k: v for k, v in hyperparams(layer).items() if k != "inputs"}

    return (
        len(a) == len(b)
        and all(same(x, y) for x, y in zip(a, b, strict=True))
        and resolved_inputs(a) == resolved_inputs(b)
    )


def zoo_match(layers: list) -> str | None:
    """The zoo base whose layers (names and settings) are exactly these, if any."""
    from specdsl.syntax.parse import load_zoo_spec
    from specdsl.zoo import zoo_names

    for arch in zoo_names():
        zoo = load_zoo_spec(arch)
        if zoo is not None and _same_layers(list(as_keras_list(zoo.layers)), layers):
            return arch
    return None


def make_base(arch: str, name: str, layers: list, weights: str | None = None) -> ir.Base:
    from specdsl.syntax.parse import load_zoo_spec

    zoo = load_zoo_spec(arch)
    entry = ir.InputLayer(name="input_layer", shape=zoo.input_shape or ())
    if is_graph(zoo.layers):  # the zoo's own IR, as 'base ARCH' lowers it (the files match it)
        layers = list(as_keras_list(zoo.layers))
    return ir.Base(name=name, arch=arch, weights=weights, layers=(entry, *layers))


def _keras_ordered(run: list) -> list:
    """A run of layers that may be a graph base, as 'base ARCH' lists it: what it reads from
    outside the run is the base's input, and the order is Keras's."""
    if not is_graph(run):
        return run
    inside = {layer.name for layer in run}
    reads = resolved_inputs(run)
    rebased = [
        layer.model_copy(update={"inputs": tuple(r if r in inside else ir.INPUT for r in read)})
        for layer, read in zip(run, reads, strict=True)
    ]
    return list(as_keras_list(rebased))


def _name_windows(layers: list, zoo: list) -> set[int]:
    """The positions where ``len(zoo)`` consecutive layers carry exactly the zoo's names (as a
    multiset), found in one pass. Only there can a run match: ``_keras_ordered`` reorders a
    run and may drop layers from it, never add one, and a match has the zoo's names."""
    n = len(zoo)
    if not n:
        return set()
    want = Counter(layer.name for layer in zoo)
    have: Counter = Counter()
    off = len(want)  # names whose count in the window is not the zoo's

    def count(name: str, step: int) -> None:
        nonlocal off
        before = have[name] == want[name]
        have[name] += step
        off += before - (have[name] == want[name])

    starts = set()
    for j, layer in enumerate(layers):
        count(layer.name, 1)
        if j >= n:
            count(layers[j - n].name, -1)
        if j >= n - 1 and not off:
            starts.add(j - n + 1)
    return starts


def group_bases(layers: list) -> list:
    """Find runs of leaf layers that are exactly a zoo base and put them back into a Base."""
    from specdsl.syntax.parse import load_zoo_spec
    from specdsl.zoo import zoo_names

    out, i = [], 0
    zoos = [(arch, list(as_keras_list(load_zoo_spec(arch).layers))) for arch in zoo_names()]
    # the full comparison (reordering a graph run, every layer's settings) only where the
    # names fit: linear in the layers, where trying every position cost layers x base size
    starts = {arch: _name_windows(layers, zoo) for arch, zoo in zoos}
    while i < len(layers):
        for arch, zoo in zoos:
            n = len(zoo)
            if i in starts[arch] and _same_layers(zoo, _keras_ordered(layers[i : i + n])):
                out.append(make_base(arch, arch, layers[i : i + n]))
                i += n
                break
        else:
            out.append(layers[i])
            i += 1
    return out


# ---- freezing -------------------------------------------------------------------------------


def freeze_ops(layers: list, trainable: dict[str, bool]) -> tuple[ir.FreezeOp, ...]:
    """Freeze statements that give these flags (name -> trainable; a base's entries by name).

    A base frozen from its start, as Keras's ``conv_base.layers[:-4]``, becomes that slice.
    """
    ops: list[ir.FreezeOp] = []
    for layer in layers:
        if isinstance(layer, ir.Base):
            entries = list(layer.layers)  # entry 0 is the input, which has nothing to train
            flags = [trainable.get(e.name, True) for e in entries[1:]]
            if not any(flags):
                ops.append(ir.FreezeOp(action="freeze", target=layer.name))
                continue
            k = 0
            while k < len(flags) and not flags[k]:
                k += 1
            if k and all(flags[k:]):
                stop = k + 1 - len(entries)
                ops.append(
                    ir.FreezeOp(action="freeze", target=layer.name, slice=ir.Slice(stop=stop))
                )
                continue
            for e, flag in zip(entries[1:], flags, strict=True):
                if not flag:
                    ops.append(ir.FreezeOp(action="freeze", target=e.name))
        elif not trainable.get(layer.name, True):
            ops.append(ir.FreezeOp(action="freeze", target=layer.name))
    return tuple(ops)


def finish(spec: ir.ModelSpec, source: str) -> Analysis:
    """Check the imported spec like a written one; a failure is the importer's to report."""
    from specdsl.check.analyze import analyze

    a = analyze(spec)
    if a.diagnostics.has_errors:
        first = a.diagnostics.errors[0].message
        raise ImportFailed(f"{source}: the imported model does not check: {first}")
    return a
