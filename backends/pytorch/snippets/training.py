"""train.py's training loop: Keras's fit, epoch by epoch, alone or under torchrun.

The definitions before Stage are placeholders for what train.py defines elsewhere."""

import math
import os
import sys
import time
from typing import NamedTuple

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

METRICS = ("accuracy",)
MONITOR = "val_loss"
BASE = None
STAGES = ()


def make_loader(dataset, batch_size, train, rank=0, world=1, workers=0, seed=0):
    return []


class TensorImages:
    def __init__(self, x, y, transform=None):
        self.x, self.y, self.transform = x, y, transform


def make_optimizer(name, params, lr):
    return torch.optim.SGD(params, lr=lr)


def compute_loss(out, y):
    return out.mean()


def count_correct(out, y):
    return out.sum()


def log_images(board, x):
    pass


def log_epoch(board, stage, step, logs, lr):
    pass


class Stage(NamedTuple):
    """One call of Keras's fit: its epochs, its optimizer, the modules it keeps frozen."""

    name: str
    epochs: int
    optimizer: str
    learning_rate: float
    frozen: tuple[str, ...] = ()


class Objective(nn.Module):
    """The part of the model the optimizer trains: logits(x), or head(x) on stored features."""

    def __init__(self, model, part):
        super().__init__()
        self.model, self.part = model, part

    def forward(self, x):
        return getattr(self.model, self.part)(x)


class Progress:
    """Keras 3's progress line for one epoch (rank 0). On a terminal a bar redrawn in place:
    ``63/63 ━━━━━━━━━━━━━━━━━━━━ 26s 400ms/step - accuracy: 0.7211 - loss: 0.5562 - ...``;
    in a log (not a terminal) one plain line at the end of the epoch, as Keras's verbose=2:
    ``63/63 - 26s - 400ms/step - accuracy: 0.7211 - loss: 0.5562 - ...``."""

    WIDTH = 20  # Keras's bar width

    def __init__(self, total, enabled):
        self.total, self.enabled = total, enabled
        self.tty = enabled and sys.stdout.isatty()
        self.start = self.last = time.perf_counter()
        self.width = 0  # of the last line drawn, to blank what a shorter one leaves

    def update(self, step, logs):
        now = time.perf_counter()
        if self.tty and (now - self.last > 0.2 or step == self.total):
            self.last = now
            self.draw(self.bar(step, logs(), done=False))

    def end(self, logs):
        if self.tty:
            self.draw(self.bar(self.total, logs, done=True))
            print(flush=True)
        elif self.enabled:
            print(self.plain(logs), flush=True)

    def draw(self, line):
        width = len(line)
        if "NO_COLOR" not in os.environ:  # Keras's colours: the done part green
            filled = line.count("━")  # the rest of the bar is drawn with "─"
            if filled:
                line = line.replace("━" * filled, f"\x1b[32m{'━' * filled}\x1b[0m", 1)
        sys.stdout.write("\r" + line + " " * max(0, self.width - width))
        sys.stdout.flush()
        self.width = width

    def bar(self, step, logs, done):
        digits = len(str(self.total))
        filled = int(self.WIDTH * step / max(1, self.total))
        elapsed = time.perf_counter() - self.start
        per_step = elapsed / max(1, step)
        left = per_step * (self.total - step)
        clock = f"{elapsed:.0f}s" if done else self.eta(left)
        bar = "━" * filled + "─" * (self.WIDTH - filled)
        return f"{step:{digits}d}/{self.total} {bar} {clock}{self.step_time(per_step)}" + (
            self.metrics(logs)
        )

    def plain(self, logs):
        elapsed = time.perf_counter() - self.start
        per_step = elapsed / max(1, self.total)
        head = f"{self.total}/{self.total} - {elapsed:.0f}s -{self.step_time(per_step)}"
        return head + self.metrics(logs)

    @staticmethod
    def eta(seconds):
        if seconds > 3600:
            return f"{seconds // 3600:.0f}:{seconds % 3600 // 60:02.0f}:{seconds % 60:02.0f}"
        if seconds > 60:
            return f"{seconds // 60:.0f}:{seconds % 60:02.0f}"
        return f"{seconds:.0f}s"

    @staticmethod
    def step_time(seconds):
        if seconds >= 1 or seconds == 0:
            return f" {seconds:.0f}s/step"
        if seconds >= 1e-3:
            return f" {seconds * 1000:.0f}ms/step"
        return f" {seconds * 1e6:.0f}us/step"

    @staticmethod
    def metrics(logs):
        """Keras's order: training metrics by name, then validation's by name."""
        keys = sorted(k for k in logs if not k.startswith("val_"))
        keys += sorted(k for k in logs if k.startswith("val_"))
        return "".join(
            f" - {k}: {logs[k]:.4f}" if abs(logs[k]) > 1e-3 else f" - {k}: {logs[k]:.4e}"
            for k in keys
        )


def set_frozen(model, frozen):
    """Keras's trainable=False: these modules' weights get no gradient and no update."""
    for p in model.parameters():
        p.requires_grad_(True)
    for name in frozen:
        for p in model.get_submodule(name).parameters():
            p.requires_grad_(False)


def param_counts(model):
    """(total, trainable, non-trainable) counted as Keras does (batch-norm statistics count)."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    stats = sum(b.numel() for n, b in model.named_buffers() if n.endswith(("_mean", "_var")))
    return trainable + frozen + stats, trainable, frozen + stats


def metric_logs(totals):
    """{'loss': .., 'accuracy': ..} from summed (loss * n, correct, n)."""
    loss, right, n = totals.tolist()
    logs = {"loss": loss / max(n, 1)}
    for name in METRICS:
        logs[name] = right / max(n, 1)
    return logs


def autocast_dtype(precision, device):
    """The spec's precision (or --precision) as torch.autocast's dtype; None for float32.

    mixed_bfloat16: bfloat16 compute; mixed_float16: float16 on CUDA (with a gradient scaler),
    bfloat16 on the CPU (whose float16 kernels are slow). Weights, optimizer state, the loss
    and every checkpoint stay float32, as with Keras's mixed-precision policies.
    """
    if precision == "float32":
        return None
    if precision == "mixed_float16" and device.type == "cuda":
        return torch.float16
    return torch.bfloat16


def train_epoch(
    net, optimizer, loader, device, progress, channels_last, amp=None, scaler=None, peek=None
):
    """One epoch; ``amp`` is autocast's dtype (None: float32), ``scaler`` float16's GradScaler;
    ``peek`` (or None) is shown the first batch's inputs."""
    net.train()
    totals = torch.zeros(3, dtype=torch.float64, device=device)
    for step, (x, y) in enumerate(loader, 1):
        if peek is not None and step == 1:
            peek(x)
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        if channels_last and x.dim() == 4:
            x = x.contiguous(memory_format=torch.channels_last)
        with torch.autocast(device.type, dtype=amp, enabled=amp is not None):
            out = net(x)
        out = out.float()  # the loss and the metrics in float32
        loss = compute_loss(out, y)
        optimizer.zero_grad(set_to_none=True)
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        else:
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            totals += torch.stack(
                [
                    loss.detach().double() * len(y),
                    count_correct(out, y).double(),
                    totals.new_tensor(len(y)),
                ]
            )
        progress.update(step, lambda t=totals: metric_logs(t))
    if dist.is_initialized():
        dist.all_reduce(totals)
    return metric_logs(totals)


@torch.no_grad()
def evaluate(net, loader, device, channels_last=False, amp=None):
    """Loss and metrics over every example of the split (shards summed across processes)."""
    net.eval()
    totals = torch.zeros(3, dtype=torch.float64, device=device)
    for x, y in loader:
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        if channels_last and x.dim() == 4:
            x = x.contiguous(memory_format=torch.channels_last)
        with torch.autocast(device.type, dtype=amp, enabled=amp is not None):
            out = net(x).float()
        totals += torch.stack(
            [
                compute_loss(out, y).double() * len(y),
                count_correct(out, y).double(),
                totals.new_tensor(len(y)),
            ]
        )
    if dist.is_initialized():
        dist.all_reduce(totals)
    return metric_logs(totals)


def improved(value, best):
    if best is None:
        return True
    return value > best if MONITOR.endswith("accuracy") else value < best


def save_atomic(state, path):
    """torch.save to a temporary file, then rename: a crash never leaves half a checkpoint."""
    tmp = path.with_name(f".{path.name}.tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def save_last(record, model, optimizer, run_dir):
    """last.pt: the run so far and everything --resume needs to go on after this epoch."""
    rng = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        rng["cuda"] = torch.cuda.get_rng_state_all()
    state = record | {"model": model.state_dict(), "optimizer": optimizer.state_dict()}
    save_atomic(state | {"rng": rng}, run_dir / "last.pt")


def fit_stage(model, index, part, loaders, args, env, run_dir, record, board=None):
    """Keras's fit for STAGES[index]: epochs, validation, best checkpoint (model.pt), and after
    every epoch last.pt; ``record`` is the run so far (resumed inside this stage or not);
    ``board`` (rank 0's TensorBoard writers, or None) gets each epoch's logs."""
    rank, world, device, log = env
    stage = STAGES[index]
    set_frozen(model, stage.frozen)
    total, trainable, frozen = param_counts(model)
    epochs = args.epochs or stage.epochs
    plural = "s" if epochs != 1 else ""
    settings = f"{epochs} epoch{plural}, {stage.optimizer} lr={stage.learning_rate}"
    log(f"\nStage '{stage.name}': {settings}")
    log(f"Total params: {total:,}")
    log(f"Trainable params: {trainable:,}")
    log(f"Non-trainable params: {frozen:,}")
    objective = Objective(model, part)
    net = objective
    if world > 1:
        ids = [device] if device.type == "cuda" else None
        net = DistributedDataParallel(objective, device_ids=ids)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = make_optimizer(stage.optimizer, params, stage.learning_rate)
    amp = autocast_dtype(args.precision, device)
    scaler = torch.amp.GradScaler(device.type) if amp == torch.float16 else None
    start, best, history = 0, None, record["history"]
    if record["stage"] == index and record.get("optimizer") is not None:
        start, best = record["epoch"], record["best"]
        optimizer.load_state_dict(record.pop("optimizer"))
        log(f"Resuming stage '{stage.name}' after epoch {start}")
    for epoch in range(start, epochs):
        log(f"Epoch {epoch + 1}/{epochs}")
        begin, cpu_begin = time.perf_counter(), time.process_time()
        loaders["train"].set_epoch(epoch)
        progress = Progress(len(loaders["train"]), enabled=rank == 0)
        first = board is not None and part == "logits" and not record["stages"]
        peek = (lambda x: log_images(board, x)) if first else None
        train = loaders["train"]
        logs = train_epoch(
            net, optimizer, train, device, progress, args.channels_last, amp, scaler, peek
        )
        if "validation" in loaders:
            val = evaluate(objective, loaders["validation"], device, args.channels_last, amp)
            logs.update({f"val_{k}": v for k, v in val.items()})
        history.setdefault("seconds", []).append(time.perf_counter() - begin)
        history.setdefault("cpu_seconds", []).append(time.process_time() - cpu_begin)
        progress.end(logs)
        for k, v in logs.items():
            history.setdefault(k, []).append(v)
        if MONITOR is None or improved(logs[MONITOR], best):
            if MONITOR is not None:
                was = f"{best:.5f}" if best is not None else "inf"
                log(f"{MONITOR} improved from {was} to {logs[MONITOR]:.5f}, saving model.pt")
                best = logs[MONITOR]
            if rank == 0:
                save_atomic(model.state_dict(), run_dir / "model.pt")
        record.update(stage=index, epoch=epoch + 1, best=best)
        record["stages"].append(stage.name)
        if rank == 0:
            save_last(record, model, optimizer, run_dir)
        if board is not None:
            lr = optimizer.param_groups[0]["lr"]
            log_epoch(board, stage.name, len(record["stages"]), logs, lr)
    if world > 1:
        dist.barrier()


def training_inputs__images(model, datasets, args, env):
    """Strategy 'fit': the model trains on the images (augmented by data.py), via logits()."""
    return datasets, "logits"


def training_inputs__features(model, datasets, args, env):
    """Strategy 'features': the frozen base runs once per split; head() trains on that."""
    env[3](f"Extracting {BASE} features once (Keras's conv_base.predict)")
    return {k: extract_features(model, v, args, env) for k, v in datasets.items()}, "head"


def gather_shards(t, n, world, device):
    """Rows rank, rank + world, ... held by each process, reassembled in order on every one."""
    size = math.ceil(n / world)
    padded = torch.zeros((size, *t.shape[1:]), dtype=t.dtype, device=device)
    padded[: len(t)] = t.to(device)
    parts = [torch.empty_like(padded) for _ in range(world)]
    dist.all_gather(parts, padded)
    full = torch.empty((n, *t.shape[1:]), dtype=t.dtype)
    for r, part in enumerate(parts):
        full[r::world] = part[: len(range(r, n, world))].cpu()
    return full


@torch.no_grad()
def extract_features(model, dataset, args, env):
    """Keras's conv_base.predict over a split: the features of every image, with labels."""
    rank, world, device, log = env
    model.eval()
    loader = make_loader(dataset, args.batch_size, False, rank, world, args.workers, args.seed)
    amp = autocast_dtype(args.precision, device)
    feats, labels = [], []
    for x, y in loader:
        with torch.autocast(device.type, dtype=amp, enabled=amp is not None):
            feats.append(model.features(x.to(device)).float().cpu())
        labels.append(torch.as_tensor(y))
    f, y = torch.cat(feats), torch.cat(labels)
    if world > 1:
        f, y = (
            gather_shards(f, len(dataset), world, device),
            gather_shards(y, len(dataset), world, device),
        )
    return TensorImages(f, y)
