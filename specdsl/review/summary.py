"""Summary rows like Keras's ``model.summary()``, plus MACs and the trainable split."""

from __future__ import annotations

from dataclasses import dataclass

from specdsl import ir
from specdsl.check.analysis import Analysis, LayerInfo


@dataclass(frozen=True)
class Row:
    name: str
    keras_class: str
    output_shape: tuple[int, ...]
    params: int
    trainable_params: int
    macs: int
    trainable: bool
    depth: int  # 0: the model's own layers, 1: inside a base
    inputs: tuple[str, ...] = ()  # the layers it reads (input_layer for the model's input)

    @property
    def connected_text(self) -> str:
        """Keras's "Connected to" column: ``stem[0][0], b[0][0]``."""
        return ", ".join(f"{n}[0][0]" for n in self.inputs)

    @property
    def shape_text(self) -> str:
        return "(" + ", ".join(["None", *map(str, self.output_shape)]) + ")"

    @property
    def type_text(self) -> str:
        return f"{self.name} ({self.keras_class})"


def _row(info: LayerInfo, depth: int) -> Row:
    inputs = tuple("input_layer" if n == ir.INPUT else n for n in info.inputs)
    return Row(
        info.name,
        ir.kind_of(info.layer).keras_class,
        info.output_shape,
        info.params,
        info.trainable_params,
        info.total_macs,
        info.trainable,
        depth,
        inputs if depth == 0 else (),
    )


def rows(a: Analysis, expand: bool = False) -> list[Row]:
    """One row per layer, Keras order, the input layer first. ``expand``: a base's layers too."""
    out = [Row("input_layer", "InputLayer", a.input_shape, 0, 0, 0, True, 0)]
    for info in a.layers:
        out.append(_row(info, 0))
        if expand:
            out.extend(_row(c, 1) for c in info.children)
    return out


def human_bytes(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.2f} {unit}" if unit != "B" else f"{n} B"
        n /= 1024
    return f"{n:.2f} GB"  # pragma: no cover


def totals(a: Analysis) -> dict[str, int]:
    return {
        "total_params": a.total_params,
        "trainable_params": a.trainable_params,
        "non_trainable_params": a.non_trainable_params,
        "macs": a.macs,
    }


def as_json(a: Analysis, expand: bool = True) -> dict:
    graph = a.is_graph  # once: it looks at every layer
    return {
        "model": a.spec.name,
        "input_shape": list(a.input_shape),
        "output_shape": list(a.output_shape),
        "layers": [
            {
                "name": r.name,
                "class": r.keras_class,
                "output_shape": list(r.output_shape),
                "params": r.params,
                "trainable_params": r.trainable_params,
                "macs": r.macs,
                "trainable": r.trainable,
                "depth": r.depth,
                **({"connected_to": list(r.inputs)} if graph else {}),
            }
            for r in rows(a, expand)
        ],
        **totals(a),
        "stages": [
            {
                "name": s.stage.name,
                "trainable_params": s.trainable_params,
                "non_trainable_params": s.non_trainable_params,
            }
            for s in a.stages
        ],
    }


def plain(a: Analysis, expand: bool = True) -> str:
    """A stable plain-text summary (no colors, no box drawing): for git textconv and logs."""
    lines = [f'Model: "{a.spec.name}"', f"input: {'x'.join(map(str, a.input_shape))}"]
    graph = a.is_graph  # once: it looks at every layer
    for r in rows(a, expand)[1:]:
        flag = "" if r.trainable else "  [frozen]"
        links = f"  <- {', '.join(r.inputs)}" if graph and r.inputs else ""
        lines.append(
            f"{'  ' * r.depth}{r.type_text:<40} {r.shape_text:<22} params={r.params:,} "
            f"macs={r.macs:,}{flag}{links}"
        )
    t = totals(a)
    lines.append(
        f"total params: {t['total_params']:,}  trainable: {t['trainable_params']:,}  "
        f"non-trainable: {t['non_trainable_params']:,}  MACs: {t['macs']:,}"
    )
    if a.spec.training.precision != "float32":
        lines.append(f"training precision: {a.spec.training.precision}")
    return "\n".join(lines) + "\n"
