"""One emitter per IR layer class: the module's ``__init__`` and ``forward`` lines (NCHW).

Semantics follow Keras: ``same`` padding puts the extra row/column at the bottom/right (as
TensorFlow does; the analysis resolved the pads, ``LayerInfo.geometry``), pooling floors, Dense acts
on the last axis (channels of a feature map), batch-norm momentum is ``1 - keras_momentum``.
"""

from __future__ import annotations

from specdsl import ir
from specdsl.backends.pytorch.code import EMIT, Code, Ctx, activation, num, pair


def _pads(info):
    """(top, bottom, left, right) as the analysis resolved them; None when there are none."""
    return info.geometry.pads if info.geometry.any_pad else None


def _symmetric(p) -> bool:
    t, b, left, r = p
    return t == b and left == r


def _conv(layer, ctx: Ctx, c_out: int, groups: int = 1) -> Code:
    """``nn.Conv2d`` with the resolved pads (an asymmetric 'same' is an ``F.pad`` first)."""
    args = [str(ctx.info.input_shape[2]), str(c_out), f"kernel_size={pair(layer.kernel)}"]
    if layer.strides != (1, 1):
        args.append(f"stride={pair(layer.strides)}")
    pads = _pads(ctx.info)
    forward: list[str] = []
    if pads and _symmetric(pads):
        args.append(f"padding={pair((pads[0], pads[2]))}")
    elif pads:
        t, b, left, r = pads
        forward.append(
            f"x = F.pad(x, ({left}, {r}, {t}, {b}))  # 'same' as Keras (extra bottom/right)"
        )
    if groups != 1:
        args.append(f"groups={groups}")
    if not layer.use_bias:
        args.append("bias=False")
    act = None if ctx.drop_activation else layer.activation
    forward.append(f"x = {activation(act, f'self.{ctx.attr}(x)', 3, fresh=True)}")
    return Code(init=[f"self.{ctx.attr} = nn.Conv2d({', '.join(args)})"], forward=forward)


@EMIT.register(ir.Conv2D)
def conv2d(layer: ir.Conv2D, ctx: Ctx) -> Code:
    return _conv(layer, ctx, layer.filters)


@EMIT.register(ir.DepthwiseConv2D)
def depthwise_conv2d(layer: ir.DepthwiseConv2D, ctx: Ctx) -> Code:
    """A grouped convolution, one group per input channel (Keras's DepthwiseConv2D)."""
    c = ctx.info.input_shape[2]
    return _conv(layer, ctx, c * layer.depth_multiplier, groups=c)


@EMIT.register(ir.SeparableConv2D)
def separable_conv2d(layer: ir.SeparableConv2D, ctx: Ctx) -> Code:
    """Keras's SeparableConv2D: a depthwise convolution, then a 1x1 one with the bias."""
    c = ctx.info.input_shape[2]
    mid = c * layer.depth_multiplier
    dw = _conv(layer.model_copy(update={"use_bias": False, "activation": None}), ctx, mid, c)
    conv_dw = dw.init[0].split(" = ", 1)[1]
    bias = "" if layer.use_bias else ", bias=False"
    act = None if ctx.drop_activation else layer.activation
    return Code(
        init=[
            f"self.{ctx.attr} = nn.Sequential(  # depthwise, pointwise",
            f"    {conv_dw},",
            f"    nn.Conv2d({mid}, {layer.filters}, kernel_size=1{bias}),",
            ")",
        ],
        forward=[*dw.forward[:-1], f"x = {activation(act, f'self.{ctx.attr}(x)', 3, fresh=True)}"],
    )


@EMIT.register(ir.ZeroPadding2D)
def zero_padding2d(layer: ir.ZeroPadding2D, ctx: Ctx) -> Code:
    t, b, left, r = ctx.info.geometry.pads  # resolved by the analysis (zeropad k3)
    return Code(forward=[f"x = F.pad(x, ({left}, {r}, {t}, {b}))  # {ctx.info.name}"])


@EMIT.register(ir.MaxPool2D, ir.AvgPool2D)
def pool2d(layer, ctx: Ctx) -> Code:
    strides = ctx.info.geometry.strides
    is_max = isinstance(layer, ir.MaxPool2D)
    cls = "nn.MaxPool2d" if is_max else "nn.AvgPool2d"
    args = [pair(layer.pool)]
    if strides != layer.pool:
        args.append(f"stride={pair(strides)}")
    pads = _pads(ctx.info)
    if pads and _symmetric(pads):
        args.append(f"padding={pair((pads[0], pads[2]))}")
        if not is_max:
            args.append("count_include_pad=False")
    elif pads:
        t, b, left, r = pads
        if is_max:
            return Code(
                init=[f"self.{ctx.attr} = {cls}({', '.join(args)})"],
                forward=[
                    f'x = F.pad(x, ({left}, {r}, {t}, {b}), value=float("-inf"))  '
                    "# 'same' as Keras (extra bottom/right)",
                    f"x = self.{ctx.attr}(x)",
                ],
            )
        return Code(
            forward=[
                f"x = avg_pool_same(x, {pair(layer.pool)}, {pair(strides)}, "
                f"({left}, {r}, {t}, {b}))  # {ctx.info.name}"
            ],
            helpers=("avg_pool_same",),
        )
    return Code(
        init=[f"self.{ctx.attr} = {cls}({', '.join(args)})"],
        forward=[f"x = self.{ctx.attr}(x)"],
    )


@EMIT.register(ir.GlobalAvgPool2D)
def global_avg_pool(layer, ctx: Ctx) -> Code:
    return Code(forward=[f"x = x.mean(dim=(2, 3))  # {ctx.info.name}"])


@EMIT.register(ir.GlobalMaxPool2D)
def global_max_pool(layer, ctx: Ctx) -> Code:
    return Code(forward=[f"x = x.amax(dim=(2, 3))  # {ctx.info.name}"])


@EMIT.register(ir.Flatten)
def flatten(layer, ctx: Ctx) -> Code:
    return Code(
        init=[f"self.{ctx.attr} = nn.Flatten()  # C,H,W order; the weight converter reorders"],
        forward=[f"x = self.{ctx.attr}(x)"],
    )


@EMIT.register(ir.Dense)
def dense(layer: ir.Dense, ctx: Ctx) -> Code:
    n_in = ctx.info.input_shape[-1]
    args = [str(n_in), str(layer.units)]
    if not layer.use_bias:
        args.append("bias=False")
    rank = len(ctx.info.input_shape)
    call = f"self.{ctx.attr}(x)"
    if rank == 3:  # Keras's Dense acts on the last axis: the channels of an NHWC map
        call = f"self.{ctx.attr}(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)"
    act = None if ctx.drop_activation else layer.activation
    return Code(
        init=[f"self.{ctx.attr} = nn.Linear({', '.join(args)})"],
        forward=[f"x = {activation(act, call, rank, fresh=True)}"],
    )


@EMIT.register(ir.Dropout)
def dropout(layer: ir.Dropout, ctx: Ctx) -> Code:
    return Code(
        init=[f"self.{ctx.attr} = nn.Dropout({num(layer.rate)})"],
        forward=[f"x = self.{ctx.attr}(x)"],
    )


@EMIT.register(ir.BatchNorm)
def batchnorm(layer: ir.BatchNorm, ctx: Ctx) -> Code:
    shape = ctx.info.input_shape
    cls = "nn.BatchNorm2d" if len(shape) == 3 else "nn.BatchNorm1d"
    momentum = round(1.0 - layer.momentum, 12)
    return Code(
        init=[
            f"self.{ctx.attr} = {cls}({shape[-1]}, eps={num(layer.epsilon)}, "
            f"momentum={num(momentum)})"
        ],
        forward=[f"x = self.{ctx.attr}(x)"],
        helpers=("frozen_batchnorm",),
    )


@EMIT.register(ir.Activation)
def activation_layer(layer: ir.Activation, ctx: Ctx) -> Code:
    if ctx.drop_activation or layer.activation == "linear":
        return Code(comment=f"{ctx.info.name}: {layer.activation}")
    rank = len(ctx.info.input_shape)
    code = activation(layer.activation, "x", rank, fresh=ctx.fresh)
    return Code(forward=[f"x = {code}  # {ctx.info.name}"])


def _fraction(text: str | None, value: float) -> str:
    """``1/255`` stays readable as ``(1 / 255)``; anything else is the float itself."""
    if text and "/" in text:
        a, _, b = text.partition("/")
        if a.strip().replace(".", "", 1).isdigit() and b.strip().replace(".", "", 1).isdigit():
            return f"({a.strip()} / {b.strip()})"
    return num(value)


@EMIT.register(ir.Rescale)
def rescale(layer: ir.Rescale, ctx: Ctx) -> Code:
    expr = f"x * {_fraction(layer.text, layer.scale)}"
    if layer.offset:
        expr += f" + {num(layer.offset)}" if layer.offset > 0 else f" - {num(-layer.offset)}"
    return Code(forward=[f"x = {expr}  # {ctx.info.name}"])


@EMIT.register(ir.Preprocess)
def preprocess(layer: ir.Preprocess, ctx: Ctx) -> Code:
    fn = f"{layer.mode}_preprocess"
    return Code(forward=[f"x = {fn}(x)  # {ctx.info.name}"], helpers=(fn,))


@EMIT.register(ir.InputLayer)
def input_layer(layer, ctx: Ctx) -> Code:
    return Code()


@EMIT.register(ir.Base)
def base(layer: ir.Base, ctx: Ctx) -> Code:
    return Code(
        init=[f"self.{ctx.attr} = {ctx.module_class}()"],
        forward=[f"x = self.{ctx.attr}(x)"],
    )


@EMIT.register(ir.Add, ir.Multiply, ir.Concatenate)
def merge(layer, ctx: Ctx) -> Code:
    """A merge of the forward's variables: ``x = x + stem``, ``torch.cat([...], dim=1)``."""
    if isinstance(layer, ir.Concatenate):
        dim = 1 if len(ctx.info.output_shape) == 3 else -1  # the channels
        expr = f"torch.cat([{', '.join(ctx.sources)}], dim={dim})"
    else:
        expr = (" + " if isinstance(layer, ir.Add) else " * ").join(ctx.sources)
    return Code(forward=[f"x = {expr}  # {ctx.info.name}"])
