"""Lowering of layer statements: one method per layer kind (``l_conv`` ...) and augmentation."""

from __future__ import annotations

import math

from lark import Token, Tree

from specdsl import ir
from specdsl.diagnostics import did_you_mean
from specdsl.ir.vocab import ACTIVATIONS, PREPROCESS_MODES
from specdsl.syntax.tokens import (
    FINITE,
    FRACTION,
    MOMENTUM,
    POSITIVE,
    RATE,
    ints_of,
    pair,
    span_of,
    to_float,
    to_int,
)


class LayerLowering:
    """Mixin of :class:`specdsl.syntax.lower.Lowerer`: layers -> (IR class, fields)."""

    def _activation(self, tok: Token) -> str:
        name = str(tok)
        if name not in ACTIVATIONS:
            self.d.error(
                f"unknown activation '{name}'",
                span_of(tok),
                hint=did_you_mean(name, ACTIVATIONS + ("same", "valid", "nobias")),
                expected="a Keras activation: " + ", ".join(ACTIVATIONS[:6]) + ", ...",
            )
        return name

    def l_conv(self, t: Tree, options: dict | None = None, word: str = "conv"):
        low = f"{word} needs at least 1 filter"
        filters = to_int(t.children[0], self.d, f"{word} filters", low=low)
        fields: dict = {"filters": filters}
        seen: set = set()
        for opt in t.children[1:]:
            self._conv_opt(opt, fields, seen, options)
        if "kernel" not in fields:
            self.d.error(
                f"{word} needs a kernel size", span_of(t), hint=f"write '{word} {filters} k3'"
            )
            fields["kernel"] = (3, 3)
        return ir.Conv2D, fields

    def l_dwconv(self, t: Tree):
        fields: dict = {}
        seen: set = set()
        for opt in t.children:
            self._conv_opt(opt, fields, seen, {"depth_multiplier": "int"})
        if "kernel" not in fields:
            self.d.error("dwconv needs a kernel size", span_of(t), hint="write 'dwconv k3'")
        return ir.DepthwiseConv2D, fields

    def l_sepconv(self, t: Tree):
        cls, fields = self.l_conv(t, {"depth_multiplier": "int"}, "sepconv")
        return ir.SeparableConv2D, fields

    def l_zeropad(self, t: Tree):
        """``zeropad 1``, ``zeropad 1x2`` (height x width), or ``top= bottom= left= right=``."""
        sides = ("top", "bottom", "left", "right")
        sizes = [c for c in t.children if isinstance(c, Token)]
        opts = [c for c in t.children if isinstance(c, Tree)]
        pads = [0, 0, 0, 0] if opts else [1, 1, 1, 1]
        if sizes and sizes[0].type == "KERNEL":
            k = ints_of(sizes[0], self.d, "zeropad window", skip=1, hi=99)
            if len(k) != 1 or opts:
                self.d.error("zeropad k3 takes one square window and no options", span_of(t))
            return ir.ZeroPadding2D, {"pads": (0, 0, 0, 0), "correct": k[0]}
        if sizes:
            dims = ints_of(sizes[0], self.d, "zeropad size", lo=0)
            if len(dims) > 2:
                self.d.error("zeropad takes one size or height x width", span_of(sizes[0]))
            h, w = dims[0], dims[-1]
            pads = [h, h, w, w]
        given = self._options(opts, dict.fromkeys(sides, "count"), "zeropad")
        if sizes and given:
            self.d.error("give zeropad either a size or top/bottom/left/right", span_of(t))
        for i, side in enumerate(sides):
            pads[i] = given.get(side, pads[i])
        return ir.ZeroPadding2D, {"pads": tuple(pads)}

    def _conv_opt(self, opt: Tree, fields: dict, seen: set, options: dict | None = None) -> None:
        kind = str(opt.data)  # a Token: compared below as a plain str, which is faster
        if kind == "kernel":
            if self._once(seen, "kernel", opt, "the kernel size"):
                fields["kernel"] = pair(ints_of(opt.children[0], self.d, "kernel size", skip=1))
        elif kind == "stride":
            if self._once(seen, "stride", opt, "the stride"):
                fields["strides"] = pair(ints_of(opt.children[0], self.d, "stride", skip=1))
        elif kind == "padding":
            if self._once(seen, "padding", opt, "the padding"):
                fields["padding"] = str(opt.children[0])
        elif kind == "nobias":
            fields["use_bias"] = False
        elif kind == "act":
            if self._once(seen, "act", opt, "the activation"):
                fields["activation"] = self._activation(opt.children[0])
        elif kind == "option":
            fields.update(self._options([opt], options or {}, "this layer"))

    def _pool(self, t: Tree):
        low = "pool size must be at least 1"
        size = to_int(t.children[0], self.d, "pool size", low=low)
        fields: dict = {"pool": (size, size)}
        seen: set = set()
        for opt in t.children[1:]:
            self._conv_opt(opt, fields, seen)
        return fields

    def l_pool(self, t: Tree):
        return ir.MaxPool2D, self._pool(t)

    def l_avgpool(self, t: Tree):
        return ir.AvgPool2D, self._pool(t)

    def l_globalpool(self, t: Tree):
        word = str(t.children[0])
        cls = ir.GlobalMaxPool2D if word in ("globalmaxpool", "gmp") else ir.GlobalAvgPool2D
        return cls, {}

    def l_flatten(self, t: Tree):
        return ir.Flatten, {}

    def l_dense(self, t: Tree):
        tok = t.children[0]
        low = f"dense needs at least 1 unit, got {tok}"
        hint = "'dense 1 sigmoid' for a binary output"
        units = to_int(tok, self.d, "dense units", low=low, hint=hint)
        fields: dict = {"units": units}
        seen: set = set()
        for opt in t.children[1:]:
            self._conv_opt(opt, fields, seen)
        return ir.Dense, fields

    def l_dropout(self, t: Tree):
        tok = t.children[0]
        hint = "the fraction of inputs to drop, e.g. 'dropout 0.5'"
        rate = to_float(tok, self.d, "dropout rate", RATE, hint=hint)
        return ir.Dropout, {"rate": rate}

    def l_batchnorm(self, t: Tree):
        opts = self._options(
            t.children,
            {"momentum": "float", "epsilon": "float"},
            "batchnorm",
            {"momentum": MOMENTUM, "epsilon": POSITIVE},
        )
        return ir.BatchNorm, opts

    def l_activation(self, t: Tree):
        return ir.Activation, {"activation": self._activation(t.children[0])}

    def l_rescale(self, t: Tree):
        nums = [c for c in t.children if isinstance(c, Token)]
        opts = self._options(
            [c for c in t.children if isinstance(c, Tree)], {"offset": "float"}, "rescale"
        )
        scale = to_float(nums[0], self.d, "rescale factor", FINITE)
        text = str(nums[0])
        if len(nums) == 2:
            den = to_float(nums[1], self.d, "rescale divisor", FINITE)
            if den == 0:
                self.d.error("rescale divides by zero", span_of(nums[1]))
                den = 1.0
            top, scale = scale, scale / den
            if not math.isfinite(scale) or (scale == 0 and top != 0):
                self.d.error(f"rescale {nums[0]}/{nums[1]} is out of range", span_of(nums[0]))
                scale = 1.0
            text = f"{nums[0]}/{nums[1]}"
        return ir.Rescale, {"scale": scale, "text": text, **opts}

    def l_preprocess(self, t: Tree):
        tok = t.children[0]
        mode = str(tok)
        if mode not in PREPROCESS_MODES:
            self.d.error(
                f"unknown preprocessing '{mode}'",
                span_of(tok),
                hint=did_you_mean(mode, PREPROCESS_MODES),
                expected=", ".join(PREPROCESS_MODES) + " (caffe is VGG16's)",
            )
            mode = "caffe"
        return ir.Preprocess, {"mode": mode}

    # ---- augmentation ------------------------------------------------------------
    def s_augment_stmt(self, t: Tree) -> None:
        for op in t.children:
            if op.data == "flip":
                mode = str(op.children[0].children[0]) if op.children else "horizontal_and_vertical"
                self._add_layer(None, {"mode": mode}, ir.RandomFlip, span_of(op))
            else:
                word = str(op.children[0].children[0])
                tok = op.children[1]
                factor = to_float(
                    tok,
                    self.d,
                    f"{word} factor",
                    FRACTION,
                    expected="a fraction in (0, 1] (rotate 0.1 = up to 10% of a full turn)",
                )
                cls = {
                    "rotate": ir.RandomRotation,
                    "zoom": ir.RandomZoom,
                    "contrast": ir.RandomContrast,
                    "translate": ir.RandomTranslation,
                }[word]
                self._add_layer(None, {"factor": factor}, cls, span_of(op))

    # ---- base and freezing -------------------------------------------------------
