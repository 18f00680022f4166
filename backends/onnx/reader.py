"""Import an ONNX file written by specdsl (``specdsl export``, ``build --backend onnx``).

The graph decides the layers and their settings: nodes group into layers by their
``<layer>/`` names and are read back one group at a time (:mod:`.onnx_layers`). What an
inference graph cannot hold comes from the spec the exporter stores in ``metadata_props``
(key ``spec``): layers that vanish at inference (augmentation, dropout), which layers form a
pretrained base and where its weights came from, freezing, class names and training settings.
Where graph and stored spec disagree on a layer, the graph wins, so ``specdsl diff spec.spec
model.onnx`` shows what the shipped graph really computes. Without that metadata the layers
alone are imported, runs of layers equal to a zoo base become that base, and the rest is not
compared.
"""

from __future__ import annotations

from pathlib import Path

from specdsl import ir
from specdsl.backends.onnx.layers.merge import OPS as MERGE_OPS  # the exporter's merge ops
from specdsl.backends.onnx.read_layers import Group, Reader, read_group
from specdsl.review.importers.common import (
    Imported,
    ImportFailed,
    finish,
    group_bases,
    model_name,
)

SKIPPED_LABELS = ("ToNCHW", "ToNHWC")
INPUT_OPS = {"Cast", "Div", "Mul"}
SILENT_KINDS = (*ir.AUGMENT_KINDS, "dropout")


def _groups(graph, source: str) -> list[Group]:
    groups: list[Group] = []
    seen: set[str] = set()
    for i, node in enumerate(graph.node):
        layer, sep, label = node.name.partition("/")
        if not sep:
            raise ImportFailed(
                f"{source}: node {i} '{node.name}' ({node.op_type}) is not named "
                "'<layer>/<op>': specdsl imports the ONNX files specdsl writes"
            )
        if node.op_type == "Transpose" and label in SKIPPED_LABELS:
            continue
        if groups and groups[-1].layer == layer:
            groups[-1].nodes.append(node)
            continue
        if layer in seen:
            raise ImportFailed(
                f"{source}: node {i} '{node.name}' ({node.op_type}): layer '{layer}' appears "
                "twice in the graph; specdsl models are a chain"
            )
        seen.add(layer)
        groups.append(Group(layer, [node], i))
    # the input's preparation (uint8 -> float, and / 255 for a model without a rescale layer)
    if groups and groups[0].layer == "input" and set(groups[0].ops) <= INPUT_OPS:
        groups = groups[1:]
    return [g for g in groups if g.nodes]


def _input_shape(graph, source: str) -> tuple[int, int, int]:
    inputs = [i for i in graph.input if i.name not in {t.name for t in graph.initializer}]
    if len(inputs) != 1:
        raise ImportFailed(f"{source}: the graph has {len(inputs)} inputs; specdsl models have one")
    dims = inputs[0].type.tensor_type.shape.dim
    values = [d.dim_value if d.HasField("dim_value") else None for d in dims]
    if len(values) != 4 or any(v is None or v <= 0 for v in values[1:]):
        raise ImportFailed(f"{source}: the input is not a batch of fixed HxWxC images")
    return values[1], values[2], values[3]


def graph_layers(model, source: str) -> tuple[tuple[int, int, int], list]:
    """The input shape and the leaf layers the graph computes, in order."""
    from onnx import numpy_helper

    from specdsl.check.shapes import ShapeError, infer

    graph = model.graph
    weights = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    input_shape = _input_shape(graph, source)
    shapes: dict[str, tuple[int, ...]] = {ir.INPUT: input_shape}
    producer = _producers(graph)
    layers = []
    prev = ir.INPUT
    for group in _groups(graph, source):
        reads = _reads(group, producer, weights)
        if any(n not in shapes for n in reads):
            raise ImportFailed(f"{source}: layer '{group.layer}' reads a tensor of no layer")
        reader = Reader(group, weights, shapes[reads[0]], source)
        layer = read_group(reader)
        merge = ir.kind_of(layer).merge
        try:
            arg = tuple(shapes[n] for n in reads) if merge else shapes[reads[0]]
            shapes[layer.name] = infer(layer, arg).output
        except ShapeError as e:
            raise reader.fail(str(e)) from None
        if merge or reads != [prev]:  # a branch or a merge
            layer = layer.model_copy(update={"inputs": tuple(reads)})
        layers.append(layer)
        prev = layer.name
    return input_shape, layers  # type: ignore[return-value]


def _producers(graph) -> dict[str, str]:
    """Tensor name -> the layer whose output it is (layout transposes pass it through; the
    graph's input and its preparation are the model's input)."""
    out = {i.name: ir.INPUT for i in graph.input}
    for node in graph.node:
        layer, _, label = node.name.partition("/")
        if node.op_type == "Transpose" and label in SKIPPED_LABELS:
            owner = out.get(node.input[0], layer)
        else:
            owner = ir.INPUT if layer == "input" else layer
        for o in node.output:
            out[o] = owner
    return out


def _reads(group, producer: dict[str, str], weights) -> list[str]:
    """The layers a group reads, in order (a merge: each operand; others: each once)."""
    own = {o for n in group.nodes for o in n.output}
    found = [
        producer[i]
        for n in group.nodes
        for i in n.input
        if i and i not in own and i not in weights and i in producer
    ]
    if group.nodes and group.nodes[0].op_type in MERGE_OPS.values() and found:
        return found
    return list(dict.fromkeys(found))


class _Mismatch(Exception):
    pass


def _equivalent(written, read) -> bool:
    from specdsl.review.align import hyperparams

    return written.kind == read.kind and hyperparams(written) == hyperparams(read)


def merge(spec: ir.ModelSpec, layers: list) -> list:
    """The stored spec's layers, each replaced by the graph's reading of it where they differ."""
    pending = list(layers)

    def take(leaf):
        silent = leaf.kind in SILENT_KINDS or (
            leaf.kind == "activation" and leaf.activation == "linear"
        )
        if silent:
            return leaf
        if not pending or pending[0].name != leaf.name or pending[0].kind != leaf.kind:
            raise _Mismatch
        read = pending.pop(0)
        return leaf if _equivalent(leaf, read) else read

    out = []
    for top in spec.layers:
        if isinstance(top, ir.Base):
            children = [take(c) for c in top.layers[1:]]
            out.append(top.model_copy(update={"layers": (top.layers[0], *children)}))
        else:
            out.append(take(top))
    if pending:
        raise _Mismatch
    return out


def _labels(meta: dict[str, str], source: str) -> tuple[str, ...]:
    """The file's ``labels`` metadata, checked as ``specdsl run`` checks it (untrusted)."""
    from specdsl.run import metadata as keys

    if not meta.get(keys.LABELS):
        return ()
    try:
        return keys.parse_metadata_labels(meta[keys.LABELS])
    except ValueError as e:
        raise ImportFailed(f"{source}: metadata '{keys.LABELS}' {e}") from None


def _stored_spec(meta: dict[str, str], source: str) -> ir.ModelSpec | None:
    from specdsl.diagnostics import SpecError
    from specdsl.run.metadata import SPEC_TEXT
    from specdsl.syntax.parse import parse_text

    text = meta.get(SPEC_TEXT)
    if not text:
        return None
    try:
        return parse_text(text, name="stored")
    except SpecError:
        return None  # written by another specdsl version: use the graph alone


def import_onnx(path: Path) -> Imported:
    try:
        import onnx
    except ImportError:  # pragma: no cover - onnx is a dependency of the onnx extra
        raise ImportFailed("importing .onnx files needs the 'onnx' package") from None
    from specdsl.run import metadata as keys

    source = str(path)
    try:
        model = onnx.load(str(path))
    except Exception as e:  # onnx raises DecodeError and others for a broken file
        raise ImportFailed(f"{source}: not a readable ONNX file ({type(e).__name__})") from None
    meta = {p.key: p.value for p in model.metadata_props}
    input_shape, layers = graph_layers(model, source)
    stored = _stored_spec(meta, source)
    unknown = {"compile", "training_loop", "freezing", "base_weights", "training_layers"}
    notes = []
    if stored is not None:
        try:
            merged = merge(stored, layers)
            spec = stored.model_copy(update={"layers": tuple(merged), "input_shape": input_shape})
            unknown = set()
        except _Mismatch:
            notes.append("the graph's layers differ from the spec stored in the file")
            stored = None
    if stored is None:
        labels = _labels(meta, source)
        name = meta.get(keys.MODEL_NAME) or model.graph.name
        spec = ir.ModelSpec(
            name=model_name(name, path.stem),
            input_shape=input_shape,
            classes=labels,
            layers=tuple(group_bases(layers)),
        )
        if not labels:
            unknown.add("classes")
        notes.append(
            "not recorded in the graph: augmentation and dropout, freezing, where a base's "
            "weights came from, and the training settings"
        )
    analysis = finish(spec, source)
    return Imported(spec, analysis, "onnx", frozenset(unknown), notes)
