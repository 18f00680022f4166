"""model.py: the spec as an explicit ``nn.Module`` (layers in ``__init__``, a plain forward).

Layout: the module is NCHW inside and takes (N, C, H, W) float32 images with the pixel values
the spec expects (0..255 for image folders, as Keras's image_dataset_from_directory gives).
A base (``base vgg16``) becomes its own class and sub-module, like Keras's ``conv_base``. The
final sigmoid/softmax is kept out of ``logits()`` so that training uses the numerically stable
losses on logits, as a compiled Keras model does; ``forward()`` returns probabilities.
"""

from __future__ import annotations

import builtins
import json
import keyword
import re
from dataclasses import dataclass, field
from pathlib import PurePath

from specdsl import ir
from specdsl.backends.pytorch import augment as _augment  # noqa: F401  (registers emitters)
from specdsl.backends.pytorch import layers as _layers  # noqa: F401  (registers emitters)
from specdsl.backends.pytorch.code import EMIT, Code, Ctx, activation, fresh_output, nchw
from specdsl.backends.pytorch.layout import module_names
from specdsl.backends.registry import BackendError
from specdsl.backends.source import pick
from specdsl.check.analysis import Analysis, LayerInfo
from specdsl.ir import spec_hash

LINE = 100


def class_name(name: str) -> str:
    """``mnist_convnet`` -> ``MnistConvnet`` (a valid, capitalized identifier)."""
    parts = [p for p in "".join(c if c.isalnum() else "_" for c in name).split("_") if p]
    out = "".join(p[:1].upper() + p[1:] for p in parts) or "Model"
    return out if out[0].isalpha() else f"Model{out}"


# Names the class may not take: Python's own, and the classes and imports of the emitted
# model.py, data.py and train.py (snippets included), which import the model class.
TAKEN_CLASS_NAMES = (
    frozenset(dir(builtins))
    | frozenset(keyword.kwlist)
    | frozenset(
        """DataError DataLoader Dataset DistributedDataParallel DistributedSampler F Image
    ImageFiles KerasAdam KerasRMSprop KerasRandomContrast KerasRandomRotation KerasRandomTranslation
    KerasRandomZoom Loader NamedTuple Objective Path Progress RandomFlipBoth
    Sampler ShardSampler SpecError Stage TF Tensor TensorBatches TensorImages
    FrozenBatchNormMixin Module""".split()
    )
)


def model_class_name(analysis: Analysis) -> str:
    """The model's class: its name in CamelCase, unlike its base's class and any name the
    emitted code already uses (``model none`` -> ``NoneModel``, not ``None``)."""
    cls = class_name(analysis.spec.name)
    base = analysis.base
    if cls in TAKEN_CLASS_NAMES or (base is not None and class_name(base.layer.arch) == cls):
        cls += "Model"
    return cls


def augmenting_names(analysis: Analysis) -> set[str]:
    return {info.name for info in analysis.layers if info.kind in ir.AUGMENT_KINDS}


def check_supported(analysis: Analysis) -> None:
    """Every layer has an emitter; augmentation comes before the layers that compute."""
    EMIT.check_all(analysis)
    where = analysis.spec.source or "<spec>"
    base = analysis.base
    if analysis.is_graph and base is not None:  # features() and head() are two methods
        k = analysis.layers.index(base)
        before = {ir.INPUT, *(info.name for info in analysis.layers[:k])}
        for info in analysis.layers[k + 1 :]:
            crossing = [s for s in info.layer.inputs if s in before]
            if crossing:
                raise BackendError(
                    f"{where}: '{info.name}' reads '{crossing[0]}' from before the base "
                    f"'{base.name}'; the pytorch backend does not yet write that (its head "
                    "reads the base's features only); the keras and onnx backends do"
                )
    if not analysis.spec.name.isidentifier():
        raise BackendError(f"{where}: model name '{analysis.spec.name}' is not an identifier")
    seen_compute = seen_scaling = False
    for info in analysis.flat():
        layer = info.layer
        if layer.kind in ir.AUGMENT_KINDS:
            pos = f"{where}:{layer.span.line}:{layer.span.column}" if layer.span else where
            if seen_compute:
                raise BackendError(
                    f"{pos}: the pytorch backend applies augmentation to the input images, so "
                    f"'{layer.name}' must come before the layers that compute"
                )
            if seen_scaling and layer.kind == "contrast":
                raise BackendError(
                    f"{pos}: put '{layer.name}' before rescale/preprocess (it clips to 0..255)"
                )
        elif layer.kind in ir.SCALING_KINDS:
            seen_scaling = True
        elif ir.kind_of(layer).role != "input":
            seen_compute = True


@dataclass
class Body:
    init: list[str] = field(default_factory=list)
    forward: list[str] = field(default_factory=list)
    helpers: list[str] = field(default_factory=list)
    augment: list[str] = field(default_factory=list)
    augment_helpers: list[str] = field(default_factory=list)

    def add(self, code: Code, info: LayerInfo) -> None:
        self.init.extend(code.init)
        forward = list(code.forward)
        if forward and "#" not in forward[-1]:
            commented = f"{forward[-1]}  # {nchw(info.output_shape)}"
            if len(commented) + 8 <= LINE:
                forward[-1] = commented
        elif not forward and code.comment:
            forward = [f"# {code.comment}"]
        self.forward.extend(forward)
        for h in code.helpers:
            if h not in self.helpers:
                self.helpers.append(h)
        if code.augment:
            self.augment.append(code.augment)
        for h in code.augment_helpers:
            if h not in self.augment_helpers:
                self.augment_helpers.append(h)


def _emit(
    info: LayerInfo,
    attr: str,
    drop: bool = False,
    module_class: str | None = None,
    sources: tuple[str, ...] = ("x",),
    fresh: bool = False,
):
    ctx = Ctx(info, attr, drop, module_class, sources, fresh)
    return EMIT.lookup(info.layer)(info.layer, ctx)


def _method(name: str, doc: str, lines: list[str], result: str = "x") -> list[str]:
    return [
        f"    def {name}(self, x: torch.Tensor) -> torch.Tensor:",
        f'        """{doc}"""',
        *(f"        {line}" for line in lines),
        f"        return {result}",
    ]


def _base_class(info: LayerInfo, cls: str, names: dict[str, str]) -> tuple[list, Body]:
    body = Body()
    children = info.code_order()
    # In a base that is a graph (ResNet50), an output read after x has moved on is kept in a
    # variable named like its module, as the model's forward keeps them.
    kept = LayerInfo.kept_in(children)
    by_name = {child.name: child for child in children}
    if ir.INPUT in kept:
        body.forward.append("inputs = x")
    var_of = {ir.INPUT: "inputs"}
    current = ir.INPUT
    for child in [*info.children[:1], *children]:
        attr = names[child.name].split(".", 1)[1] if child.kind != "input" else child.name
        if child.kind == "input":
            body.add(_emit(child, attr), child)
            continue
        sources = tuple("x" if s == current else var_of[s] for s in child.inputs)
        if not ir.kind_of(child.layer).merge and sources and sources[0] != "x":
            body.forward.append(f"x = {sources[0]}")  # a branch: this layer reads another
        fresh = sources == ("x",) and fresh_output(by_name.get(current), kept)
        body.add(_emit(child, attr, sources=sources, fresh=fresh), child)
        current = child.name
        if child.name in kept:
            var_of[child.name] = attr
            body.forward.append(f"{attr} = x")
    lines = [
        f"class {cls}(nn.Module):",
        f'    """The {info.layer.arch} base (Keras\'s conv_base), its layers named as in Keras."""',
        "",
        "    def __init__(self):",
        "        super().__init__()",
        *(f"        {line}" for line in body.init),
        "",
        *_method("forward", f"Images -> features {_shape(info.output_shape)}.", body.forward),
    ]
    return lines, body


def model_source(analysis: Analysis) -> str:
    """The text of model.py for the spec (deterministic, ruff-formatted)."""
    check_supported(analysis)
    spec = analysis.spec
    names = module_names(analysis)
    final = analysis.final_activation
    act, act_info = (final.name, final.info) if final.squashes else (None, None)
    cls = model_class_name(analysis)
    base = analysis.base
    base_cls = class_name(base.layer.arch) if base else None
    has_bn = any(i.kind == "batchnorm" for i in analysis.flat())

    classes: list[list[str]] = []
    body, features = Body(), Body()
    part = features if base else body
    augmenting: list[str] = []
    kept = analysis.kept_outputs()
    layer_of = {info.name: info for info in analysis.layers}
    var_of = {ir.INPUT: "inputs"}
    current = ir.INPUT
    if kept & ({ir.INPUT} | augmenting_names(analysis)):  # the images, read again later
        (features if base else body).forward.append("inputs = x")
    for info in analysis.layers:
        attr = names[info.name]
        if info.kind in ir.AUGMENT_KINDS:
            augmenting.append(info.name)
            var_of[info.name] = "inputs"  # augmentation runs in data.py: x is its output
            current = info.name
            continue
        sources = tuple("x" if s == current else var_of[s] for s in info.inputs)
        if not ir.kind_of(info.layer).merge and sources and sources[0] != "x":
            part.forward.append(f"x = {sources[0]}")  # a branch: this layer reads another
        fresh = sources == ("x",) and fresh_output(layer_of.get(current), kept)
        current = info.name
        if info.kind == "base":
            lines, inner = _base_class(info, base_cls, names)
            classes.append(lines)
            for h in inner.helpers:
                if h not in body.helpers:
                    body.helpers.append(h)
            part.add(_emit(info, attr, module_class=base_cls), info)
            part = body
            continue
        part.add(_emit(info, attr, drop=info is act_info, sources=sources, fresh=fresh), info)
        if info.name in kept:
            var_of[info.name] = attr
            part.forward.append(f"{attr} = x")
    for h in features.helpers:
        if h not in body.helpers:
            body.helpers.append(h)

    init = features.init + body.init
    methods: list[str] = []
    if base:
        methods += _method(
            "features",
            f"Images -> {base.name} features {_shape(base.output_shape)} (Keras: conv_base(x)).",
            features.forward,
        )
        methods += [""] + _method(
            "head", "Features -> logits: the layers after the base.", body.forward
        )
        methods += [""] + _method(
            "logits",
            "Images -> the input of the final activation.",
            [],
            "self.head(self.features(x))",
        )
    else:
        methods += _method("logits", "Images -> the input of the final activation.", body.forward)
    rank = len(analysis.output_shape)
    out_expr = activation(act, "self.logits(x)", rank) if act else "self.logits(x)"
    what = f"probabilities ({act})" if act else "outputs"
    methods += [""] + _method("forward", f"Images -> {what}, as the Keras model.", [], out_expr)
    if has_bn:
        methods += [""] + pick("pytorch", "model_helpers", ["FrozenBatchNormMixin.train"])

    uses_init = any(i.kind in ("conv", "dense") for i in analysis.flat())
    helpers = (["keras_init"] if uses_init else []) + body.helpers
    helpers = [h for h in helpers if h != "frozen_batchnorm"]
    helper_src = pick("pytorch", "model_helpers", helpers)

    h, w, c = analysis.input_shape
    aug_note = (
        f"\nAugmentation ({', '.join(augmenting)}) is not part of the module:\n"
        "data.py applies it to the training images only."
        if augmenting
        else ""
    )
    doc = [
        f'"""{spec.name} as a PyTorch module (generated by specdsl; do not edit).',
        "",
        f"spec: {spec_label(spec)}  spec_hash: {spec_hash(spec)}",
        f"Input: (N, {c}, {h}, {w}) float32, NCHW. Output: (N, "
        + ", ".join(str(s) for s in analysis.output_shape)
        + ").",
        "nn.Flatten gives C,H,W order; specdsl.weights.torch_layout reorders the rows of the first",
        "Dense after it from (and to) Keras's H,W,C order." + aug_note,
        '"""',
    ]
    model_init = [
        f"class {cls}(nn.Module):",
        f'    """{spec.name}: {analysis.total_params:,} parameters, as Keras counts them."""',
        "",
        "    def __init__(self):",
        "        super().__init__()",
        *(f"        {line}" for line in init),
    ]
    if uses_init:
        model_init.append("        keras_init(self)")
    model_lines = model_init + [""] + methods

    text_all = "\n".join(sum(classes, []) + model_lines + helper_src)
    imports = ["import torch"]
    if "F." in text_all:
        imports.append("import torch.nn.functional as F")
    imports.append("from torch import nn")
    constants = [
        f"SPEC_NAME = {json.dumps(spec.name)}",
        f'SPEC_HASH = "{spec_hash(spec)}"',
        f"INPUT_SHAPE = ({c}, {h}, {w})  # C, H, W",
    ]
    head = "\n\n".join(["\n".join(doc), "\n".join(imports), "\n".join(constants)])
    chunks = [head, *helper_src, *("\n".join(lines) for lines in classes), "\n".join(model_lines)]
    return "\n\n\n".join(chunks) + "\n"


def spec_label(spec: ir.ModelSpec) -> str:
    """The spec's file name, reduced to characters that are safe inside a docstring."""
    name = PurePath(spec.source).name if spec.source else f"{spec.name}.spec"
    return re.sub(r"[^A-Za-z0-9._+-]", "_", name)


def _shape(shape: tuple[int, ...]) -> str:
    return "x".join(str(s) for s in shape)
