"""Checks and shape inference: IR -> :class:`Analysis` with every diagnostic found."""

from __future__ import annotations

from specdsl import ir
from specdsl.check import freezing
from specdsl.check.analysis import Analysis, LayerInfo, StageInfo
from specdsl.check.names import check_names
from specdsl.check.rules import check_model
from specdsl.check.shapes import Shape, ShapeError, fmt_shape, infer
from specdsl.diagnostics import Diagnostics, SpecError


def analyze(spec: ir.ModelSpec, diags: Diagnostics | None = None) -> Analysis:
    """Infer shapes, parameters, MACs and trainable flags; collect errors and warnings."""
    diags = diags if diags is not None else Diagnostics()
    layers: list[LayerInfo] = []
    if spec.input_shape is None:
        diags.error(
            "the spec has no 'input' statement",
            ir.Span(line=1, column=1, end_line=1, end_column=2),
            hint="add the input size as height x width x channels, e.g. 'input 28x28x1'",
        )
    else:
        layers = _infer_graph(spec, diags)
    analysis = Analysis(spec=spec, layers=layers, diagnostics=diags)
    complete = len(layers) == len(spec.layers) and spec.input_shape is not None
    if complete:
        state = freezing.resolve(spec.freeze, layers, diags)
        for stage in spec.training.stages:
            stage_state = freezing.resolve(stage.freeze, layers, diags, start=state)
            freezing.apply(layers, stage_state)
            analysis.stages.append(
                StageInfo(
                    stage, analysis.trainable_params, analysis.non_trainable_params, stage_state
                )
            )
        freezing.apply(layers, state)
        check_model(analysis)
    else:  # the model-level rules need every shape; the name rules need none
        check_names(spec, diags)
    return analysis


def _infer_graph(spec: ir.ModelSpec, diags: Diagnostics) -> list[LayerInfo]:
    """Every layer in order, each reading the previous layer's output or the ones it names
    (the lowering checked that those are above it); stops at the first shape error."""
    shapes: dict[str, Shape] = {ir.INPUT: tuple(spec.input_shape)}
    lines = {layer.name: layer.span.line for layer in spec.layers if layer.span}
    layers: list[LayerInfo] = []
    rules: dict = {}  # a layer's settings and input shape -> its Rule (long specs repeat them)
    prev = ir.INPUT
    for layer in spec.layers:
        sources = layer.inputs or (prev,)
        if any(s not in shapes for s in sources):  # reported by the lowering
            break
        if ir.kind_of(layer).merge:
            info, out = _infer_merge(layer, sources, shapes, lines, diags)
        else:
            info, out = _infer_layer(layer, shapes[sources[0]], diags, rules)
        if info is None:
            break
        info.inputs = tuple(sources)
        layers.append(info)
        shapes[layer.name] = out
        prev = layer.name
    if len(layers) == len(spec.layers):
        _warn_dangling(layers, diags)
    return layers


def _infer_merge(layer, sources, shapes, lines, diags: Diagnostics):
    try:
        r = infer(layer, tuple(shapes[s] for s in sources))
    except ShapeError as e:
        i = e.culprit or 0
        first, other = sources[0], sources[i]

        def at(name: str) -> str:
            return "the input" if name == ir.INPUT else f"'{name}' (line {lines.get(name, '?')})"

        diags.error(
            f"{layer.name}: {e}: {at(first)} gives {fmt_shape(shapes[first])} but {at(other)} "
            f"gives {fmt_shape(shapes[other])}",
            layer.span,
            hint=e.hint,
        )
        return None, None
    return LayerInfo(layer, shapes[sources[0]], r.output, r.weights, r.macs), r.output


def _warn_dangling(layers: list[LayerInfo], diags: Diagnostics) -> None:
    """A layer whose output no other layer reads, and that is not the model's output."""
    read = {s for info in layers for s in info.inputs}
    for info in layers[:-1]:
        if info.name not in read:
            diags.warning(
                f"the output of '{info.name}' reaches no output: no layer reads it",
                info.layer.span,
                hint="name it in a later layer's 'from' or in a merge, or remove it",
            )


_NOT_SETTINGS = frozenset({"name", "span", "inputs"})  # what leaves a layer's rule unchanged


def _infer_layer(
    layer, shape: Shape, diags: Diagnostics, rules: dict | None = None
) -> tuple[LayerInfo | None, Shape | None]:
    if isinstance(layer, ir.Base):
        return _infer_base(layer, shape, diags)
    key = None
    if rules is not None:
        settings = tuple(v for k, v in layer.__dict__.items() if k not in _NOT_SETTINGS)
        key = (type(layer), shape, settings)
        try:
            r = rules.get(key)
        except TypeError:  # a setting that cannot be a key: infer it every time
            key = r = None
        if r is not None:
            info = LayerInfo(layer, shape, r.output, r.weights, r.macs, geometry=r.geometry)
            return info, r.output
    try:
        r = infer(layer, shape)
    except ShapeError as e:
        diags.error(f"{layer.name}: {e}", layer.span, hint=e.hint)
        return None, None
    if key is not None:
        rules[key] = r
    return LayerInfo(layer, shape, r.output, r.weights, r.macs, geometry=r.geometry), r.output


def _infer_base(layer: ir.Base, shape: Shape, diags: Diagnostics):
    """A base's own layers, in Keras's order of ``conv_base.layers``; in a base that is a
    graph (ResNet50), each names what it reads (ir.INPUT: the base's input)."""
    children = []
    shapes: dict[str, Shape] = {ir.INPUT: shape}
    prev = ir.INPUT
    for child in layer.layers:
        if isinstance(child, ir.InputLayer):
            children.append(LayerInfo(child, shape, shape, parent=layer.name))
            continue
        sources = child.inputs or (prev,)
        try:
            given = tuple(shapes[s] for s in sources)
            r = infer(child, given if ir.kind_of(child).merge else given[0])
        except ShapeError as e:
            diags.error(
                f"in base '{layer.name}', layer '{child.name}': {e}",
                layer.span,
                hint="the input is too small for this base" if "larger" in str(e) else e.hint,
            )
            return None, None
        except KeyError as e:  # pragma: no cover - a zoo spec reads only layers above
            diags.error(f"in base '{layer.name}': '{child.name}' reads unknown {e}", layer.span)
            return None, None
        info = LayerInfo(child, given[0], r.output, r.weights, r.macs, geometry=r.geometry)
        info.parent = layer.name
        info.inputs = tuple(sources)
        children.append(info)
        shapes[child.name] = r.output
        prev = child.name
    out = shapes[prev]
    return LayerInfo(layer, shape, out, children=children), out


def check(spec: ir.ModelSpec) -> Analysis:
    """Analyze and raise :class:`SpecError` if there is any error."""
    analysis = analyze(spec)
    if analysis.diagnostics.has_errors:
        raise SpecError([d.with_file(spec.source) for d in analysis.diagnostics])
    return analysis
