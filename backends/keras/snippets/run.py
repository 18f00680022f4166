"""train.py's run: its errors, arguments, spec, base weights, results and main.

The constants and definitions before TrainError are placeholders for what train.py defines
elsewhere."""

import argparse
import io
import json
import os
import sys
import tempfile
from pathlib import Path

import keras

from specdsl.api import load
from specdsl.backends.keras.runtime import get_weights, set_weights
from specdsl.check.diagnostics import SpecError
from specdsl.data import DataError
from specdsl.ir import spec_hash
from specdsl.weights import checkpoint
from specdsl.weights.checkpoint import CheckpointError
from specdsl.weights.files import read_base_weights
from specdsl.weights.keras_files import imagenet_weights_file

SPEC_FILE = "model.spec"
SPEC_HASH = ""
METRICS = ["accuracy"]
BATCH_SIZE = 32
BASE = "vgg16"
BASE_ARCH = "vgg16"
BASE_WEIGHTS = None  # 'imagenet', a file or None
PRECISION = "float32"
LAST = "last.npz"
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


def parse_args(argv=None):
    return argparse.Namespace()


def build_model():
    return keras.Sequential()


def base_weights(analysis, args):
    return None


def load_data(folder: Path, batch_size: int, limit: int | None, seed: int, workdir: Path):
    return None


def start_run(args) -> dict | None:
    return None


def train(model, data, args, run_dir: Path, saved, board, cluster):
    return {}


def find_cluster():
    return None


def open_board(run_dir: Path, chief: bool = True):
    return None


def log_spec(board, analysis) -> None:
    pass


def log_images(board, model, images, seed: int) -> None:
    pass


class TrainError(Exception):
    """Input this script cannot train on; the message is one line naming the file."""


def parse_args__plain(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="image folder or MNIST folder")
    parser.add_argument("--run-dir", type=Path, default=Path("run"), help="where results go")
    parser.add_argument("--epochs", type=int, help="epochs of every stage (default: the spec's)")
    parser.add_argument("--batch-size", type=int, help=f"default: {BATCH_SIZE}")
    parser.add_argument("--limit", type=int, help="at most this many examples per split")
    parser.add_argument("--seed", type=int, help="random seed (default: 0)")
    parser.add_argument("--precision", choices=PRECISIONS, help=f"default: {PRECISION}")
    parser.add_argument("--resume", action="store_true", help=f"go on from the run folder's {LAST}")
    parser.add_argument("--overwrite", action="store_true", help="start again over an earlier run")
    return parser.parse_args(argv)


def parse_args__base(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="image folder or MNIST folder")
    parser.add_argument("--run-dir", type=Path, default=Path("run"), help="where results go")
    parser.add_argument("--epochs", type=int, help="epochs of every stage (default: the spec's)")
    parser.add_argument("--batch-size", type=int, help=f"default: {BATCH_SIZE}")
    parser.add_argument("--limit", type=int, help="at most this many examples per split")
    parser.add_argument("--weights", type=Path, help="weights file for the pretrained base")
    parser.add_argument("--seed", type=int, help="random seed (default: 0)")
    parser.add_argument("--precision", choices=PRECISIONS, help=f"default: {PRECISION}")
    parser.add_argument("--resume", action="store_true", help=f"go on from the run folder's {LAST}")
    parser.add_argument("--overwrite", action="store_true", help="start again over an earlier run")
    return parser.parse_args(argv)


def load_spec():
    """The spec this script was generated from: it names the checkpoint's weights."""
    path = Path(__file__).with_name(SPEC_FILE)
    analysis = load(path)
    if spec_hash(analysis.spec) != SPEC_HASH:
        raise TrainError(f"{path}: changed since this script was generated; build again")
    return analysis


def base_weights__plain(analysis, args):
    """No pretrained base: every weight starts from Keras's initializers."""
    return None


def base_weights__base(analysis, args):
    """The pretrained base's weights (specdsl's canonical keys), or None for a random start."""
    source = args.weights if args.weights is not None else BASE_WEIGHTS
    if source is None:
        return None
    path = imagenet_weights_file(BASE_ARCH) if source == "imagenet" else Path(source)
    print(f"Weights of {BASE}: {path}")
    return read_base_weights(path, analysis, BASE)


def float32_output(model) -> None:
    """Mixed precision: the last layer computes in float32, as Keras's guide advises (model.py
    does so when the spec says mixed; this covers --precision on a float32 spec)."""
    if model.layers[-1].compute_dtype != "float32":
        model.layers[-1].dtype_policy = keras.DTypePolicy("float32")


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".tmp-{path.name}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def save_history(path: Path, record: dict) -> None:
    """history.json: Keras's history per epoch, each epoch's stage and seconds, test results."""
    record = {"spec": SPEC_FILE, "spec_hash": SPEC_HASH} | record
    write_atomic(path, (json.dumps(record, indent=2) + "\n").encode())


def plot_curves(path: Path, history: dict, stages: list[str]) -> None:
    """Training and validation accuracy and loss per epoch (the lecture's Listing 8.10)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [m for m in METRICS if m in history][:1] + ["loss"]
    fig, axes = plt.subplots(1, len(names), figsize=(6 * len(names), 4.5), squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        epochs = range(1, len(history[name]) + 1)
        ax.plot(epochs, history[name], "bo", label=f"Training {name}")
        if f"val_{name}" in history:
            ax.plot(epochs, history[f"val_{name}"], "b", label=f"Validation {name}")
        for k in range(1, len(stages)):
            if stages[k] != stages[k - 1]:
                ax.axvline(k + 0.5, color="gray", linestyle=":", label=f"stage {stages[k]}")
        both = "Training and validation" if f"val_{name}" in history else "Training"
        ax.set_title(f"{both} {name}")
        ax.set_xlabel("Epochs")
        ax.legend()
    fig.tight_layout()
    tmp = path.with_name(f".tmp-{path.name}")
    fig.savefig(tmp, format="png")
    plt.close(fig)
    os.replace(tmp, path)


def main(argv=None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="specdsl-data-") as workdir:
        try:  # check everything before writing anything
            cluster = find_cluster()  # first: MultiWorkerMirroredStrategy precedes TF's work
            if not cluster.chief:
                sys.stdout = io.StringIO()  # the chief alone prints (and each worker's report)
            analysis = load_spec()
            saved = start_run(args)  # with --resume: last.npz, whose settings fill args
            keras.utils.set_random_seed(args.seed)
            data = load_data(args.data, args.batch_size, args.limit, args.seed, Path(workdir))
            weights = base_weights(analysis, args)  # a pretrained base's, or None
        except (TrainError, DataError, CheckpointError, SpecError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        run_dir = cluster.run_dir(args, saved, Path(workdir))  # the chief's: args.run_dir
        run_dir.mkdir(parents=True, exist_ok=True)
        if args.overwrite:
            (run_dir / LAST).unlink(missing_ok=True)
        keras.mixed_precision.set_global_policy(args.precision)  # float32 weights always
        with cluster.scope():  # several replicas: the model's variables on each
            model = build_model()
        float32_output(model)
        if weights is not None:  # the base's only: strict=False
            set_weights(model, analysis, weights, strict=False)
        board = open_board(run_dir, cluster.chief)  # TensorBoard's event files, or None
        if saved is None:  # a resumed run has them already
            log_spec(board, analysis)
            log_images(board, model, data.preview, args.seed)
        record = train(model, data, args, run_dir, saved, board, cluster)
        if board is not None:
            board.close()
    if cluster.chief:
        save_history(run_dir / "history.json", record)
        plot_curves(run_dir / "curves.png", record["history"], record["stage"])
        checkpoint.save(run_dir / "model.safetensors", get_weights(model, analysis), analysis)
        print(f"Run folder: {run_dir} (history.json, curves.png, model.safetensors)")
    cluster.report(model)  # several replicas: what each worker trained, its final weights
    return 0
