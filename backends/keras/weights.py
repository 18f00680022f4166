"""Read Keras weight files without TensorFlow (h5py, zipfile and json only).

Three layouts are read:

* legacy ``.h5`` (Keras 1/2 ``save_weights`` and ``model.save``, and the files Keras caches
  for ``keras.applications``, e.g. ``vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5``):
  attribute ``layer_names`` on the root (or on ``model_weights``), ``weight_names`` per layer;
* Keras 3 ``.weights.h5``: ``layers/<layer>/vars/0, 1, ...`` (nested models nest ``layers/``),
  the layer's name in the ``name`` attribute of ``vars`` where Keras wrote it;
* ``.keras`` archives (a zip holding ``model.weights.h5`` in the Keras 3 layout).

Layers are matched to the model by name first (the file's layer names are specdsl's IR
names when the model came from specdsl or Keras's own applications); when the names differ
(e.g. ``block1/layers/conv2d`` in a subclassed model), by structure order and shape. The
result uses specdsl's canonical keys (``block1_conv1/kernel``), whose layout is Keras's own.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from specdsl.check.analysis import Analysis, LayerInfo
from specdsl.weights.checkpoint import CheckpointError

CANONICAL = ("kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance")

# keras.applications' cached "no top" weight files (what ``weights="imagenet"`` downloads)
# The files keras.applications downloads (include_top=False) and efficientnet_pytorch's
# Lite0 file (torch hub's cache); specdsl never downloads, it looks in the caches.
IMAGENET_FILES = {
    "vgg16": "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
    "resnet50": "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
    "mobilenet_v2": "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5",
    "efficientnet_lite0": "efficientnet-lite0-57934424.pth",
}


@dataclass
class FileLayer:
    """One layer's weights as the file holds them."""

    where: str  # its place in the file, for messages
    names: tuple[str, ...]  # names it may go by, best first
    weight_names: tuple[str, ...]  # each array's name ("kernel", "W", "0", ...)
    arrays: list[np.ndarray]

    def shapes(self) -> list[tuple[int, ...]]:
        return [tuple(a.shape) for a in self.arrays]


def read_keras_weights(path: str | Path, analysis: Analysis, scope=None) -> dict[str, np.ndarray]:
    """The weights of ``analysis`` (or of ``scope``) in a Keras file, keyed canonically.

    ``scope``: None for the whole model; a base's name, its ``LayerInfo`` or a list of
    ``LayerInfo`` when the file holds only those layers (``weights=`` of ``base vgg16``).
    Raises CheckpointError, one line naming the file, when a layer is missing or a shape
    differs.
    """
    path = Path(path)
    targets, what = _targets(analysis, scope)
    found = file_layers(path)
    mapping = _match_by_name(path, found, targets)
    if mapping is None:
        mapping = _match_by_order(path, found, targets, what)
    out: dict[str, np.ndarray] = {}
    for info, layer in mapping:
        for wname, array in _assign(path, layer, info):
            out[f"{info.name}/{wname}"] = np.asarray(array, dtype=np.float32)
    return out


def file_layers(path: Path) -> list[FileLayer]:
    """Every layer with weights in the file, in the file's structure order."""
    if not path.is_file():
        raise CheckpointError(f"{path}: no such weights file")
    import h5py

    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                if "model.weights.h5" not in z.namelist():
                    raise CheckpointError(f"{path}: a zip without model.weights.h5 (not .keras)")
                raw = z.read("model.weights.h5")
            with h5py.File(io.BytesIO(raw), "r") as f:
                return _keras3_layers(f)
        with h5py.File(path, "r") as f:
            if "layer_names" in f.attrs or "model_weights" in f:
                return _legacy_layers(f)
            return _keras3_layers(f)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as e:
        raise CheckpointError(f"{path}: not a Keras weights file ({e})") from None


def imagenet_weights_file(arch: str) -> Path:
    """Keras's cached ImageNet weights for a base, or CheckpointError saying how to get them."""
    name = IMAGENET_FILES.get(arch)
    if name is None:
        raise CheckpointError(
            f"no ImageNet weights file is known for base '{arch}'; "
            "give a weights file with --weights PATH or weights=PATH in the spec"
        )
    for folder in keras_cache_dirs():
        if (folder / name).is_file():
            return folder / name
    raise CheckpointError(
        f"~/.keras/models/{name}: not found, so there are no ImageNet weights for '{arch}' "
        "(specdsl never downloads): copy the file there, pass --weights PATH "
        "(.h5, .weights.h5, .keras or .pth), or write 'weights=none' in the spec"
    )


def keras_cache_dirs() -> list[Path]:
    """Where Keras caches downloaded models: $KERAS_HOME, ~/.keras, /tmp/.keras (+ models/)."""
    homes = [os.environ["KERAS_HOME"]] if os.environ.get("KERAS_HOME") else []
    homes += [str(Path.home() / ".keras"), "/tmp/.keras"]
    torch_home = os.environ.get("TORCH_HOME") or str(Path.home() / ".cache" / "torch")
    return [Path(h) / "models" for h in homes] + [Path(torch_home) / "hub" / "checkpoints"]


# ---- the two h5 layouts -------------------------------------------------------------


def _text(value) -> str:
    return value.decode("utf8") if isinstance(value, bytes) else str(value)


def _legacy_layers(f) -> list[FileLayer]:
    root = f["model_weights"] if "model_weights" in f else f
    out: list[FileLayer] = []
    for layer_name in (_text(n) for n in root.attrs["layer_names"]):
        group = root[layer_name]
        owners: dict[str, FileLayer] = {}
        for wn in (_text(n) for n in group.attrs.get("weight_names", [])):
            parts = wn.split("/")
            owner = parts[-2] if len(parts) > 1 else layer_name
            wname = parts[-1].split(":")[0]
            if owner not in owners:
                names = (owner,) if owner == layer_name else (owner, layer_name)
                where = layer_name if owner == layer_name else f"{layer_name}/{owner}"
                owners[owner] = FileLayer(where, names, (), [])
            entry = owners[owner]
            entry.weight_names += (wname,)
            entry.arrays.append(np.asarray(group[wn]))
        out.extend(owners.values())
    return out


def _natural(name: str):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def _keras3_layers(f) -> list[FileLayer]:
    out: list[FileLayer] = []

    def walk(group, where: str) -> None:
        for key in sorted(group.keys(), key=_natural):
            item = group[key]
            if not hasattr(item, "keys"):
                continue
            if key == "vars":
                keys = sorted((k for k in item.keys() if k.isdigit()), key=int)
                if keys:
                    owner = where.rsplit("/", 1)[-1]
                    attr = _text(item.attrs["name"]) if "name" in item.attrs else None
                    names = tuple(dict.fromkeys(n for n in (attr, owner) if n))
                    arrays = [np.asarray(item[k]) for k in keys]
                    out.append(FileLayer(where or "/", names, tuple(keys), arrays))
                continue
            if not where and key in ("optimizer", "metrics", "compile_metrics"):
                continue
            if key.startswith("seed_generator"):
                continue
            walk(item, f"{where}/{key}" if where else key)

    walk(f, "")
    return out


# ---- matching file layers to the model --------------------------------------------------


def _targets(analysis: Analysis, scope) -> tuple[list[LayerInfo], str]:
    if scope is None:
        infos, what = analysis.flat(), f"model '{analysis.spec.name}'"
    elif isinstance(scope, str):
        info = analysis.find(scope)
        if info is None:
            raise CheckpointError(f"model '{analysis.spec.name}' has no layer or base '{scope}'")
        infos, what = (info.children or [info]), f"'{scope}'"
    elif isinstance(scope, LayerInfo):
        infos, what = (scope.children or [scope]), f"'{scope.name}'"
    else:
        infos, what = list(scope), "the layers asked for"
    return [i for i in infos if i.weights], what


def _match_by_name(path: Path, found: list[FileLayer], targets: list[LayerInfo]):
    """Pairs (layer, file layer) when every target's name is in the file, else None."""
    by_name: dict[str, FileLayer] = {}
    for rank in range(max((len(x.names) for x in found), default=0)):
        for layer in found:
            if rank < len(layer.names):
                by_name.setdefault(layer.names[rank], layer)
    if not all(t.name in by_name for t in targets):
        return None
    return [(t, by_name[t.name]) for t in targets]


def _match_by_order(path: Path, found: list[FileLayer], targets: list[LayerInfo], what: str):
    """Pair in structure order, skipping file layers whose shapes fit no next target."""
    if len(found) < len(targets):
        missing = targets[len(found)]
        raise CheckpointError(
            f"{path}: holds weights for {len(found)} layers, but {what} needs {len(targets)} "
            f"(none for '{missing.name}', {_describe(missing)})"
        )
    if len(found) == len(targets):
        return list(zip(targets, found, strict=True))
    pairs, k = [], 0
    for t in targets:
        want = [w.shape for w in t.weights]
        while k < len(found) and sorted(found[k].shapes()) != sorted(want):
            k += 1
        if k == len(found):
            raise CheckpointError(
                f"{path}: no layer with the shapes of '{t.name}' ({_describe(t)}); "
                "the names differ from the model's, so layers were matched in order"
            )
        pairs.append((t, found[k]))
        k += 1
    return pairs


def _describe(info: LayerInfo) -> str:
    return ", ".join(f"{w.name} {tuple(w.shape)}" for w in info.weights)


def _assign(path: Path, layer: FileLayer, info: LayerInfo):
    """(canonical weight name, array) for each weight of ``info``, checking every shape."""
    if len(layer.arrays) != len(info.weights):
        raise CheckpointError(
            f"{path}: '{layer.where}' holds {len(layer.arrays)} weights, but layer "
            f"'{info.name}' needs {len(info.weights)} ({_describe(info)})"
        )
    by_name = dict(zip(layer.weight_names, layer.arrays, strict=True))
    named = all(w.name in by_name for w in info.weights)
    for k, w in enumerate(info.weights):
        array = by_name[w.name] if named else layer.arrays[k]
        if tuple(array.shape) != tuple(w.shape):
            raise CheckpointError(
                f"{path}: '{layer.where}' has {w.name} of shape {tuple(array.shape)}, but layer "
                f"'{info.name}' needs {tuple(w.shape)}"
            )
        yield w.name, array
