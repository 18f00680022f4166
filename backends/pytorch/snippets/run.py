"""train.py's run: arguments, processes, base weights, stages, results, errors.

The constants and definitions before build_model__plain are placeholders for what train.py
defines elsewhere."""

import argparse
import ctypes
import json
import os
import sys
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn

from specdsl.api import load
from specdsl.check.diagnostics import SpecError
from specdsl.data import DataError
from specdsl.ir import spec_hash
from specdsl.weights import checkpoint
from specdsl.weights.files import read_base_weights
from specdsl.weights.keras_files import imagenet_weights_file
from specdsl.weights.torch_layout import canonical_to_torch, torch_to_canonical

SPEC_FILE = Path("model.spec")
SPEC_HASH = ""
METRICS = ("accuracy",)
BATCH_SIZE = 32
MONITOR = "val_loss"
BASE = None
BASE_ARCH = None
BASE_WEIGHTS = None
PRECISION = "float32"
STAGES = ()
Model = nn.Module


def load_datasets(root, limit=None, validation=False):
    return {}


def make_loader(dataset, batch_size, train, rank=0, world=1, workers=0, seed=0):
    return []


def build_model(analysis, args, log):
    return Model()


def training_inputs(model, datasets, args, env):
    return datasets, "logits"


def fit_stage(model, index, part, loaders, args, env, run_dir, record, board=None):
    return None


def open_board(run_dir, chief, log):
    return None


def log_spec(board, analysis):
    pass


def evaluate(net, loader, device, channels_last=False, amp=None):
    return {}


def autocast_dtype(precision, device):
    return None


class Objective(nn.Module):
    def __init__(self, model, part):
        super().__init__()


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data", required=True, help="image folder (train/ validation/ test/) or MNIST")
    p.add_argument("--run-dir", default="run", help="where results go (default: run)")
    p.add_argument("--epochs", type=int, help="override every stage's epochs")
    p.add_argument("--batch-size", type=int, help=f"global batch size (default: {BATCH_SIZE})")
    p.add_argument("--limit", type=int, help="at most this many examples per split")
    p.add_argument("--weights", help="Keras weights file for a pretrained base (not the spec's)")
    p.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1))
    p.add_argument("--seed", type=int, help="random seed (default: 0)")
    p.add_argument(
        "--precision",
        choices=("float32", "mixed_bfloat16", "mixed_float16"),
        help=f"mixed precision: bfloat16/float16 compute, float32 weights (default: {PRECISION})",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="go on from the run folder's last.pt (its settings unless given again)",
    )
    p.add_argument("--overwrite", action="store_true", help="start again over an earlier run")
    p.add_argument(
        "--channels-last",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="NHWC memory format for the convolutions (faster on CPUs; default: on)",
    )
    return p.parse_args(argv)


def keep_freed_memory():
    """Keep freed tensor memory in the process (glibc only), as jemalloc or tcmalloc would.

    glibc hands every large freed block back to the system and each training step then
    page-faults its activations in again: a third of a CPU step on a 180x180 convnet.
    """
    libc = ctypes.CDLL(None) if sys.platform.startswith("linux") else None
    if libc is not None and hasattr(libc, "mallopt"):
        libc.mallopt(-4, 0)  # M_MMAP_MAX: large blocks come from the heap, not from mmap
        libc.mallopt(-1, 2**31 - 1)  # M_TRIM_THRESHOLD: keep the heap's free top


def setup_distributed():
    """(rank, world, device): one process, or one of torchrun's (gloo on CPU, NCCL on GPU)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    cuda = torch.cuda.is_available()
    device = torch.device(f"cuda:{local}" if cuda else "cpu")
    if cuda:
        torch.cuda.set_device(device)
    if world > 1:
        dist.init_process_group("nccl" if cuda else "gloo")
    return rank, world, device


def build_model__plain(analysis, args, log):
    """A fresh model with Keras's initial weights."""
    return Model()


def build_model__base(analysis, args, log):
    """A fresh model whose base comes from a Keras weights file (the spec's or --weights)."""
    model = Model()
    source = args.weights or BASE_WEIGHTS
    if source is not None:
        log(f"Weights of {BASE}: {load_base_weights(model, analysis, source)}")
    return model


def load_base_weights(model, analysis, source):
    """The base's weights file (Keras's, efficientnet_pytorch's .pth or specdsl's; or the
    ImageNet file in Keras's or torch hub's cache), converted and loaded."""
    path = imagenet_weights_file(BASE_ARCH) if source == "imagenet" else Path(source)
    tensors = read_base_weights(path, analysis, BASE)
    names = {c.name for c in analysis.base.children}
    state = canonical_to_torch(tensors, analysis, layers=names, source=str(path))
    model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()}, strict=False)
    return path


def write_outputs(record, test, analysis, run_dir, log):
    """history.json, curves.png and specdsl's neutral checkpoint (rank 0)."""
    state = torch.load(run_dir / "model.pt", map_location="cpu", weights_only=True)
    checkpoint.save(run_dir / "model.safetensors", torch_to_canonical(state, analysis), analysis)
    history, stages = dict(record["history"]), record["stages"]
    seconds, cpu_seconds = history.pop("seconds"), history.pop("cpu_seconds")
    record = {
        "spec": SPEC_FILE.name,
        "spec_hash": SPEC_HASH,
        "stage": stages,
        "history": history,
        "test": test,
        "epoch_seconds": seconds,
        "epoch_cpu_seconds": cpu_seconds,
    }
    tmp = run_dir / ".history.json.tmp"
    tmp.write_text(json.dumps(record, indent=2) + "\n")
    os.replace(tmp, run_dir / "history.json")
    plot_curves(history, stages, run_dir / "curves.png")
    log(f"Run folder: {run_dir} (model.pt, model.safetensors, history.json, curves.png)")


def plot_curves(history, stages, path):
    """Listing 8.12's two plots (accuracy, loss; training dots, validation line) in one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = range(1, len(history["loss"]) + 1)
    names = [m for m in (*METRICS, "loss") if m in history]
    fig, axes = plt.subplots(1, len(names), figsize=(6 * len(names), 4), squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        ax.plot(epochs, history[name], "bo", label=f"Training {name}")
        if f"val_{name}" in history:
            ax.plot(epochs, history[f"val_{name}"], "b", label=f"Validation {name}")
        for i in range(1, len(stages)):
            if stages[i] != stages[i - 1]:
                ax.axvline(i + 0.5, color="gray", linestyle=":")
        ax.set_title(f"Training and validation {name}")
        ax.set_xlabel("epoch")
        ax.legend()
    fig.tight_layout()
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    os.replace(tmp, path)


def start_record(args, run_dir, device, log):
    """The run so far: last.pt's with --resume (its settings fill what args leave out), or new.

    An earlier run in run_dir is refused unless --resume or --overwrite says what to do."""
    last = run_dir / "last.pt"
    if args.resume and not last.is_file():
        raise checkpoint.CheckpointError(f"{last}: no such checkpoint to resume from")
    if not args.resume and last.exists() and not args.overwrite:
        raise checkpoint.CheckpointError(
            f"{run_dir}: holds an earlier run (last.pt); pass --resume to go on from it, "
            "or --overwrite to start again"
        )
    record = {"spec_hash": SPEC_HASH, "stage": 0, "epoch": 0, "best": None}
    record |= {"history": {}, "stages": [], "settings": {}}
    if args.resume:
        record = torch.load(last, map_location=device, weights_only=True)
        if record["spec_hash"] != SPEC_HASH:
            raise checkpoint.CheckpointError(f"{last}: saved by another spec; cannot resume")
        log(f"Resuming from {last}: {len(record['stages'])} epochs done")
    defaults = {"epochs": None, "batch_size": BATCH_SIZE, "limit": None, "seed": 0}
    defaults["precision"] = PRECISION
    for name, default in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, record["settings"].get(name, default))
        record["settings"][name] = getattr(args, name)
    return record


def run(args, env):
    rank, world, device, log = env
    run_dir = Path(args.run_dir)
    analysis = load_spec()
    record = start_record(args, run_dir, device, log)
    torch.manual_seed(args.seed)
    model = build_model(analysis, args, log)
    model.to(device)
    if args.channels_last:
        model.to(memory_format=torch.channels_last)
    needs_validation = MONITOR is not None and MONITOR.startswith("val_")
    datasets = load_datasets(args.data, args.limit, validation=needs_validation)
    if needs_validation and "validation" not in datasets:
        raise DataError(f"{args.data}: checkpoint monitor '{MONITOR}' needs a validation split")
    run_dir.mkdir(parents=True, exist_ok=True)
    if args.overwrite:
        (run_dir / "last.pt").unlink(missing_ok=True)
    board = open_board(run_dir, rank == 0, log)  # TensorBoard's event files, or None
    if not args.resume:  # a resumed run has them already
        log_spec(board, analysis)
    log(", ".join(f"{k}: {len(v)} examples" for k, v in datasets.items()))
    datasets, part = training_inputs(model, datasets, args, env)
    batch = max(1, args.batch_size // world)
    loaders = {
        k: make_loader(v, batch, k == "train", rank, world, args.workers, args.seed)
        for k, v in datasets.items()
    }
    if args.resume:
        model.load_state_dict(record.pop("model"))
        rng = record.pop("rng")
        torch.set_rng_state(rng["torch"].cpu())
        if "cuda" in rng and torch.cuda.is_available():
            torch.cuda.set_rng_state_all([r.cpu() for r in rng["cuda"]])
    for i, stage in enumerate(STAGES):
        start = record["epoch"] if i == record["stage"] else 0
        if i < record["stage"] or start >= (args.epochs or stage.epochs):
            continue  # finished before the run was resumed
        if i > 0 and start == 0:
            log(f"Stage '{stage.name}' starts from the best weights of '{STAGES[i - 1].name}'")
            state = torch.load(run_dir / "model.pt", map_location=device, weights_only=True)
            model.load_state_dict(state)
        fit_stage(model, i, part, loaders, args, env, run_dir, record, board)
    if board is not None:
        board.close()
    test = None
    if "test" in loaders:
        state = torch.load(run_dir / "model.pt", map_location=device, weights_only=True)
        model.load_state_dict(state)
        amp = autocast_dtype(args.precision, device)
        test = evaluate(Objective(model, part), loaders["test"], device, args.channels_last, amp)
        for k, v in test.items():
            log(f"Test {k}: {v:.3f}")
    if rank == 0:
        write_outputs(record, test, analysis, run_dir, log)


def one_line(e):
    """The first line of a spec's diagnostics; the last of a DataLoader worker's traceback."""
    lines = [line for line in str(e).strip().splitlines() if line.strip()]
    if not lines:
        return type(e).__name__
    if isinstance(e, SpecError):
        return lines[0]
    return lines[-1].split("DataError: ", 1)[-1]


def main(argv=None):
    args = parse_args(argv)
    keep_freed_memory()
    rank, world, device = setup_distributed()

    def log(*a):
        if rank == 0:
            print(*a, flush=True)

    try:
        run(args, (rank, world, device, log))
    except (DataError, SpecError, checkpoint.CheckpointError) as e:
        print(f"error: {one_line(e)}", file=sys.stderr)
        return 1
    finally:
        if world > 1 and dist.is_initialized():
            dist.destroy_process_group()
    return 0


def load_spec():
    """The spec this script was generated from: it names the checkpoint's weights."""
    analysis = load(SPEC_FILE)
    if spec_hash(analysis.spec) != SPEC_HASH:
        raise DataError(f"{SPEC_FILE}: changed since this script was generated; build again")
    return analysis
