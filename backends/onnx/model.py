"""IR + canonical weights -> an ONNX model (opset 17), checked and written atomically.

The graph, for a model named after the spec:

* input ``images``: uint8, ``[batch, H, W, C]`` (dynamic batch), the images as decoded;
* ``input/Cast`` to float32; ``input/Div`` by 255 when the model has no ``rescale`` or
  ``preprocess`` layer (its training pipelines divide the pixels by 255, as the lecture's
  MNIST listing does; metadata ``input_scaling``);
* then, per IR layer in order (each reading the output of the layer it names, or of the one
  before it), that layer's nodes, all named ``<layer>/<Op>``
  (``block1_conv1/Conv``, ``block1_conv1/Relu``), and its initializers ``<layer>/<weight>``:
  ``block1_conv1/kernel`` in ONNX's OIHW layout, ``dense/kernel`` in the canonical (in, out)
  layout, ``<layer>/bias``, batch-norm ``gamma``/``beta``/``moving_mean``/``moving_variance``;
  a layer that needs another layout starts with its ``<layer>/ToNCHW`` or ``<layer>/ToNHWC``
  transpose;
* augmentation, dropout and a base's input entry emit nothing;
* output ``probabilities`` (last activation softmax or sigmoid) or ``output``, shaped as the
  Keras model's output.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper

from specdsl import ir
from specdsl.backends.onnx import layers  # noqa: F401  (fills CONVERT)
from specdsl.backends.onnx.context import GraphContext
from specdsl.backends.onnx.metadata import metadata_props
from specdsl.backends.onnx.table import CONVERT
from specdsl.backends.registry import BackendError
from specdsl.check.analysis import Analysis
from specdsl.fileio import write_atomic

OPSET = 17
IR_VERSION = 8  # the IR version that goes with opset 17 (ONNX Runtime >= 1.12 reads it)
INPUT = "images"


def _base(ctx: GraphContext, info, source: str | None) -> None:
    """A base's own layers, each reading what it names (ir.INPUT: the base's input)."""
    model_input = ctx.saved(ir.INPUT)
    ctx.leave(ir.INPUT)  # inside the base, 'input' is the base's input
    for leaf in info.code_order():
        ctx.enter(leaf.inputs[:1] or (ir.INPUT,))
        CONVERT.lookup(leaf.layer, source)(ctx, leaf)
        ctx.leave(leaf.name)
    ctx.restore(ir.INPUT, model_input)


def build_model(analysis: Analysis, tensors: dict[str, np.ndarray]) -> onnx.ModelProto:
    """The inference graph of the model with these canonical weights."""
    from specdsl.weights.checkpoint import validate

    CONVERT.check_all(analysis)
    validate(tensors, analysis, "weights")
    if len(analysis.input_shape) != 3:
        raise BackendError("the onnx backend needs an image input 'input HxWxC'")
    h, w, c = analysis.input_shape
    ctx = GraphContext(analysis, tensors, INPUT)
    ctx.apply("Cast", "input", to=TensorProto.FLOAT)
    if analysis.scales_inputs:
        ctx.apply("Div", "input", ctx.initializer("input/scale", np.array(255.0, np.float32)))
    ctx.leave(ir.INPUT)
    for info in analysis.layers:
        ctx.enter(info.inputs[:1] or (ir.INPUT,))
        if info.children:
            _base(ctx, info, analysis.spec.source)
        else:
            CONVERT.lookup(info.layer, analysis.spec.source)(ctx, info)
        ctx.leave(info.name)
    ctx.enter((analysis.layers[-1].name,) if analysis.layers else (ir.INPUT,))
    ctx.to_layout("NHWC", "output")

    out_name = "probabilities" if analysis.final_activation.squashes else "output"
    ctx.nodes[-1].output[0] = out_name
    graph = helper.make_graph(
        ctx.nodes,
        analysis.spec.name,
        [helper.make_tensor_value_info(INPUT, TensorProto.UINT8, ["batch", h, w, c])],
        [
            helper.make_tensor_value_info(
                out_name, TensorProto.FLOAT, ["batch", *analysis.output_shape]
            )
        ],
        initializer=ctx.initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="specdsl",
        producer_version=_version(),
        ir_version=IR_VERSION,
        doc_string=f"specdsl model '{analysis.spec.name}'",
    )
    helper.set_model_props(model, metadata_props(analysis))
    return model


def _version() -> str:
    from specdsl import __version__

    return __version__


def check(model: onnx.ModelProto) -> None:
    try:
        onnx.checker.check_model(model, full_check=True)
    except onnx.checker.ValidationError as e:  # a bug in a converter, not the user's fault
        first = str(e).strip().splitlines()[0]
        raise BackendError(f"the generated ONNX graph fails onnx.checker: {first}") from None


def export(analysis: Analysis, tensors: dict[str, np.ndarray], path: str | Path) -> Path:
    """Build, check with ``full_check`` and write ``path`` atomically."""
    model = build_model(analysis, tensors)
    check(model)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(path, model.SerializeToString(deterministic=True))
