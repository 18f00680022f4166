"""Write the trainable flags of a model (or of one training stage) as Keras code.

The code reads like the lecture's Listing 8.27: ``conv_base.trainable = False``, or
``for layer in conv_base.layers[:-4]: layer.trainable = False``. It is written from the
flags specdsl resolved (``specdsl.check.freezing``), so Keras ends with exactly the
trainable/frozen split that ``specdsl summary`` prints.

A stage's function first makes every layer trainable again. With the TensorFlow backend,
Keras cascades ``layer.trainable = value`` to the sublayers only when the flag changes
(assigning the value it already has is skipped), so ``model.trainable = True`` alone would
leave a base's layers frozen by the previous stage: the reset sets False, then True.
"""

from __future__ import annotations

from collections.abc import Callable

from specdsl import ir
from specdsl.backends.keras.codefmt import INDENT, LINE_LENGTH, py_str
from specdsl.check.analysis import Analysis, LayerInfo

Flag = Callable[[LayerInfo], bool]


def base_variables(analysis: Analysis) -> dict[str, str]:
    """Base name -> its variable in emitted code (``conv_base``, as in the lecture)."""
    bases = [i.name for i in analysis.layers if i.kind == "base"]
    return {n: "conv_base" if k == 0 else f"conv_base_{k + 1}" for k, n in enumerate(bases)}


RESET = [
    f"{INDENT}# every layer trainable again (Keras cascades the flag only when it changes)",
    f"{INDENT}model.trainable = False",
    f"{INDENT}model.trainable = True",
]


def trainable_body(
    analysis: Analysis, flag: Flag, ops: tuple[ir.FreezeOp, ...], reset: bool
) -> list[str]:
    """Body lines of ``def set_trainable(model):`` for the given flags.

    ``reset``: start by making every layer trainable (a stage after another stage); without
    it the model is assumed fresh from ``build_model()``.
    """
    ind = INDENT
    lines = list(RESET) if reset else []
    variables = base_variables(analysis)
    for info in analysis.layers:
        if info.children:
            frozen = [k for k, c in enumerate(info.children) if not flag(c)]
            if not frozen:
                continue
            var = variables[info.name]
            lines.append(f"{ind}{var} = model.get_layer({py_str(info.name)})")
            lines.extend(_base_lines(info, var, frozen, ops))
        elif not flag(info):
            lines.append(f"{ind}model.get_layer({py_str(info.name)}).trainable = False")
    return lines


def _base_lines(info: LayerInfo, var: str, frozen: list[int], ops) -> list[str]:
    ind = INDENT
    n = len(info.children)
    if len(frozen) == n:
        return [f"{ind}{var}.trainable = False"]
    slice_text = _slice_text(info.name, n, frozen, ops)
    if slice_text is not None:
        return [
            f"{ind}for layer in {var}.layers{slice_text}:",
            f"{ind}{ind}layer.trainable = False",
        ]
    kept = [k for k in range(n) if k not in frozen]
    if len(kept) < len(frozen):  # fewer trainable than frozen: name the trainable ones
        names = [py_str(info.children[k].name) for k in kept]
        return [
            f"{ind}for layer in {var}.layers:",
            *_list_lines(f"{ind * 2}layer.trainable = layer.name in [", names, "]", ind * 2),
        ]
    names = [py_str(info.children[k].name) for k in frozen]
    return [
        *_list_lines(f"{ind}for name in [", names, "]:", ind),
        f"{ind}{ind}{var}.get_layer(name).trainable = False",
    ]


def _list_lines(head: str, items: list[str], tail: str, indent: str) -> list[str]:
    """``head item, item tail`` laid out as ruff does when it is too long."""
    one = head + ", ".join(items) + tail
    if len(one) <= LINE_LENGTH:
        return [one]
    if len(indent + INDENT + ", ".join(items)) <= LINE_LENGTH:
        return [head, indent + INDENT + ", ".join(items), indent + tail]
    return [head, *(f"{indent}{INDENT}{s}," for s in items), indent + tail]


def _slice_text(base: str, n: int, frozen: list[int], ops) -> str | None:
    """The spec's own slice when it names exactly the frozen layers, else ``[a:b]`` or None."""
    for op in ops:
        sl = op.slice
        if op.action == "freeze" and op.target == base and sl is not None and sl.index is None:
            if list(range(n)[sl.start : sl.stop]) == frozen:
                return sl.text()
    a, b = frozen[0], frozen[-1] + 1
    if frozen == list(range(a, b)):
        return f"[:{b}]" if a == 0 else f"[{a}:{b}]"
    return None


def stats_text(trainable: int, frozen: int) -> str:
    return f"trainable {trainable:,}, frozen {frozen:,}"
