"""train.py's run logs: TensorBoard event files in the run folder (tensorboard/).

Layout, the same as the Keras backend's: one TensorBoard run per split, ``train`` and
``validation`` (``<stage>/train`` and ``<stage>/validation`` when the spec has several
stages), each with ``epoch_loss``, ``epoch_<metric>`` and (train) ``epoch_learning_rate`` at
step = the epoch's number in the whole run (1, 2, ...: stages follow each other). The first
train run also holds the spec and its summary as text, and the first training batch's first
images as the model gets them (augmented when the spec augments), at step 1.

The definitions before TENSORBOARD are placeholders for what train.py defines elsewhere."""

import sys
import types
from pathlib import Path

SPEC_FILE = Path("model.spec")
STAGES = ()


TENSORBOARD = "tensorboard"  # the event files' folder in the run folder
PREVIEW = 8  # training images shown in TensorBoard


class Board:
    """TensorBoard writers (torch.utils.tensorboard), one per run, made when first written to."""

    def __init__(self, folder, writer_class):
        self.folder, self.writer_class, self.writers = folder, writer_class, {}

    def writer(self, run):
        if run not in self.writers:
            self.writers[run] = self.writer_class(str(self.folder / run))
        return self.writers[run]

    def scalars(self, run, step, values):
        for name, value in values.items():
            self.writer(run).add_scalar(f"epoch_{name}", float(value), step)
        self.writer(run).flush()

    def text(self, run, tag, text):
        """Monospaced: TensorBoard shows text as Markdown, and indented lines as code."""
        block = "\n".join("    " + line for line in text.splitlines())
        self.writer(run).add_text(tag, block, 0)
        self.writer(run).flush()

    def images(self, run, tag, images, step):
        """``images``: (N, C, H, W) floats in [0, 1]."""
        self.writer(run).add_images(tag, images, step, dataformats="NCHW")
        self.writer(run).flush()

    def close(self):
        for writer in self.writers.values():
            writer.close()


def open_board(run_dir, chief, log):
    """The run's TensorBoard writers (rank 0); None (said once) without tensorboard.

    TensorBoard's writer imports TensorFlow when that is installed, only for its file API:
    seconds of start-up, and TensorFlow must not share a process with torchvision. Its own
    stand-in for TensorFlow (what ``tensorboard.compat.notf`` selects) writes local files."""
    if not chief:
        return None
    sys.modules.setdefault("tensorboard.compat.notf", types.ModuleType("tensorboard.compat.notf"))
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        log("TensorBoard logs are off: tensorboard is not installed (pip install tensorboard)")
        return None
    return Board(Path(run_dir) / TENSORBOARD, SummaryWriter)


def board_run(stage, split):
    """The TensorBoard run of a stage's split: ``train``, or ``<stage>/train`` with stages."""
    return f"{stage}/{split}" if len(STAGES) > 1 else split


def log_spec(board, analysis):
    """The spec's text and its summary (specdsl summary --format plain), as TensorBoard text."""
    if board is None:
        return
    from specdsl.review.summary import plain

    run = board_run(STAGES[0].name, "train")
    board.text(run, "spec", SPEC_FILE.read_text(encoding="utf-8"))
    board.text(run, "summary", plain(analysis, expand=False))


def log_images(board, x):
    """The first training batch's first images as the model gets them, at step 1."""
    x = x[:PREVIEW].detach().float().cpu()
    x = (x / 255 if x.max() > 1.0 else x).clamp(0.0, 1.0)  # pixels in [0, 255] or [0, 1]
    board.images(board_run(STAGES[0].name, "train"), "training_images", x, step=1)


def log_epoch(board, stage, step, logs, lr):
    """An epoch's loss, metrics and learning rate, train and validation."""
    train = {k: v for k, v in logs.items() if not k.startswith("val_")}
    validation = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
    board.scalars(board_run(stage, "train"), step, train | {"learning_rate": lr})
    if validation:
        board.scalars(board_run(stage, "validation"), step, validation)
