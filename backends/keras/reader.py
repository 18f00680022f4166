"""Import a Keras ``.keras`` file without TensorFlow: it is a zip holding ``config.json``.

The config lists the layers (a ``Sequential``, or a ``Functional``: a chain, or a graph whose
branches and merges come back as ``from`` and ``add``/``concat``/``multiply``),
each with its class, settings and ``trainable`` flag; ``compile_config`` holds the loss, the
optimizer and the metrics when the model was compiled. A nested model is a pretrained base when
its layers are exactly a zoo base's (``keras.applications.VGG16``), otherwise its layers are
taken in place (a ``keras.Sequential`` of augmentation layers, as in the lecture). The lecture's
``keras.applications.vgg16.preprocess_input`` shows up as Keras operations (three ``GetItem``,
a ``Stack``, an ``Add`` of the ImageNet means) and comes back as ``preprocess caffe``.

Not recorded in the file: the class names, where a base's weights came from, and the training
loop (epochs, batch, checkpoint, stages); ``diff`` does not compare those.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from pydantic import ValidationError

from specdsl import ir
from specdsl.backends.keras.read_layers import read_layer
from specdsl.ir.vocab import OPTIMIZERS
from specdsl.review.importers.common import (
    Imported,
    ImportFailed,
    finish,
    freeze_ops,
    make_base,
    model_name,
    snap,
    zoo_match,
)

MODELS = ("Functional", "Sequential", "Model")
# keras.applications.<arch>.preprocess_input of each zoo base, as the spec's preprocess mode
BASE_PREPROCESS = {"vgg16": "caffe"}
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
LOSS_CLASSES = {
    "BinaryCrossentropy": "binary_crossentropy",
    "CategoricalCrossentropy": "categorical_crossentropy",
    "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy",
    "MeanSquaredError": "mean_squared_error",
    "MeanAbsoluteError": "mean_absolute_error",
}


def read_config(path: Path) -> dict:
    try:
        with zipfile.ZipFile(path) as z:
            return json.loads(z.read("config.json"))
    except zipfile.BadZipFile:
        raise ImportFailed(f"{path}: not a .keras file (not a zip archive)") from None
    except KeyError:
        raise ImportFailed(f"{path}: not a .keras file (no config.json inside)") from None
    except json.JSONDecodeError as e:
        raise ImportFailed(f"{path}: config.json is not valid JSON ({e.msg})") from None


class _Walker:
    """Turns a model config into IR layers and the trainable flag of every layer."""

    def __init__(self, path: Path):
        self.input_name: str | None = None  # the model's InputLayer
        self.path = path
        self.flags: dict[str, bool] = {}
        self.input_shape: tuple[int, ...] | None = None
        self.lambdas: dict[str, str] = {}  # preprocess_input Lambdas: name -> where
        self.alias: dict[str, str] = {}  # a nested model taken in place -> its last layer

    def where(self, index: int, name: str, parent: str | None) -> str:
        """Where a layer is, as Keras counts: ``model.layers[i]`` (nested: ``base.layers[i]``)."""
        owner = parent or "model"
        return f"{self.path}: {owner}.layers[{index}] '{name}'"

    def model(self, entry: dict, parent_trainable: bool = True, parent: str | None = None) -> list:
        cfg = entry["config"]
        trainable = parent_trainable and cfg.get("trainable", True) is not False
        layers = cfg.get("layers", [])
        if entry["class_name"] == "Sequential":
            return self._sequential(cfg, layers, trainable, parent)
        return self._functional(cfg, layers, trainable, parent)

    def _input(self, shape, where: str) -> None:
        if shape is None:
            return
        dims = tuple(shape[1:])
        if len(dims) != 3 or not all(isinstance(d, int) for d in dims):
            raise ImportFailed(f"{where}: the input {list(shape)} is not a fixed HxWxC image")
        if self.input_shape is None:
            self.input_shape = dims

    def _sequential(self, cfg: dict, layers: list, trainable: bool, parent) -> list:
        self._input(cfg.get("build_input_shape"), f"{self.path}: model '{cfg.get('name')}'")
        out = []
        entries = [e for e in layers if e["class_name"] != "InputLayer"]  # as model.layers
        for e in layers:
            if e["class_name"] == "InputLayer":
                self._input(e["config"].get("batch_shape"), f"{self.path}: '{cfg.get('name')}'")
        for i, entry in enumerate(entries):
            out.extend(self._layer(i, entry, trainable, parent))
        return out

    def _functional(self, cfg: dict, layers: list, trainable: bool, parent) -> list:
        out = []
        current = None
        i = 0
        while i < len(layers):
            entry = layers[i]
            name = entry.get("name") or entry["config"].get("name")
            inputs = _inbound(entry)
            if entry["class_name"] == "InputLayer":
                if current is None:
                    current = self.input_name = name
                    self._input(entry["config"].get("batch_shape"), self.where(i, name, parent))
                i += 1
                continue
            where = self.where(i, name, parent)
            if len(entry.get("inbound_nodes", [])) > 1:
                raise ImportFailed(f"{where} is used more than once (a shared layer)")
            if not inputs:
                raise ImportFailed(f"{where} reads nothing")
            if entry["class_name"] == "GetItem" and [self.alias.get(n, n) for n in inputs] == [
                current
            ]:
                layer, used = _caffe(layers, i, where)
                out.append(layer)
                current = layers[i + used - 1]["config"]["name"]
                i += used
                continue
            read = [
                ir.INPUT if n == self.input_name else self.alias.get(n, n)
                for n in _inbound(entry, False)
            ]
            prev = ir.INPUT if current == self.input_name else current
            layers_here = self._layer(i, entry, trainable, parent)
            if entry["class_name"] in MODELS and not (
                len(layers_here) == 1 and isinstance(layers_here[0], ir.Base)
            ):  # a nested model's layers in place: they read what they read inside it
                out.extend(_inlined(layers_here, read[0] if read != [prev] else None))
                if layers_here:  # what reads the nested model reads its last layer
                    self.alias[name] = name = layers_here[-1].name
            else:
                for layer in layers_here:
                    if ir.kind_of(layer).merge or read != [prev]:  # a branch or a merge
                        layer = layer.model_copy(update={"inputs": tuple(read)})
                    out.append(layer)
            current = name
            i += 1
        return out

    def _layer(self, i: int, entry: dict, trainable: bool, parent) -> list:
        cls = entry["class_name"]
        cfg = entry["config"]
        name = cfg.get("name", f"layer_{i}")
        where = self.where(i, name, parent)
        if cls == "InputLayer":
            self._input(cfg.get("batch_shape"), where)
            return []
        if cls in MODELS:
            outer_input = self.input_name
            inner = self.model(entry, trainable, name)
            self.input_name = outer_input
            arch = zoo_match(inner)
            if arch is None:
                return inner  # e.g. a Sequential of augmentation layers: its layers in place
            return [make_base(arch, name, inner)]
        try:
            layer = read_layer(cls, cfg, where)
        except ValidationError as e:
            first = e.errors()[0]
            loc = ".".join(str(x) for x in first["loc"])
            raise ImportFailed(f"{where}: {cls} setting {loc}: {first['msg']}") from None
        self.flags[name] = trainable and cfg.get("trainable", True) is not False
        if cls == "Lambda":
            self.lambdas[name] = where
        return [layer]

    def settle_lambdas(self, layers: list) -> list:
        """A ``preprocess_input`` Lambda takes the mode of the base that follows it."""
        out = list(layers)
        for i, layer in enumerate(out):
            if layer.name not in self.lambdas or layer.kind != "preprocess":
                continue
            after = next((x for x in out[i + 1 :] if x.kind == "base"), None)
            mode = BASE_PREPROCESS.get(after.arch) if after is not None else None
            if mode is None:
                raise ImportFailed(
                    f"{self.lambdas[layer.name]} is a Lambda of preprocess_input without a "
                    "known base after it: cannot tell which preprocessing it is"
                )
            out[i] = layer.model_copy(update={"mode": mode})
        return out


def _inlined(layers: list, source: str | None) -> list:
    """A nested model's layers taken in place: what read the nested model's input reads
    ``source`` (None: the layer before them, as the first one already does)."""
    if source is None:
        return list(layers)
    out = []
    for k, layer in enumerate(layers):
        reads = layer.inputs or ((ir.INPUT,) if k == 0 else ())
        if ir.INPUT in reads:
            layer = layer.model_copy(
                update={"inputs": tuple(source if r == ir.INPUT else r for r in reads)}
            )
        out.append(layer)
    return out


def _history(obj, found: list[str]) -> None:
    if isinstance(obj, dict):
        if obj.get("class_name") == "__keras_tensor__":
            found.append(obj["config"]["keras_history"][0])
        else:
            for v in obj.values():
                _history(v, found)
    elif isinstance(obj, list):
        for v in obj:
            _history(v, found)


def _inbound(entry: dict, unique: bool = True) -> list[str]:
    """The layers an entry reads, in order (``unique``: each once)."""
    found: list[str] = []
    for node in entry.get("inbound_nodes", []):
        _history(node.get("args", []), found)
    return list(dict.fromkeys(found)) if unique else found


def _caffe(layers: list, i: int, where: str) -> tuple[ir.Preprocess, int]:
    """``vgg16.preprocess_input`` as Keras traces it: x[..., 2], x[..., 1], x[..., 0] -> Stack
    -> Add(-mean)."""
    try:
        picks = [layers[i + k] for k in range(3)]
        stack, add = layers[i + 3], layers[i + 4]
        idx = [p["inbound_nodes"][0]["args"][1][1] for p in picks]
        const = add["inbound_nodes"][0]["args"][1]["config"]["value"]
        flat = [v for v in _flatten(const)]
        ok = (
            all(p["class_name"] == "GetItem" for p in picks)
            and idx == [2, 1, 0]
            and stack["class_name"] == "Stack"
            and add["class_name"] == "Add"
            and len(flat) == 3
            and all(abs(-a - b) < 1e-3 for a, b in zip(flat, CAFFE_MEAN_BGR, strict=True))
        )
    except (IndexError, KeyError, TypeError):
        ok = False
    if not ok:
        raise ImportFailed(
            f"{where} is a Keras operation (GetItem) that is not VGG16's preprocess_input; "
            "specdsl imports layers only"
        )
    return ir.Preprocess(name="preprocess", mode="caffe"), 5


def _flatten(v):
    if isinstance(v, list):
        for x in v:
            yield from _flatten(x)
    else:
        yield float(v)


def _name(obj) -> str | None:
    if isinstance(obj, str):
        return obj
    if isinstance(obj, dict):
        cls = obj.get("class_name", "")
        return LOSS_CLASSES.get(cls) or obj.get("config", {}).get("name") or cls.lower()
    return None


def _training(compile_config: dict | None) -> tuple[ir.Training, bool]:
    if not compile_config:
        return ir.Training(), False
    opt = compile_config.get("optimizer") or {}
    name = (opt.get("class_name") or "rmsprop").lower() if isinstance(opt, dict) else str(opt)
    lr = opt.get("config", {}).get("learning_rate") if isinstance(opt, dict) else None
    lr = snap(lr) if isinstance(lr, (int, float)) else None
    if lr is not None and OPTIMIZERS.get(name) == lr:
        lr = None  # Keras's default for this optimizer: the spec does not write it
    metrics = compile_config.get("metrics") or []
    metrics = tuple(m for m in (_name(x) for x in metrics if not isinstance(x, list)) if m)
    return ir.Training(
        loss=_name(compile_config.get("loss")),
        optimizer=ir.Optimizer(name=name, learning_rate=lr),
        metrics=metrics,
    ), True


def import_keras(path: Path) -> Imported:
    config = read_config(path)
    if config.get("class_name") not in MODELS:
        raise ImportFailed(f"{path}: the saved object is a {config.get('class_name')}, not a model")
    walker = _Walker(path)
    layers = walker.settle_lambdas(walker.model(config))
    if walker.input_shape is None:
        raise ImportFailed(f"{path}: the model has no input shape (was it built?)")
    training, compiled = _training(config.get("compile_config"))
    spec = ir.ModelSpec(
        name=model_name(config["config"].get("name"), path.stem),
        input_shape=walker.input_shape,
        layers=tuple(layers),
        freeze=freeze_ops(layers, walker.flags),
        training=training,
    )
    analysis = finish(spec, str(path))
    unknown = {"classes", "base_weights", "training_loop", "freeze_ops"}
    if not compiled:
        unknown.add("compile")
    notes = [
        "not recorded in a .keras file: class names, where a base's weights came from, and "
        "the training loop (epochs, batch, checkpoint, stages)"
    ]
    return Imported(spec, analysis, "keras", frozenset(unknown), notes)
