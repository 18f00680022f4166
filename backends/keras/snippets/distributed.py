"""train.py on several workers (TF_CONFIG) or several local GPUs: tf.distribute's strategies.

One process on one device trains with Keras's fit. Several replicas train with a step of
this module's: Keras's fit does not run under MultiWorkerMirroredStrategy (measured with
Keras 3.15 and TensorFlow 2.21: "Attempt to convert a value (PerReplica...)"). Each replica
takes its share of every global batch (BATCH_SIZE is the global batch, as in the PyTorch
backend), its loss is averaged over the global batch, and the optimizer sums the gradients
of all replicas: every worker ends each step with the same weights. The callbacks fit would
call (EpochTimer, BestCheckpoint, LastCheckpoint, TensorBoardLog) get the same logs, so the
run folder is the same as one process's. Only the chief (worker 0) writes it; every other
worker writes the same files into a temporary folder of its own, removed at the end.

The constants and definitions before Cluster are placeholders for what train.py defines
elsewhere."""

import contextlib
import hashlib
import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

LOSS = "sparse_categorical_crossentropy"
TrainError = Exception


@dataclass
class Cluster:
    """Where this process trains; ``strategy`` None: one process on one device (Keras's fit)."""

    strategy: object | None = None
    workers: int = 1  # processes (TF_CONFIG's cluster)
    index: int = 0  # this worker's; 0 is the chief, the one that writes the run folder
    examples: int = 0  # training examples this worker's replicas took, all epochs together

    @property
    def chief(self) -> bool:
        return self.index == 0

    def scope(self):
        """The strategy's scope: a variable made in it lives on every replica."""
        return self.strategy.scope() if self.strategy else contextlib.nullcontext()

    def run_dir(self, args, saved, workdir: Path) -> Path:
        """--run-dir for the chief; for another worker a folder in ``workdir`` (removed at the
        end) that gets what the chief writes, and on --resume the chief's best checkpoints."""
        if self.chief:
            return args.run_dir
        run_dir = workdir / "worker"
        run_dir.mkdir()
        if saved is not None:
            for path in args.run_dir.glob("best*.weights.h5"):
                shutil.copy(path, run_dir)
        return run_dir

    def report(self, model) -> None:
        """Several replicas: each worker's last line, what it trained and its final weights."""
        if self.strategy is not None:
            line = (
                f"Worker {self.index} of {self.workers}: trained on {self.examples:,} examples, "
                f"weights sha256 {weights_digest(model)}"
            )
            print(line, file=sys.__stdout__, flush=True)


def find_cluster() -> Cluster:
    """TF_CONFIG's workers (MultiWorkerMirroredStrategy), else the local GPUs when there are
    several (MirroredStrategy), else one process on one device. Called before anything else:
    the multi-worker strategy must exist before TensorFlow runs anything."""
    config = os.environ.get("TF_CONFIG")
    if config:
        try:
            config = json.loads(config)
            chiefs = len(config["cluster"].get("chief", []))
            workers = chiefs + len(config["cluster"].get("worker", []))
            kind, index = config["task"]["type"], int(config["task"]["index"])
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise TrainError(f"TF_CONFIG: not a cluster of workers ({e!r})") from None
        if kind not in ("chief", "worker"):
            raise TrainError(f"TF_CONFIG: task type {kind!r}; train.py runs as chief or worker")
        if workers > 1:
            if keras.backend.backend() != "tensorflow":
                raise TrainError(
                    f"TF_CONFIG: several workers need Keras's tensorflow backend, "
                    f"not {keras.backend.backend()}"
                )
            index += chiefs if kind == "worker" else 0
            return Cluster(tf.distribute.MultiWorkerMirroredStrategy(), workers, index)
    if keras.backend.backend() == "tensorflow" and len(tf.config.list_logical_devices("GPU")) > 1:
        return Cluster(tf.distribute.MirroredStrategy())
    return Cluster()


def weights_digest(model) -> str:
    """SHA-256 of the weights as float32, in order: the same on every worker."""
    digest = hashlib.sha256()
    for weight in model.get_weights():
        digest.update(np.ascontiguousarray(weight, dtype="float32").tobytes())
    return digest.hexdigest()


def distribute(strategy, split, batch_size: int, seed: int | None = None):
    """A split as a distributed dataset, and its global batches per epoch.

    Arrays are batched here (and shuffled with ``seed`` anew every epoch, the same order on
    every worker); a dataset comes batched (and shuffled) by image_dataset_from_directory.
    Every worker reads the whole split and takes its share of each global batch."""
    if isinstance(split, tuple):
        data = tf.data.Dataset.from_tensor_slices(split)
        if seed is not None:
            data = data.shuffle(len(split[0]), seed=seed)
        split = data.batch(batch_size)
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return strategy.experimental_distribute_dataset(split.with_options(options)), len(split)


def replica_steps(net, global_batch: int):
    """The training step and the test step of one replica on its share of a global batch.

    Each returns the loss summed over its examples and their number; the compiled metrics
    are summed over the replicas when read."""
    loss_of = keras.losses.get(LOSS)  # the loss of each example

    def train_step(images, labels):
        with tf.GradientTape() as tape:
            predictions = net(images, training=True)
            per_example = loss_of(labels, predictions)
            loss = tf.nn.compute_average_loss(per_example, global_batch_size=global_batch)
            if net.losses:  # the layers' regularization
                loss += tf.nn.scale_regularization_loss(tf.add_n(net.losses))
            scaled = net.optimizer.scale_loss(loss)  # mixed_float16: times the loss scale
        gradients = tape.gradient(scaled, net.trainable_variables)
        # the optimizer sums the gradients of all replicas, then applies them on each
        net.optimizer.apply_gradients(zip(gradients, net.trainable_variables, strict=True))
        net.compute_metrics(images, labels, predictions)
        return tf.reduce_sum(per_example), tf.shape(per_example)[0]

    def test_step(images, labels):
        predictions = net(images, training=False)
        per_example = loss_of(labels, predictions)
        net.compute_metrics(images, labels, predictions)
        return tf.reduce_sum(per_example), tf.shape(per_example)[0]

    return train_step, test_step


def on_replicas(strategy, step, batches):
    """``step`` on every replica for a global batch of ``batches``, as one tf.function (traced
    once): the loss summed over the global batch, its examples, and this worker's examples."""

    @tf.function(input_signature=[batches.element_spec])
    def run(batch):
        total, count = strategy.run(step, args=batch)
        mine = tf.add_n(strategy.experimental_local_results(count))
        return strategy.reduce("SUM", total, None), strategy.reduce("SUM", count, None), mine

    return run


def metric_results(net) -> dict:
    """The compiled metrics (not the loss, counted apart), read across all replicas."""
    return {k: float(v) for k, v in net.get_metrics_result().items() if k != "loss"}


def score_replicas(net, test_step, batches) -> dict:
    """Loss and metrics over a distributed split (a test or validation pass)."""
    net.reset_metrics()
    total, count = 0.0, 0
    for batch in batches:
        batch_total, batch_count, _ = test_step(batch)
        total, count = total + float(batch_total), count + int(batch_count)
    return {"loss": total / max(count, 1)} | metric_results(net)


def fit_replicas(net, cluster: Cluster, train, validation, args, epochs, start, callbacks):
    """Keras's fit on several replicas: each epoch trains, validates, and calls the callbacks
    (and fit's progress bar) with the logs fit gives them."""
    strategy = cluster.strategy
    train_step, test_step = replica_steps(net, args.batch_size)
    batches, steps = distribute(strategy, train, args.batch_size, seed=args.seed)
    train_step = on_replicas(strategy, train_step, batches)
    if validation is not None:
        validation, _ = distribute(strategy, validation, args.batch_size)
        test_step = on_replicas(strategy, test_step, validation)
    callbacks = keras.callbacks.CallbackList(
        callbacks, add_progbar=True, model=net, verbose=1, epochs=epochs, steps=steps
    )
    callbacks.on_train_begin()
    logs = {}
    for epoch in range(start, epochs):
        net.reset_metrics()
        callbacks.on_epoch_begin(epoch)
        total, count = 0.0, 0
        for step, batch in enumerate(batches):
            callbacks.on_train_batch_begin(step)
            batch_total, batch_count, mine = train_step(batch)
            total, count = total + float(batch_total), count + int(batch_count)
            cluster.examples += int(mine)
            callbacks.on_train_batch_end(step, {"loss": total / max(count, 1)})
        logs = {"loss": total / max(count, 1)} | metric_results(net)
        if validation is not None:
            results = score_replicas(net, test_step, validation)
            logs |= {f"val_{key}": value for key, value in results.items()}
        callbacks.on_epoch_end(epoch, logs)
    callbacks.on_train_end(logs)


def evaluate_replicas(net, strategy, test, batch_size: int) -> dict:
    """Keras's evaluate on several replicas (its order: the metrics, then the loss)."""
    _, test_step = replica_steps(net, batch_size)
    batches, _ = distribute(strategy, test, batch_size)
    results = score_replicas(net, on_replicas(strategy, test_step, batches), batches)
    return {key: value for key, value in results.items() if key != "loss"} | {
        "loss": results["loss"]
    }
