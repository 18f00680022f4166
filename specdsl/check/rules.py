"""Model-level rules that are not about shapes: names, loss vs. last layer, classes, strategy."""

from __future__ import annotations

from specdsl import ir
from specdsl.check.analysis import Analysis
from specdsl.check.names import check_names


def check_model(a: Analysis) -> None:
    check_names(a.spec, a.diagnostics)
    _loss_fits_output(a)
    _classes_fit_output(a)
    _strategy(a)
    _batchnorm_unfrozen(a)


def _loss_fits_output(a: Analysis) -> None:
    t = a.spec.training
    loss = t.loss
    if loss is None:
        return
    out = a.output_shape
    units = out[-1] if out else None
    final = a.final_activation.name
    act = None if final == "linear" else final
    span = t.span
    warn = a.diagnostics.warning
    if len(out) != 1:
        warn(
            f"loss '{loss}' expects a flat output, but the model ends with {out}",
            span,
            hint="add 'flatten' or 'globalavgpool' and a final 'dense'",
        )
        return
    if loss == "binary_crossentropy":
        if units != 1 or act != "sigmoid":
            warn(
                f"loss 'binary_crossentropy' expects one sigmoid output, but the last layer gives "
                f"{units} unit(s) with activation {act or 'none'}",
                span,
                hint="end with 'dense 1 sigmoid'",
            )
    elif loss in ("categorical_crossentropy", "sparse_categorical_crossentropy"):
        if units == 1 or act != "softmax":
            warn(
                f"loss '{loss}' expects a softmax over the classes, but the last layer gives "
                f"{units} unit(s) with activation {act or 'none'}",
                span,
                hint="end with 'dense N softmax' (N classes), or use binary_crossentropy",
            )


def _classes_fit_output(a: Analysis) -> None:
    classes = a.spec.classes
    if not classes or len(a.output_shape) != 1:
        return
    units = a.output_shape[0]
    if units == 1 and len(classes) == 2:
        return
    if units != len(classes):
        a.diagnostics.warning(
            f"{len(classes)} classes but the model outputs {units} values",
            None,
            hint="the last dense layer should have one unit per class (or 1 for two classes)",
        )


def _strategy(a: Analysis) -> None:
    t = a.spec.training
    if t.strategy == "features":
        base = a.base
        if base is None:
            a.diagnostics.error(
                "strategy 'features' needs a pretrained base to extract features with",
                t.span,
                hint="add 'base vgg16 weights=imagenet' and 'freeze vgg16'",
            )
        elif base.trainable_params:
            a.diagnostics.error(
                "strategy 'features' runs the base once, so the base must be frozen",
                t.span,
                hint=f"add 'freeze {base.name}'",
            )
        else:
            before = a.layers[: a.layers.index(base)]
            aug = [i for i in before if i.kind in ir.AUGMENT_KINDS]
            if aug:
                a.diagnostics.warning(
                    "augmentation before the base has no effect with strategy 'features' "
                    "(the features are computed once)",
                    aug[0].layer.span,
                )


def _batchnorm_unfrozen(a: Analysis) -> None:
    """Fine-tuning a pretrained base: its batch norms should stay frozen (Keras's transfer
    learning guide). Not said of a model that does not train (no loss: a classifier to run)
    nor of a base that starts from random weights."""
    base = a.base
    if base is None or a.spec.training.loss is None or base.layer.weights is None:
        return
    for child in base.children:
        if child.kind == "batchnorm" and child.trainable:
            a.diagnostics.warning(
                f"batch normalization layer '{child.name}' of the base is trainable; "
                "fine-tuning usually keeps it frozen",
                base.layer.span,
            )
            return
