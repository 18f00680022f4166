"""Benchmark: MNIST, specs/mnist_convnet.spec via the Keras backend vs hand-written Keras.

Run on demand (not collected by pytest):

    python tests/benchmarks/bench_keras_mnist.py [--data DIR] [--epochs 5] [--repeat 1]

Each run is a fresh Python process on the same machine, one after the other:

* emitted: ``specdsl train specs/mnist_convnet.spec --backend keras --data DIR`` (the code
  ``specdsl build`` writes trains; seconds per epoch come from its history.json);
* hand-written: the lecture's Listings 8.1-8.3 typed out by hand (below), with the same
  data reader (there is no download here) and the same seed.

It prints seconds per epoch, the median over epochs 2..N of every run (the first epoch,
which traces the graph, is left out; the mean over all epochs is printed too), on the clock
and in CPU time (the process's, which other work on a shared machine disturbs less), the
test accuracy of each, and the speed ratio emitted/hand-written (= hand-written seconds /
emitted seconds). ``--repeat N`` runs N pairs, alternating which goes first.

On a machine shared with other work, whole runs one after the other meet different loads.
So a second measurement runs both in one process, epoch by epoch in turn (alternating which
goes first): the emitted train.py imported as a module gives its MNIST reader, its
``build_model()``, its optimizer and its ``fit`` inputs; the hand-written side is Listings
8.1-8.2 again. It exits 1 if the emitted test accuracy (end to end) is below 0.985 or the
in-turn clock ratio is below 0.97.
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

HAND_WRITTEN = textwrap.dedent(
    """
    import json
    import sys
    import time

    import keras
    from keras import layers

    from specdsl.data.mnist import load_mnist

    data, epochs = sys.argv[1], int(sys.argv[2])
    keras.utils.set_random_seed(0)

    # Listing 8.1: a small convnet
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
            self.seconds, self.cpu_seconds = [], []

        def on_epoch_begin(self, epoch, logs=None):
            self.start, self.cpu_start = time.perf_counter(), time.process_time()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self.start)
            self.cpu_seconds.append(time.process_time() - self.cpu_start)


    # Listing 8.2: training on MNIST images
    train_images, train_labels, test_images, test_labels = load_mnist(data)
    train_images = train_images.reshape((60000, 28, 28, 1))
    train_images = train_images.astype("float32") / 255
    test_images = test_images.reshape((10000, 28, 28, 1))
    test_images = test_images.astype("float32") / 255
    model.compile(
        optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    timer = EpochTimer()
    model.fit(train_images, train_labels, epochs=epochs, batch_size=64, callbacks=[timer])

    # Listing 8.3: evaluating the convnet
    test_loss, test_acc = model.evaluate(test_images, test_labels)
    print(f"Test accuracy: {test_acc:.3f}")
    result = {"epoch_seconds": timer.seconds, "epoch_cpu_seconds": timer.cpu_seconds}
    print("RESULT " + json.dumps(result | {"test_accuracy": test_acc}))
    """
)


IN_TURN = textwrap.dedent(
    """
    import json
    import sys
    import time
    from pathlib import Path

    import keras
    from keras import layers

    package, data, epochs = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    sys.path.insert(0, package)
    import train as emitted  # the emitted train.py (it imports the emitted model.py)

    from specdsl.data.mnist import load_mnist

    keras.utils.set_random_seed(0)
    # the emitted code: its data reader, model, optimizer and fit inputs
    data_e = emitted.load_mnist_arrays(data, None)
    model_e = emitted.build_model()
    stage = emitted.STAGES[0]
    model_e.compile(
        optimizer=emitted.make_optimizer(stage), loss=emitted.LOSS, metrics=emitted.METRICS
    )
    # hand-written: Listings 8.1-8.2
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(filters=32, kernel_size=3, activation="relu")(inputs)
    x = layers.MaxPooling2D(pool_size=2)(x)
    x = layers.Conv2D(filters=64, kernel_size=3, activation="relu")(x)
    x = layers.MaxPooling2D(pool_size=2)(x)
    x = layers.Conv2D(filters=128, kernel_size=3, activation="relu")(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    model_h = keras.Model(inputs=inputs, outputs=outputs)
    train_images, train_labels, test_images, test_labels = load_mnist(data)
    train_images = train_images.reshape((60000, 28, 28, 1)).astype("float32") / 255
    test_images = test_images.reshape((10000, 28, 28, 1)).astype("float32") / 255
    model_h.compile(
        optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )

    def fit(name, epoch):
        if name == "emitted":
            model_e.fit(
                **emitted.fit_inputs(data_e.train, emitted.BATCH_SIZE), shuffle=True,
                epochs=epoch + 1, initial_epoch=epoch, verbose=0,
            )
        else:
            model_h.fit(
                train_images, train_labels, batch_size=64,
                epochs=epoch + 1, initial_epoch=epoch, verbose=0,
            )

    result = {"emitted": {"epoch_seconds": [], "epoch_cpu_seconds": []}}
    result["hand-written"] = {"epoch_seconds": [], "epoch_cpu_seconds": []}
    for epoch in range(epochs):
        order = ["emitted", "hand-written"][:: 1 if epoch % 2 == 0 else -1]
        for name in order:
            start, cpu = time.perf_counter(), time.process_time()
            fit(name, epoch)
            result[name]["epoch_seconds"].append(time.perf_counter() - start)
            result[name]["epoch_cpu_seconds"].append(time.process_time() - cpu)
    e = model_e.evaluate(**emitted.fit_inputs(data_e.test, 64), return_dict=True, verbose=0)
    h = model_h.evaluate(test_images, test_labels, return_dict=True, verbose=0)
    result["emitted"]["test_accuracy"] = e["accuracy"]
    result["hand-written"]["test_accuracy"] = h["accuracy"]
    print("RESULT " + json.dumps(result))
    """
)


def environment() -> dict:
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def run_hand_written(data: Path, epochs: int, work: Path) -> dict:
    script = work / "listing_8_1_to_8_3.py"
    script.write_text(HAND_WRITTEN)
    result = subprocess.run(
        [sys.executable, str(script), str(data), str(epochs)],
        capture_output=True, text=True, env=environment(),
    )  # fmt: skip
    if result.returncode != 0:
        sys.exit(f"hand-written run failed:\n{result.stderr[-3000:]}")
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


def run_emitted(data: Path, epochs: int, work: Path, k: int) -> dict:
    run_dir = work / f"emitted-{k}"
    result = subprocess.run(
        [sys.executable, "-m", "specdsl", "train", str(SPEC), "--backend", "keras",
         "--data", str(data), "--run-dir", str(run_dir), "--epochs", str(epochs)],
        capture_output=True, text=True, env=environment(), cwd=ROOT,
    )  # fmt: skip
    if result.returncode != 0:
        sys.exit(f"emitted run failed:\n{result.stderr[-3000:]}")
    record = json.loads((run_dir / "history.json").read_text())
    return {
        "epoch_seconds": record["epoch_seconds"],
        "epoch_cpu_seconds": record["epoch_cpu_seconds"],
        "test_accuracy": record["test"]["accuracy"],
    }


def run_in_turn(data: Path, epochs: int, work: Path) -> dict:
    package = work / "package"
    result = subprocess.run(
        [sys.executable, "-m", "specdsl", "build", str(SPEC), "--backend", "keras",
         "-o", str(package)],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    if result.returncode != 0:
        sys.exit(f"build failed:\n{result.stderr[-3000:]}")
    script = work / "in_turn.py"
    script.write_text(IN_TURN)
    result = subprocess.run(
        [sys.executable, str(script), str(package), str(data), str(epochs)],
        capture_output=True, text=True, env=environment(),
    )  # fmt: skip
    if result.returncode != 0:
        sys.exit(f"in-turn run failed:\n{result.stderr[-3000:]}")
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


def report(title: str, runs: dict[str, list[dict]]) -> tuple[float, float, float]:
    """Print one table; return (clock ratio, CPU ratio, emitted test accuracy)."""
    print(f"\n{title}")
    summary = {}
    for name, results in runs.items():
        wall, cpu = steady(results, "epoch_seconds"), steady(results, "epoch_cpu_seconds")
        overall = statistics.mean(s for r in results for s in r["epoch_seconds"])
        accuracy = statistics.mean(r["test_accuracy"] for r in results)
        summary[name] = (wall, cpu, accuracy)
        epochs = ", ".join(f"{s:.1f}" for r in results for s in r["epoch_seconds"])
        print(
            f"{name:>13}: {wall:6.2f} s/epoch on the clock (mean of all epochs {overall:.2f}), "
            f"{cpu:6.2f} CPU s/epoch, test accuracy {accuracy:.4f}  [epochs: {epochs}]"
        )
    ratio = summary["hand-written"][0] / summary["emitted"][0]
    cpu_ratio = summary["hand-written"][1] / summary["emitted"][1]
    print(f"speed emitted/hand-written: {ratio:.3f} on the clock, {cpu_ratio:.3f} in CPU time")
    return ratio, cpu_ratio, summary["emitted"][2]


def steady(results: list[dict], key: str) -> float:
    """Median seconds per epoch over epochs 2..N of every run."""
    return statistics.median(s for r in results for s in (r[key][1:] or r[key]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "mnist")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=1, help="alternating pairs of runs")
    args = parser.parse_args()
    if not args.data.is_dir():
        sys.exit(f"error: {args.data}: no MNIST folder (give --data DIR)")
    runs: dict[str, list[dict]] = {"hand-written": [], "emitted": []}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-keras-") as tmp:
        work = Path(tmp)
        for k in range(args.repeat):
            order = ["hand-written", "emitted"] if k % 2 == 0 else ["emitted", "hand-written"]
            for name in order:
                print(f"run {k + 1}/{args.repeat}: {name} ...", flush=True)
                if name == "emitted":
                    runs[name].append(run_emitted(args.data, args.epochs, work, k))
                else:
                    runs[name].append(run_hand_written(args.data, args.epochs, work))
        print("in turn, one process ...", flush=True)
        in_turn = run_in_turn(args.data, args.epochs, work)
    cores, load_after = os.cpu_count() or 1, os.getloadavg()[0]
    print(f"\nMNIST, {args.epochs} epochs, batch 64, {cores} CPU cores")
    print(f"load average {load_before:.1f} before, {load_after:.1f} after", end="")
    busy = max(load_before, load_after) > cores
    print(": the machine is shared, clock times are unreliable; compare CPU time" if busy else "")
    _, _, accuracy = report("end to end (specdsl train vs. the listings as a script):", runs)
    ratio, _, _ = report(
        "in turn, epoch by epoch in one process:", {k: [v] for k, v in in_turn.items()}
    )
    print(f"\nemitted test accuracy: {accuracy:.4f} (target >= 0.985; the lecture reports 0.991)")
    print(f"speed emitted/hand-written in turn: {ratio:.3f} (target >= 0.97)")
    ok = ratio >= 0.97 and accuracy >= 0.985
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
