"""Benchmark: MNIST, specs/mnist_convnet.spec via the PyTorch backend, beside a hand-written
PyTorch loop and beside Keras. Run on demand (not collected by pytest):

    python tests/benchmarks/bench_pytorch_mnist.py [--data DIR] [--epochs 5] [--no-keras]
                                                   [--threads N]

Two measurements, each in fresh Python processes:

1. end to end: ``specdsl train specs/mnist_convnet.spec --backend pytorch`` for N epochs on
   the full MNIST (the code ``specdsl build`` writes trains); its test accuracy must reach
   0.985 (the lecture reports 0.991); seconds per epoch from its history.json;
2. in turn, epoch by epoch in one process, so that a shared machine's load falls alike on
   all: the emitted train.py's own ``train_epoch`` (its model, data.py batches, Keras
   RMSprop, loss and metrics) with its default NHWC (``channels_last``) memory format and
   with plain NCHW, and a hand-written PyTorch loop for the same model (nn.Sequential,
   torch.optim.RMSprop, in-memory tensors, ``loss.item()`` per step);
3. Keras: Listings 8.1-8.3 (``model.fit``) in their own process (TensorFlow and PyTorch in
   one process run each other's thread pools into the ground), right after.

It prints the median seconds per epoch on the clock and in CPU time (the process's), the
speed ratios emitted/hand-written and emitted/keras (= their seconds / emitted seconds), and
exits 1 if the accuracy is below 0.985 or emitted/hand-written below 0.97 (clock, in turn).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "specs" / "mnist_convnet.spec"

IN_TURN = textwrap.dedent(
    """
    import json, sys, time
    package, data_dir, epochs, threads = sys.argv[1:5]
    sys.path.insert(0, package)
    import torch
    if int(threads):
        torch.set_num_threads(int(threads))
    import torch.nn.functional as F
    from torch import nn

    import data, train  # the emitted data.py and train.py

    torch.manual_seed(0)
    sets = data.load_datasets(data_dir)
    xt, yt = sets["test"].x, sets["test"].y

    def emitted(channels_last):  # as train.py runs it (channels_last unless --no-channels-last)
        model = train.MnistConvnet()
        if channels_last:
            model = model.to(memory_format=torch.channels_last)
        loader = data.make_loader(sets["train"], 64, True, seed=0)
        params = [p for p in model.parameters() if p.requires_grad]
        optimizer = train.make_optimizer("rmsprop", params, 0.001)
        net = train.Objective(model, "logits")
        progress = train.Progress(len(loader), enabled=False)
        epoch = 0
        def run():
            nonlocal epoch
            loader.set_epoch(epoch)
            epoch += 1
            train.train_epoch(net, optimizer, loader, torch.device("cpu"), progress, channels_last)
        return run, model

    def hand_written():
        model = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3), nn.ReLU(), nn.Flatten(), nn.Linear(1152, 10),
        )
        x, y = sets["train"].x, sets["train"].y
        opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
        def run():
            model.train()
            perm = torch.randperm(len(y))
            total, correct = 0.0, 0
            for i in range(0, len(y), 64):
                idx = perm[i : i + 64]
                xb, yb = x[idx], y[idx]
                out = model(xb)
                loss = F.cross_entropy(out, yb)
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += loss.item() * len(yb)
                correct += (out.argmax(1) == yb).sum().item()
        return run, model

    runners = {"emitted": emitted(True), "emitted, NCHW": emitted(False),
               "hand-written": hand_written()}
    times = {name: {"clock": [], "cpu": []} for name in runners}
    names = list(runners)
    for epoch in range(int(epochs)):
        order = names[epoch % len(names):] + names[: epoch % len(names)]
        for name in order:
            start, cpu = time.perf_counter(), time.process_time()
            runners[name][0]()
            times[name]["clock"].append(time.perf_counter() - start)
            times[name]["cpu"].append(time.process_time() - cpu)
            print(name, epoch + 1, round(times[name]["clock"][-1], 2), flush=True)
    accuracy = {}
    for name, (_, model) in runners.items():
        if model is not None:
            model.eval()
            with torch.no_grad():
                out = model(xt)
                accuracy[name] = float((out.argmax(-1) == yt).float().mean())
    print("RESULT " + json.dumps({"times": times, "accuracy": accuracy,
                                  "threads": torch.get_num_threads()}))
    """
)


KERAS = textwrap.dedent(
    """
    import json, sys, time
    import keras
    from keras import layers
    from specdsl.data.mnist import load_mnist

    data, epochs = sys.argv[1], int(sys.argv[2])
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(filters=32, kernel_size=3, activation="relu")(inputs)
    x = layers.MaxPooling2D(pool_size=2)(x)
    x = layers.Conv2D(filters=64, kernel_size=3, activation="relu")(x)
    x = layers.MaxPooling2D(pool_size=2)(x)
    x = layers.Conv2D(filters=128, kernel_size=3, activation="relu")(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)

    class EpochTimer(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.seconds, self.cpu = [], []
        def on_epoch_begin(self, epoch, logs=None):
            self.start, self.cpu_start = time.perf_counter(), time.process_time()
        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self.start)
            self.cpu.append(time.process_time() - self.cpu_start)

    train_images, train_labels, test_images, test_labels = load_mnist(data)
    train_images = train_images.reshape((60000, 28, 28, 1)).astype("float32") / 255
    test_images = test_images.reshape((10000, 28, 28, 1)).astype("float32") / 255
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    timer = EpochTimer()
    model.fit(train_images, train_labels, epochs=epochs, batch_size=64, callbacks=[timer],
              verbose=2)
    test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=0)
    print("RESULT " + json.dumps({"epoch_seconds": timer.seconds,
                                  "epoch_cpu_seconds": timer.cpu, "test_accuracy": test_acc}))
    """
)


def environment() -> dict:
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def end_to_end(data: Path, epochs: int, work: Path) -> dict:
    run_dir = work / "end-to-end"
    cmd = [sys.executable, "-m", "specdsl", "train", str(SPEC), "--backend", "pytorch",
           "--data", str(data), "--run-dir", str(run_dir), "--epochs", str(epochs)]  # fmt: skip
    result = subprocess.run(cmd, capture_output=True, text=True, env=environment(), cwd=ROOT)
    if result.returncode != 0:
        sys.exit(f"specdsl train failed:\n{result.stderr[-3000:]}")
    return json.loads((run_dir / "history.json").read_text())


def in_turn(data: Path, epochs: int, work: Path, threads: int) -> dict:
    package = work / "package"
    subprocess.run(
        [sys.executable, "-m", "specdsl", "build", str(SPEC), "-b", "pytorch", "-o", str(package)],
        check=True, capture_output=True, cwd=ROOT,
    )  # fmt: skip
    script = work / "in_turn.py"
    script.write_text(IN_TURN)
    cmd = [sys.executable, str(script), str(package), str(data), str(epochs), str(threads)]
    result = subprocess.run(cmd, capture_output=True, text=True, env=environment())
    if result.returncode != 0:
        sys.exit(f"in-turn run failed:\n{result.stderr[-3000:]}")
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


def keras_run(data: Path, epochs: int, work: Path) -> dict:
    script = work / "keras_listing.py"
    script.write_text(KERAS)
    cmd = [sys.executable, str(script), str(data), str(epochs)]
    result = subprocess.run(cmd, capture_output=True, text=True, env=environment())
    if result.returncode != 0:
        sys.exit(f"keras run failed:\n{result.stderr[-3000:]}")
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


def median_later(values: list[float]) -> float:
    """The median over epochs 2..N (the first warms up), or the only one."""
    return statistics.median(values[1:] or values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "mnist")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    parser.add_argument("--no-keras", action="store_true", help="skip the Keras baseline")
    parser.add_argument("--skip-end-to-end", action="store_true")
    args = parser.parse_args()
    if not args.data.is_dir():
        sys.exit(f"{args.data}: no MNIST folder (pass --data DIR)")
    with tempfile.TemporaryDirectory(prefix="bench-pytorch-mnist-") as tmp:
        work = Path(tmp)
        print("in turn, epoch by epoch in one process ...", flush=True)
        turn = in_turn(args.data, args.epochs, work, args.threads)
        keras = None
        if not args.no_keras:
            print("keras: Listings 8.1-8.3 in their own process ...", flush=True)
            keras = keras_run(args.data, args.epochs, work)
        e2e = None
        if not args.skip_end_to_end:
            print("end to end: specdsl train ...", flush=True)
            e2e = end_to_end(args.data, args.epochs, work)
    print(f"\nMNIST, batch 64, {os.cpu_count()} CPUs, torch threads {turn['threads']}")
    print(f"in turn, {args.epochs} epochs each (median of epochs 2..{args.epochs}):")
    print(f"  {'run':<24}{'s/epoch':>9}{'cpu s/epoch':>13}{'test acc':>10}")
    table = {}
    for name, t in turn["times"].items():
        clock, cpu = median_later(t["clock"]), median_later(t["cpu"])
        table[name] = (clock, cpu)
        acc = turn["accuracy"].get(name)
        acc_text = f"{acc:>10.4f}" if acc is not None else f"{'':>10}"
        print(f"  {name:<24}{clock:>9.2f}{cpu:>13.2f}{acc_text}")
    if keras is not None:
        table["keras (own process)"] = (
            median_later(keras["epoch_seconds"]),
            median_later(keras["epoch_cpu_seconds"]),
        )
        name = "keras (own process)"
        print(f"  {name:<24}{table[name][0]:>9.2f}{table[name][1]:>13.2f}"
              f"{keras['test_accuracy']:>10.4f}")  # fmt: skip
    emitted = table["emitted"]
    for name, (clock, cpu) in table.items():
        if name != "emitted":
            print(f"  speed emitted/{name}: {clock / emitted[0]:.3f} (clock), "
                  f"{cpu / emitted[1]:.3f} (cpu)")  # fmt: skip
    ok = table["hand-written"][0] / emitted[0] >= 0.97
    if e2e is not None:
        acc = e2e["test"]["accuracy"]
        seconds = median_later(e2e["epoch_seconds"])
        print(f"end to end: specdsl train, {args.epochs} epochs: test accuracy {acc:.4f} "
              f"(target >= 0.985; the lecture: 0.991), {seconds:.2f} s/epoch")  # fmt: skip
        ok = ok and acc >= 0.985
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
