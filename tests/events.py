"""TensorBoard's event files of a run folder, read back with TensorBoard's own reader; and
the small two-stage MNIST spec both backends' TensorBoard tests train."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

# Two stages (per-stage runs, two learning rates), a validation split (the checkpoint's
# monitor) and an augmentation, on real MNIST in seconds.
STAGED_MNIST = """\
model tb_mnist
input 28x28x1
classes 0 1 2 3 4 5 6 7 8 9

augment rotate 0.1
conv 8 k3 relu
pool 2
flatten
dense 10 softmax

loss sparse_categorical_crossentropy
optimizer rmsprop
metrics accuracy
batch 64
checkpoint best val_loss

stage first:
  epochs 1

stage second:
  optimizer rmsprop lr=1e-4
  epochs 1
"""


def read_events(folder: Path) -> dict[str, dict[str, list]]:
    """run -> tag -> [(step, value)]: floats for scalars, str for text, (height, width, PNG
    bytes...) for images; read by TensorBoard's event multiplexer (legacy summaries, as
    torch.utils.tensorboard writes them, come back as tensors as well)."""
    from tensorboard.backend.event_processing import plugin_event_multiplexer as pem
    from tensorboard.util import tensor_util

    mux = pem.EventMultiplexer(tensor_size_guidance={"scalars": 0, "images": 0, "text": 0})
    mux.AddRunsFromDirectory(str(folder))
    mux.Reload()
    out: dict[str, dict[str, list]] = {}
    for run, tags in mux.Runs().items():
        for tag in tags.get("tensors", []):
            plugin = mux.SummaryMetadata(run, tag).plugin_data.plugin_name
            values = []
            for event in mux.Tensors(run, tag):
                array = tensor_util.make_ndarray(event.tensor_proto)
                if plugin == "scalars":
                    value = float(array)
                elif plugin == "text":
                    value = array.reshape(-1)[0].decode()
                else:
                    value = tuple(array.reshape(-1).tolist())
                values.append((event.step, value))
            out.setdefault(run.replace("\\", "/"), {})[tag] = values
    return out


def assert_stage_epochs(events: dict[str, dict[str, list]], run: Path) -> None:
    """STAGED_MNIST's run as both backends must log it: a train and a validation run per
    stage, each epoch's loss and accuracy equal to history.json's, the learning rate (of the
    training side only) as the stage set it."""
    assert set(events) == {"first/train", "first/validation", "second/train", "second/validation"}
    history = json.loads((run / "history.json").read_text())["history"]
    for step, stage, rate in ((1, "first", 1e-3), (2, "second", 1e-4)):
        logged, validation = events[f"{stage}/train"], events[f"{stage}/validation"]
        for name in ("loss", "accuracy"):
            assert logged[f"epoch_{name}"] == [(step, pytest.approx(history[name][step - 1]))]
            expected = [(step, pytest.approx(history[f"val_{name}"][step - 1]))]
            assert validation[f"epoch_{name}"] == expected
        assert logged["epoch_learning_rate"] == [(step, pytest.approx(rate))]
        assert "epoch_learning_rate" not in validation
