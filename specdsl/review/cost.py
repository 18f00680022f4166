"""The cost of a model, layer by layer: parameters, MACs, activation memory, receptive field.

Activation memory is the size of each layer's output for ``batch_size`` examples in float32
(4 bytes a value). The receptive field follows the standard recurrence over the spatial layers
(Dumoulin & Visin; Araujo et al., "Computing receptive fields of CNNs"), per axis::

    jump_out  = jump_in * stride
    size_out  = size_in + (kernel - 1) * jump_in
    start_out = start_in + ((kernel - 1) / 2 - pad_before) * jump_in

``size`` is how many input pixels one output value sees, ``jump`` the distance in input pixels
between neighbouring output values, ``start`` the input coordinate of the centre of the first
output value. ``pad_before`` is the top (left) pad the analysis resolved: 0 for ``valid``; for
``same`` half the total padding, rounded down, as TensorFlow pads. After ``flatten``, a global
pooling or a dense layer every value sees the whole input: the field is then ``global``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from specdsl import ir
from specdsl.check.analysis import Analysis, LayerInfo

BYTES_PER_VALUE = 4  # float32


@dataclass(frozen=True)
class Field:
    """The receptive field of one output value, per axis (height, width)."""

    size: tuple[int, int]
    jump: tuple[int, int]
    start: tuple[float, float]
    is_global: bool = False

    def text(self) -> str:
        if self.is_global:
            return "global"
        size = _pair_text(self.size)
        jump = _pair_text(self.jump)
        return f"{size} /{jump}"

    def as_json(self) -> dict:
        return {
            "size": list(self.size),
            "jump": list(self.jump),
            "start": list(self.start),
            "global": self.is_global,
        }


def _pair_text(p: tuple[int, int]) -> str:
    return str(p[0]) if p[0] == p[1] else f"{p[0]}x{p[1]}"


INPUT_FIELD = Field((1, 1), (1, 1), (0.5, 0.5))


def next_field(field: Field, info: LayerInfo, image: tuple[int, int]) -> Field:
    """The field after one leaf layer. ``image``: the model's input height and width.

    The kind table says how a kind changes the field (``Kind.field``); a window's kernel,
    strides and pads are the ones the analysis resolved (``LayerInfo.geometry``)."""
    if field.is_global:
        return field
    effect = ir.kind_of(info.layer).field
    if effect == "global":
        return Field(image, field.jump, (image[0] / 2, image[1] / 2), True)
    if effect == "pointwise" or info.geometry is None:
        return field
    g = info.geometry
    size, jump, start = [], [], []
    for axis in (0, 1):
        j = field.jump[axis]
        k, pad = g.kernel[axis], g.pads[2 * axis]  # top for height, left for width
        size.append(field.size[axis] + (k - 1) * j)
        start.append(field.start[axis] + ((k - 1) / 2 - pad) * j)
        jump.append(j * g.strides[axis])
    return Field(tuple(size), tuple(jump), tuple(start))


@dataclass(frozen=True)
class LayerCost:
    name: str
    path: str  # ``vgg16/block1_conv1`` inside a base
    kind: str
    output_shape: tuple[int, ...]
    params: int
    trainable_params: int
    macs: int
    activation_bytes: int  # this layer's output (a base: all its layers' outputs), whole batch
    field: Field
    depth: int  # 0: the model's own layers, 1: inside a base
    reads: tuple[str, ...] = ()  # the paths of the leaf outputs it reads (ir.INPUT: the input)

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "path": self.path,
            "kind": self.kind,
            "output_shape": list(self.output_shape),
            "params": self.params,
            "trainable_params": self.trainable_params,
            "macs": self.macs,
            "activation_bytes": self.activation_bytes,
            "receptive_field": self.field.as_json(),
            "depth": self.depth,
        }


@dataclass(frozen=True)
class CostReport:
    model: str
    batch_size: int
    input_bytes: int
    layers: tuple[LayerCost, ...]  # every layer; a base's layers follow it at depth 1

    def top(self) -> list[LayerCost]:
        return [c for c in self.layers if c.depth == 0]

    def leaves(self) -> list[LayerCost]:
        """The layers that hold no others (a base is replaced by its own layers)."""
        bases = {c.path for c in self.layers if c.kind == "base"}
        return [c for c in self.layers if c.path not in bases]

    @property
    def total_params(self) -> int:
        return sum(c.params for c in self.top())

    @property
    def total_macs(self) -> int:
        return sum(c.macs for c in self.top())

    @property
    def activation_bytes(self) -> int:
        """Every layer output plus the input: what training keeps for the backward pass."""
        return self.input_bytes + sum(c.activation_bytes for c in self.leaves())

    @property
    def peak_bytes(self) -> int:
        """The most that inference holds at once: at each layer, its output and every tensor a
        later layer still reads (a chain: one layer's input and output; a graph: the skip
        connections too)."""
        leaves = self.leaves()
        last_use: dict[str, int] = {}
        for i, c in enumerate(leaves):
            for t in c.reads:
                last_use[t] = i
        release: dict[int, int] = {}  # step -> bytes no longer needed after it
        release[last_use.get(ir.INPUT, -1)] = self.input_bytes
        alive = peak = self.input_bytes
        for i, c in enumerate(leaves):
            alive += c.activation_bytes
            peak = max(peak, alive)
            step = max(last_use.get(c.path, i), i)
            release[step] = release.get(step, 0) + c.activation_bytes
            alive -= release.pop(i, 0)
        return peak

    @property
    def output_field(self) -> Field:
        """The field of the last layer that still has one (before flatten or global pooling)."""
        spatial = [c.field for c in self.layers if not c.field.is_global]
        return spatial[-1] if spatial else INPUT_FIELD

    def as_json(self) -> dict:
        return {
            "model": self.model,
            "batch_size": self.batch_size,
            "bytes_per_value": BYTES_PER_VALUE,
            "input_bytes": self.input_bytes,
            "layers": [c.as_json() for c in self.layers],
            "total_params": self.total_params,
            "total_macs": self.total_macs,
            "activation_bytes": self.activation_bytes,
            "peak_activation_bytes": self.peak_bytes,
            "receptive_field": self.output_field.as_json(),
        }


def _extent(f: Field) -> tuple[bool, int]:
    return (f.is_global, f.size[0] * f.size[1])


def default_batch_size(a: Analysis) -> int:
    """The spec's own ``batch`` setting, or 1."""
    return a.spec.training.batch_size or 1


def cost_report(a: Analysis, batch_size: int | None = None) -> CostReport:
    """Per-layer cost of an analysed model for ``batch_size`` examples (default: the spec's)."""
    batch = batch_size if batch_size is not None else default_batch_size(a)
    image = tuple(a.input_shape[:2]) if len(a.input_shape) == 3 else (1, 1)
    field = INPUT_FIELD
    out: list[LayerCost] = []

    def act(info: LayerInfo) -> int:
        return math.prod(info.output_shape) * batch * BYTES_PER_VALUE

    fields = {ir.INPUT: INPUT_FIELD}  # each layer's field, for the layers that read it
    tensor = {ir.INPUT: ir.INPUT}  # layer name -> the leaf path whose output it is
    for info in a.layers:
        # A layer sees what its input sees; a merge, the widest of its inputs (the largest
        # field: every output value of a residual block sees at least that much).
        sources = info.inputs or (ir.INPUT,)
        field = max((fields[n] for n in sources), key=_extent)
        reads = tuple(tensor[n] for n in sources)
        if info.children:
            children = []
            for child in info.children:
                if child.kind == "input":
                    continue
                field = next_field(field, child, image)
                children.append(_cost(child, act(child), field, 1, reads))
                reads = (child.path,)
            total_act = sum(c.activation_bytes for c in children)
            out.append(_cost(info, total_act, field, 0))
            out.extend(children)
            tensor[info.name] = reads[0]
        else:
            field = next_field(field, info, image)
            out.append(_cost(info, act(info), field, 0, reads))
            tensor[info.name] = info.path
        fields[info.name] = field
    input_bytes = math.prod(a.input_shape) * batch * BYTES_PER_VALUE
    return CostReport(a.spec.name, batch, input_bytes, tuple(out))


def _cost(
    info: LayerInfo, act_bytes: int, field: Field, depth: int, reads: tuple[str, ...] = ()
) -> LayerCost:
    return LayerCost(
        info.name,
        info.path,
        info.kind,
        tuple(info.output_shape),
        info.params,
        info.trainable_params,
        info.total_macs,
        act_bytes,
        field,
        depth,
        reads,
    )


def human_bytes(n: float) -> str:
    """1,234,567 -> '1.18 MiB' (binary units, as Keras's summary)."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{int(n)} B" if unit == "B" else f"{n:.2f} {unit}"
        n /= 1024
    return f"{n:.2f} GiB"  # pragma: no cover


def by_layer(report: CostReport) -> dict[tuple[int, str], LayerCost]:
    """(depth, name) -> cost, to join with the summary's rows."""
    return {(c.depth, c.name): c for c in report.layers}


def plain(report: CostReport, expand: bool = True) -> str:
    """The cost report as stable plain text (one layer a line)."""
    lines = [
        f"cost for batch {report.batch_size} (float32): input {human_bytes(report.input_bytes)}"
    ]
    for c in report.layers:
        if c.depth and not expand:
            continue
        lines.append(
            f"{'  ' * c.depth}{c.name:<24} activations={human_bytes(c.activation_bytes):>11} "
            f"rf={c.field.text():<8} macs={c.macs:,} params={c.params:,}"
        )
    lines.append(
        f"activation memory: {human_bytes(report.activation_bytes)} (all outputs, for training)  "
        f"peak: {human_bytes(report.peak_bytes)} (tensors alive at once)  "
        f"receptive field: {report.output_field.text()}"
    )
    return "\n".join(lines) + "\n"
