"""train.py's run logs: TensorBoard event files in the run folder (tensorboard/).

Layout, the same in both backends: one TensorBoard run per split, ``train`` and
``validation`` (``<stage>/train`` and ``<stage>/validation`` when the spec has several
stages), each with ``epoch_loss``, ``epoch_<metric>`` and (train) ``epoch_learning_rate`` at
step = the epoch's number in the whole run (1, 2, ...: stages follow each other). The first
train run also holds the spec and its summary as text, and a few training images as the
model gets them (augmented when the spec augments), at step 1.

The constants and definitions before TENSORBOARD are placeholders for what train.py defines
elsewhere."""

from pathlib import Path

import keras
import numpy as np

SPEC_FILE = "model.spec"
INPUT_SHAPE = (28, 28, 1)
COLOR_MODES = {1: "grayscale", 3: "rgb", 4: "rgba"}
STAGES = []


TENSORBOARD = "tensorboard"  # the event files' folder in the run folder
PREVIEW = 8  # training images shown in TensorBoard


class Board:
    """TensorBoard writers (tf.summary), one per run, made when first written to."""

    def __init__(self, folder: Path, tf):
        self.folder, self.tf, self.writers = folder, tf, {}

    def writer(self, run: str):
        if run not in self.writers:
            self.writers[run] = self.tf.summary.create_file_writer(str(self.folder / run))
        return self.writers[run]

    def scalars(self, run: str, step: int, values: dict) -> None:
        with self.writer(run).as_default(step=step):
            for name, value in values.items():
                self.tf.summary.scalar(f"epoch_{name}", float(value))
        self.writer(run).flush()

    def text(self, run: str, tag: str, text: str) -> None:
        """Monospaced: TensorBoard shows text as Markdown, and indented lines as code."""
        block = "\n".join("    " + line for line in text.splitlines())
        with self.writer(run).as_default(step=0):
            self.tf.summary.text(tag, block)
        self.writer(run).flush()

    def images(self, run: str, tag: str, images, step: int) -> None:
        """``images``: (N, H, W, C) floats in [0, 1]."""
        with self.writer(run).as_default(step=step):
            self.tf.summary.image(tag, images, max_outputs=len(images))
        self.writer(run).flush()

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()


def open_board(run_dir: Path, chief: bool = True) -> Board | None:
    """The run's TensorBoard writers; None (said once) when tensorboard is not installed."""
    if not chief:
        return None
    try:
        import tensorboard  # noqa: F401  (tf.summary writes with it; TensorFlow lacks it)
        import tensorflow as tf
    except ImportError:
        print("TensorBoard logs are off: tensorboard is not installed (pip install tensorboard)")
        return None
    return Board(run_dir / TENSORBOARD, tf)


def board_run(stage: str, split: str) -> str:
    """The TensorBoard run of a stage's split: ``train``, or ``<stage>/train`` with stages."""
    return f"{stage}/{split}" if len(STAGES) > 1 else split


def log_spec(board: Board | None, analysis) -> None:
    """The spec's text and its summary (specdsl summary --format plain), as TensorBoard text."""
    if board is None:
        return
    from specdsl.review.summary import plain

    run = board_run(STAGES[0].name, "train")
    board.text(run, "spec", Path(__file__).with_name(SPEC_FILE).read_text(encoding="utf-8"))
    board.text(run, "summary", plain(analysis, expand=False))


def log_images(board: Board | None, model, images, seed: int) -> None:
    """A few training images through the model's augmentation (if any), at step 1.

    The augmentation layers are copies seeded with ``seed``: showing the images takes no
    randomness from the run, which trains the same with or without TensorBoard."""
    if board is None or images is None:
        return
    x = keras.ops.convert_to_tensor(np.asarray(images[:PREVIEW], dtype="float32"))
    for layer in model.layers:
        if type(layer).__name__.startswith("Random"):
            copy = type(layer).from_config(layer.get_config() | {"seed": seed})
            x = copy(x, training=True)
    x = keras.ops.convert_to_numpy(keras.ops.cast(x, "float32"))
    x = np.clip(x / 255 if x.max() > 1.0 else x, 0.0, 1.0)  # pixels in [0, 255] or [0, 1]
    board.images(board_run(STAGES[0].name, "train"), "training_images", x, step=1)


def preview_files(items, count: int) -> np.ndarray:
    """``count`` training images read from (path, label) items, spread over the classes."""
    chosen = items[:: max(1, len(items) // count)][:count]
    return np.stack(
        [
            keras.utils.img_to_array(
                keras.utils.load_img(
                    path,
                    color_mode=COLOR_MODES[INPUT_SHAPE[-1]],
                    target_size=INPUT_SHAPE[:2],
                    interpolation="bilinear",
                )
            )
            for path, _ in chosen
        ]
    )


class TensorBoardLog(keras.callbacks.Callback):
    """After every epoch: loss, metrics and learning rate of both splits, to TensorBoard.

    Runs after LastCheckpoint, so the record already counts this epoch (the step)."""

    def __init__(self, board: Board, record: dict, stage: str):
        super().__init__()
        self.board, self.record, self.stage = board, record, stage

    def on_epoch_end(self, epoch, logs=None):
        step = len(self.record["stage"])
        logs = {k: float(v) for k, v in (logs or {}).items()}
        rate = keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        validation = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        self.board.scalars(
            board_run(self.stage, "train"), step, train | {"learning_rate": float(rate)}
        )
        if validation:
            self.board.scalars(board_run(self.stage, "validation"), step, validation)
