"""One layer's statement as the formatter writes it (without the layer's name): the kind table
``TEXT``, one entry per layer kind."""

from __future__ import annotations

from specdsl import ir
from specdsl.ir.registry import KindTable
from specdsl.syntax.format_values import BARE_VALUE, fmt_num, quote


def _kernel(pair: tuple[int, int], prefix: str) -> str:
    return f"{prefix}{pair[0]}" if pair[0] == pair[1] else f"{prefix}{pair[0]}x{pair[1]}"


TEXT = KindTable("the formatter")


def layer_text(layer) -> str:
    """The statement for one layer, without its name."""
    return TEXT.lookup(layer)(layer)


def _window_opts(strides, default_strides, padding: str) -> list[str]:
    parts = []
    if strides is not None and strides != default_strides:
        parts.append(_kernel(strides, "s"))
    if padding == "same":
        parts.append("same")
    return parts


def _act_bias(layer, act_first: bool) -> list[str]:
    act = [layer.activation] if layer.activation else []
    bias = [] if layer.use_bias else ["nobias"]
    return act + bias if act_first else bias + act


@TEXT.register(ir.Conv2D, ir.DepthwiseConv2D, ir.SeparableConv2D)
def _conv(layer) -> str:
    word = ir.kind_of(layer).keywords[0]
    filters = getattr(layer, "filters", None)  # dwconv has none: its outputs follow its input
    parts = [word if filters is None else f"{word} {filters}", _kernel(layer.kernel, "k")]
    parts += _window_opts(layer.strides, (1, 1), layer.padding)
    if getattr(layer, "depth_multiplier", 1) != 1:
        parts.append(f"depth_multiplier={layer.depth_multiplier}")
    return " ".join(parts + _act_bias(layer, act_first=False))


@TEXT.register(ir.ZeroPadding2D)
def _zeropad(layer: ir.ZeroPadding2D) -> str:
    if layer.correct is not None:
        return f"zeropad k{layer.correct}"
    t, b, left, r = layer.pads
    if t == b and left == r:
        return f"zeropad {t}" if t == left else f"zeropad {t}x{left}"
    return f"zeropad top={t} bottom={b} left={left} right={r}"


@TEXT.register(ir.MaxPool2D, ir.AvgPool2D)
def _pool(layer: ir.Pool2D) -> str:
    word = ir.kind_of(layer).keywords[0]
    parts = [f"{word} {layer.pool[0]}"]
    if layer.strides is not None:  # written, even when equal to the pool size
        parts.append(_kernel(layer.strides, "s"))
    return " ".join(parts + _window_opts(None, None, layer.padding))


@TEXT.register(ir.GlobalAvgPool2D, ir.GlobalMaxPool2D, ir.Flatten)
def _keyword(layer) -> str:
    return ir.kind_of(layer).keywords[0]


@TEXT.register(ir.Dense)
def _dense(layer: ir.Dense) -> str:
    return " ".join([f"dense {layer.units}", *_act_bias(layer, act_first=True)])


@TEXT.register(ir.Dropout)
def _dropout(layer: ir.Dropout) -> str:
    return f"dropout {fmt_num(layer.rate)}"


@TEXT.register(ir.BatchNorm)
def _batchnorm(layer: ir.BatchNorm) -> str:
    parts = ["batchnorm"]
    if layer.momentum != 0.99:
        parts.append(f"momentum={fmt_num(layer.momentum)}")
    if layer.epsilon != 0.001:
        parts.append(f"epsilon={fmt_num(layer.epsilon)}")
    return " ".join(parts)


@TEXT.register(ir.Activation)
def _activation(layer: ir.Activation) -> str:
    return f"activation {layer.activation}"


@TEXT.register(ir.Rescale)
def _rescale(layer: ir.Rescale) -> str:
    text = layer.text if layer.text and "/" in layer.text else fmt_num(layer.scale)
    return f"rescale {text}" + (f" offset={fmt_num(layer.offset)}" if layer.offset else "")


@TEXT.register(ir.Preprocess)
def _preprocess(layer: ir.Preprocess) -> str:
    return f"preprocess {layer.mode}"


@TEXT.register(ir.Base)
def _base(layer: ir.Base) -> str:
    parts = [f"base {layer.arch}"]
    if layer.weights is not None:
        w = layer.weights
        parts.append(f"weights={w}" if BARE_VALUE.fullmatch(w) else f"weights={quote(w)}")
    return " ".join(parts)


@TEXT.register(ir.RandomFlip)
def _flip(layer: ir.RandomFlip) -> str:
    return f"flip {layer.mode}"


@TEXT.register(ir.RandomRotation, ir.RandomZoom, ir.RandomContrast, ir.RandomTranslation)
def _aug_factor(layer) -> str:
    return f"{ir.kind_of(layer).keywords[0]} {fmt_num(layer.factor)}"


@TEXT.register(ir.Add, ir.Concatenate, ir.Multiply)
def _merge(layer) -> str:
    return f"{ir.kind_of(layer).keywords[0]} {', '.join(layer.inputs)}"


@TEXT.register(ir.InputLayer)
def _input_entry(layer: ir.InputLayer) -> str:
    """A base's input entry is implied by the base; it never stands in a spec."""
    return ""


aug_text = layer_text  # an augmentation op's text, as it stands after 'augment'
