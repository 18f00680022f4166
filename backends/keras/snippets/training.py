"""train.py's training: stages, Keras's fit with its callbacks, last.npz for --resume.

The constants and definitions before Stage are placeholders for what train.py defines
elsewhere."""

import json
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

SPEC_HASH = ""
INPUT_SHAPE = (28, 28, 1)
LOSS = "sparse_categorical_crossentropy"
METRICS = ["accuracy"]
BATCH_SIZE = 32
PRECISION = "float32"
MONITOR = "val_loss"
BASE = "vgg16"
STAGES = []
TrainError = Exception
Data = object
TensorBoardLog = keras.callbacks.Callback
Cluster = object


def fit_inputs(split, batch_size: int) -> dict:
    return {}


def fit_replicas(net, cluster, train, validation, args, epochs, start, callbacks) -> None:
    pass


def evaluate_replicas(net, strategy, test, batch_size: int) -> dict:
    return {}


@dataclass
class Stage:
    """One training stage: its epochs, its optimizer, and the trainable flags it sets."""

    name: str
    epochs: int
    optimizer: str
    learning_rate: float | None  # None: the optimizer's Keras default
    set_trainable: Callable | None  # None: the flags build_model() set


OPTIMIZERS = {
    "rmsprop": keras.optimizers.RMSprop,
    "adam": keras.optimizers.Adam,
    "adamw": keras.optimizers.AdamW,
    "sgd": keras.optimizers.SGD,
    "nadam": keras.optimizers.Nadam,
}
LAST = "last.npz"  # the last epoch's checkpoint, written after every epoch


def start_run(args) -> dict | None:
    """last.npz's content with --resume (its settings fill what args leave out), else None.

    A run folder that holds an earlier run is refused unless --resume or --overwrite is given.
    """
    last = args.run_dir / LAST
    if args.resume and not last.is_file():
        raise TrainError(f"{last}: no such checkpoint to resume from")
    if not args.resume and last.exists() and not args.overwrite:
        raise TrainError(
            f"{args.run_dir}: holds an earlier run ({LAST}); pass --resume to go on from it, "
            "or --overwrite to start again"
        )
    saved = load_last(last) if args.resume else None
    settings = saved["settings"] if saved else {}
    defaults = {"epochs": None, "batch_size": BATCH_SIZE, "limit": None, "seed": 0}
    defaults["precision"] = PRECISION
    for name, default in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, settings.get(name, default))
    if saved:
        print(f"Resuming from {last}: {len(saved['record']['stage'])} epochs done")
    return saved


def save_last(path: Path, net, record: dict, position: dict, args) -> None:
    """last.npz: weights, optimizer state, the run so far and the random state, atomically."""
    weights = net.get_weights()
    variables = [keras.ops.convert_to_numpy(v) for v in net.optimizer.variables]
    numpy_rng = np.random.get_state()
    meta = {
        "spec_hash": SPEC_HASH,
        "record": record,
        "position": position,  # stage index, epochs finished in it, its best MONITOR value
        "settings": {k: getattr(args, k) for k in ("epochs", "batch_size", "limit", "seed")}
        | {"precision": args.precision},
        "counts": [len(weights), len(variables)],
        "numpy_rng": [numpy_rng[0], *numpy_rng[2:]],
        "python_rng": random.getstate(),
    }
    arrays = {f"weight_{i}": w for i, w in enumerate(weights)}
    arrays |= {f"optimizer_{i}": v for i, v in enumerate(variables)}
    arrays |= {"numpy_rng_keys": numpy_rng[1], "meta": np.array(json.dumps(meta))}
    tmp = path.with_name(f".tmp-{path.name}")
    with open(tmp, "wb") as f:
        np.savez(f, **arrays)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_last(path: Path) -> dict:
    try:
        with np.load(path) as f:
            saved = json.loads(str(f["meta"]))
            weights, variables = saved["counts"]
            saved["weights"] = [f[f"weight_{i}"] for i in range(weights)]
            saved["optimizer"] = [f[f"optimizer_{i}"] for i in range(variables)]
            saved["numpy_rng_keys"] = f["numpy_rng_keys"]
    except (OSError, ValueError, KeyError) as e:
        raise TrainError(f"{path}: not a readable checkpoint ({e})") from None
    if saved["spec_hash"] != SPEC_HASH:
        raise TrainError(f"{path}: saved by another spec; cannot resume")
    return saved


def restore_random_state(saved: dict, seed: int) -> None:
    """NumPy's and Python's generators as saved; TensorFlow's (not saveable) seeded anew."""
    keras.utils.set_random_seed(seed + len(saved["record"]["stage"]))
    kind, pos, has_gauss, cached = saved["numpy_rng"]
    np.random.set_state((kind, saved["numpy_rng_keys"], pos, has_gauss, cached))
    version, state, gauss = saved["python_rng"]
    random.setstate((version, tuple(state), gauss))


def restore_optimizer(net, values: list) -> None:
    """The optimizer's variables (step count, moments) as they were after the last epoch."""
    net.optimizer.build(net.trainable_variables)
    if len(net.optimizer.variables) != len(values):
        raise TrainError(f"{LAST}: the optimizer's state does not fit this stage")
    for variable, value in zip(net.optimizer.variables, values, strict=True):
        variable.assign(value)


class LastCheckpoint(keras.callbacks.Callback):
    """After every epoch: the epoch joins the record, and last.npz is written."""

    def __init__(self, run_dir: Path, record: dict, stage: int, timer, keeper, args):
        super().__init__()
        self.run_dir, self.record, self.stage, self.args = run_dir, record, stage, args
        self.timer, self.keeper = timer, keeper  # EpochTimer, BestCheckpoint or None

    def on_epoch_end(self, epoch, logs=None):
        record = self.record
        for key, value in (logs or {}).items():
            record["history"].setdefault(key, []).append(float(value))
        record["stage"].append(STAGES[self.stage].name)
        record["epoch_seconds"].append(self.timer.seconds[-1])
        record["epoch_cpu_seconds"].append(self.timer.cpu_seconds[-1])
        best = self.keeper.best if self.keeper is not None else None
        best = float(best) if best is not None else None
        position = {"stage": self.stage, "epoch": epoch + 1, "best": best}
        save_last(self.run_dir / LAST, self.model, record, position, self.args)


class BestCheckpoint(keras.callbacks.Callback):
    """Keep the weights of the epoch with the best MONITOR, written atomically."""

    def __init__(self, path: Path, monitor: str):
        super().__init__()
        self.path, self.monitor, self.best = path, monitor, None
        self.lower_is_better = "loss" in monitor

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None:
            return
        better = self.best is None or (
            value < self.best if self.lower_is_better else value > self.best
        )
        if better:
            self.best = value
            tmp = self.path.with_name(f".tmp-{self.path.name}")
            self.model.save_weights(tmp)
            os.replace(tmp, self.path)
            print(f"\nEpoch {epoch + 1}: {self.monitor} is {value:.4f}, saved {self.path.name}")


class EpochTimer(keras.callbacks.Callback):
    """Seconds per epoch, on the clock and of CPU time (kept in history.json)."""

    def on_train_begin(self, logs=None):
        self.seconds, self.cpu_seconds = [], []

    def on_epoch_begin(self, epoch, logs=None):
        self.start, self.cpu_start = time.perf_counter(), time.process_time()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(round(time.perf_counter() - self.start, 3))
        self.cpu_seconds.append(round(time.process_time() - self.cpu_start, 3))


def count_params(weights) -> int:
    return sum(int(np.prod(w.shape)) for w in weights)


def make_optimizer(stage: Stage):
    if stage.learning_rate is None:
        return OPTIMIZERS[stage.optimizer]()
    return OPTIMIZERS[stage.optimizer](learning_rate=stage.learning_rate)


def run_stages(model, net, train, validation, args, run_dir: Path, saved, board, cluster) -> dict:
    """Train ``net`` stage by stage; stage 2+ starts from the previous stage's best weights.

    ``model`` is the whole model (its flags and counts); ``net`` is what is fitted: the
    model itself, or the head on stored features. ``saved`` is last.npz's content when the
    run is resumed: finished stages and epochs are skipped; ``board`` (or None) gets each
    epoch's logs for TensorBoard. ``cluster`` says whether Keras's fit trains (one process on
    one device) or fit_replicas (several replicas). Returns the record for history.json.
    """
    record: dict = {"history": {}, "stage": [], "epoch_seconds": [], "epoch_cpu_seconds": []}
    position = {"stage": 0, "epoch": 0, "best": None}
    if saved is not None:
        record, position = saved["record"], saved["position"]
        net.set_weights(saved["weights"])
        restore_random_state(saved, args.seed)
    best = None
    for index, stage in enumerate(STAGES):
        epochs = args.epochs or stage.epochs
        start = position["epoch"] if index == position["stage"] else 0
        previous, suffix = best, f"_{stage.name}" if len(STAGES) > 1 else ""
        best = run_dir / f"best{suffix}.weights.h5" if MONITOR else None
        if index < position["stage"] or start >= epochs:
            continue  # finished before the run was resumed
        if start == 0 and previous is not None and previous.exists():
            net.load_weights(previous)
        if stage.set_trainable is not None:
            stage.set_trainable(model)
        trainable = count_params(model.trainable_weights)
        frozen = count_params(model.non_trainable_weights)
        print(f"Stage {stage.name}: trainable params: {trainable:,}, frozen params: {frozen:,}")
        with cluster.scope():  # several replicas: the optimizer's variables on each
            net.compile(optimizer=make_optimizer(stage), loss=LOSS, metrics=METRICS)
            if start > 0:
                restore_optimizer(net, saved["optimizer"])
        timer = EpochTimer()
        keeper = BestCheckpoint(best, MONITOR) if MONITOR else None
        if start > 0:
            if keeper is not None:
                keeper.best = position["best"]
            print(f"Resuming stage {stage.name} after epoch {start}")
        last = LastCheckpoint(run_dir, record, index, timer, keeper, args)
        logs = [TensorBoardLog(board, record, stage.name)] if board is not None else []
        callbacks = [timer, *([keeper] if keeper else []), last, *logs]
        if cluster.strategy is None:
            net.fit(
                **fit_inputs(train, args.batch_size),
                shuffle=isinstance(train, tuple),
                validation_data=validation,
                epochs=epochs,
                initial_epoch=start,
                callbacks=callbacks,
            )
        else:
            fit_replicas(net, cluster, train, validation, args, epochs, start, callbacks)
    if best is not None and best.exists():
        net.load_weights(best)  # evaluate the best model, as in Listing 8.13
        print(f"Restored the best weights ({MONITOR}) from {best.name}")
    return record


def split_at_base(model):
    """The base with what comes before it, and the head after it; both share model's layers."""
    index = [layer.name for layer in model.layers].index(BASE)
    inputs = keras.Input(shape=INPUT_SHAPE)
    x = inputs
    for layer in model.layers[1 : index + 1]:
        x = layer(x)
    extractor = keras.Model(inputs, x, name="feature_extractor")
    features = keras.Input(shape=tuple(x.shape[1:]))
    y = features
    for layer in model.layers[index + 1 :]:
        y = layer(y)
    return extractor, keras.Model(features, y, name="head")


def extract_features(extractor, split, batch_size: int):
    """Listing 8.20: run the frozen base once over a split; keep features and labels."""
    if split is None:
        return None
    if isinstance(split, tuple):
        return extractor.predict(split[0], batch_size=batch_size), split[1]
    features, labels = [], []
    progress = keras.utils.Progbar(len(split))
    for images, batch_labels in split:
        features.append(extractor.predict_on_batch(images))
        labels.append(np.asarray(batch_labels))
        progress.add(1)
    return np.concatenate(features), np.concatenate(labels)


def train__features(model, data: Data, args, run_dir: Path, saved, board, cluster: Cluster):
    """Feature extraction (Listings 8.19-8.21): the head trains on stored base features."""
    extractor, head = split_at_base(model)
    print("Extracting features with the frozen base (train, validation, test)")
    train_features = extract_features(extractor, data.train, args.batch_size)
    validation = extract_features(extractor, data.validation, args.batch_size)
    test = extract_features(extractor, data.test, args.batch_size)
    record = run_stages(
        model, head, train_features, validation, args, run_dir, saved, board, cluster
    )
    return record | {"test": evaluate(head, test, args.batch_size, cluster)}


def train__fit(model, data: Data, args, run_dir: Path, saved, board, cluster: Cluster):
    record = run_stages(
        model, model, data.train, data.validation, args, run_dir, saved, board, cluster
    )
    return record | {"test": evaluate(model, data.test, args.batch_size, cluster)}


def evaluate(net, test, batch_size: int, cluster: Cluster) -> dict | None:
    """The best model on the test split, as in Listing 8.13."""
    if test is None:
        print("No test split: skipping the evaluation")
        return None
    if cluster.strategy is None:
        results = net.evaluate(**fit_inputs(test, batch_size), return_dict=True)
    else:
        results = evaluate_replicas(net, cluster.strategy, test, batch_size)
    results = {key: float(value) for key, value in results.items()}
    for key, value in results.items():
        print(f"Test {key}: {value:.3f}")
    return results
