"""Checks and shape inference: IR -> :class:`Analysis` with every diagnostic found."""

from __future__ import annotations

from specdsl import ir
from specdsl.check import freezing
from specdsl.check.analysis import Analysis, LayerInfo, StageInfo
from specdsl.check.names import check_names
from specdsl.check.rules import check_model
from specdsl.check.shapes import Shape, ShapeError, infer
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
        shape: Shape | None = tuple(spec.input_shape)
        for layer in spec.layers:
            info, shape = _infer_layer(layer, shape, diags)
            if info is None:
                break
            layers.append(info)
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


def _infer_layer(layer, shape: Shape, diags: Diagnostics) -> tuple[LayerInfo | None, Shape | None]:
    if isinstance(layer, ir.Base):
        children = []
        inner = shape
        for child in layer.layers:
            if isinstance(child, ir.InputLayer):
                info = LayerInfo(child, inner, inner, parent=layer.name)
                children.append(info)
                continue
            try:
                r = infer(child, inner)
            except ShapeError as e:
                diags.error(
                    f"in base '{layer.name}', layer '{child.name}': {e}",
                    layer.span,
                    hint="the input is too small for this base" if "larger" in str(e) else e.hint,
                )
                return None, None
            info = LayerInfo(child, inner, r.output, r.weights, r.macs, geometry=r.geometry)
            info.parent = layer.name
            children.append(info)
            inner = r.output
        return LayerInfo(layer, shape, inner, children=children), inner
    try:
        r = infer(layer, shape)
    except ShapeError as e:
        diags.error(f"{layer.name}: {e}", layer.span, hint=e.hint)
        return None, None
    return LayerInfo(layer, shape, r.output, r.weights, r.macs, geometry=r.geometry), r.output


def check(spec: ir.ModelSpec) -> Analysis:
    """Analyze and raise :class:`SpecError` if there is any error."""
    analysis = analyze(spec)
    if analysis.diagnostics.has_errors:
        raise SpecError([d.with_file(spec.source) for d in analysis.diagnostics])
    return analysis
