"""``specdsl train --mlflow [URI]``: a finished run folder logged to MLflow.

The emitted train.py knows nothing of MLflow: once it has finished, the CLI reads the run
folder (history.json, the spec, curves.png, model.safetensors, tensorboard/) and logs it as
one MLflow run, so the emitted code stays free of tracking code and any run folder, also one
trained by hand with ``python train.py``, can be logged the same way. The price: metrics
arrive when the run ends, not while it trains (TensorBoard, in the run folder, follows a run
live).

What is logged: parameters (spec hash, model, backend, optimizer and learning rate per stage,
epochs, batch size, precision, seed, limit, data), per-epoch metrics (``loss``,
``accuracy``, ``val_loss``, ... at step = the epoch's number in the run, 1, 2, ...; the
test split's as ``test_loss``, ...), and artifacts (the spec, curves.png, history.json,
model.safetensors, tensorboard/). The experiment is the model's name.

MLflow is imported only here, only when --mlflow is given. Without a URI the store is
``./mlruns`` (MLflow's local file store), or ``$MLFLOW_TRACKING_URI`` when set. MLflow 3
keeps file stores in maintenance mode and asks for an opt-in (MLFLOW_ALLOW_FILE_STORE),
given here when the store is a local folder; ``--mlflow sqlite:///mlflow.db`` or a tracking
server's http URI work as MLflow says.
"""

from __future__ import annotations

import importlib.util
import json
import os
import time
from pathlib import Path

from specdsl.check.analysis import Analysis

DEFAULT_STORE = "./mlruns"  # what --mlflow alone gives
ARTIFACTS = ("history.json", "curves.png", "model.safetensors")


class TrackingError(Exception):
    """MLflow is missing or the run cannot be logged; the message is one line."""


def available() -> bool:
    """Whether MLflow can be imported (looked up without importing it: that takes seconds)."""
    try:
        return importlib.util.find_spec("mlflow") is not None
    except (ImportError, ValueError, AttributeError):  # e.g. sys.modules["mlflow"] = None
        return False


def tracking_uri(uri: str | None) -> str:
    """The store to log to: ``uri``, else $MLFLOW_TRACKING_URI, else ./mlruns (a file store)."""
    if not uri or uri == DEFAULT_STORE:
        uri = os.environ.get("MLFLOW_TRACKING_URI") or Path(DEFAULT_STORE).resolve().as_uri()
    if uri.startswith("file:") or "://" not in uri:  # a local folder: asked for by name
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3 wants an opt-in
    return uri


def run_params(analysis: Analysis, options, backend: str, record: dict) -> dict[str, str]:
    """The parameters of a run: the spec's training settings with the options over them."""
    from specdsl.ir.vocab import OPTIMIZERS

    t = analysis.spec.training
    params = {
        "spec_hash": record.get("spec_hash", ""),
        "model": analysis.spec.name,
        "backend": backend,
        "batch_size": options.batch_size or t.batch_size or 32,
        "epochs": len(record.get("stage", [])),
        "precision": options.precision or t.precision,
        "seed": options.seed if options.seed is not None else 0,
        "limit": options.limit,
        "data": str(options.data),
        "workers": getattr(options, "workers", 1),
    }
    plan = [(s.name, s.optimizer or t.optimizer, s.epochs or t.epochs) for s in t.stages]
    plan = plan or [("train", t.optimizer, t.epochs)]
    for name, opt, epochs in plan:
        prefix = f"{name}." if len(plan) > 1 else ""
        rate = opt.learning_rate if opt.learning_rate is not None else OPTIMIZERS[opt.name]
        params[f"{prefix}optimizer"] = opt.name
        params[f"{prefix}learning_rate"] = rate
        if len(plan) > 1:
            params[f"{prefix}epochs"] = options.epochs or epochs or 1
    return {k: str(v) for k, v in params.items() if v is not None}


def log_run(run_dir: Path, analysis: Analysis, options, backend: str, uri: str | None) -> str:
    """Log the finished run in ``run_dir`` to MLflow; returns where (store and run id)."""
    try:
        from mlflow.entities import Metric, Param
        from mlflow.tracking import MlflowClient
    except ImportError:
        raise TrackingError(
            "--mlflow needs MLflow, which is not installed (pip install 'specdsl[track]')"
        ) from None
    history = run_dir / "history.json"
    try:
        record = json.loads(history.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise TrackingError(f"{history}: cannot read the run's history ({e})") from None
    store = tracking_uri(uri)
    try:
        client = MlflowClient(tracking_uri=store)
        name = analysis.spec.name
        found = client.get_experiment_by_name(name)
        experiment = found.experiment_id if found else client.create_experiment(name)
        tags = {"specdsl.run_dir": str(run_dir.resolve()), "specdsl.backend": backend}
        run = client.create_run(experiment, run_name=run_dir.name, tags=tags)
        run_id = run.info.run_id
        now = int(time.time() * 1000)
        metrics = [
            Metric(key, float(value), now, step)
            for key, values in record.get("history", {}).items()
            for step, value in enumerate(values, 1)
        ]
        metrics += [
            Metric(f"test_{key}", float(value), now, 0)
            for key, value in (record.get("test") or {}).items()
        ]
        params = [Param(k, v) for k, v in run_params(analysis, options, backend, record).items()]
        for i in range(0, max(len(metrics), 1), 1000):  # MLflow's batch limit
            client.log_batch(run_id, metrics=metrics[i : i + 1000], params=params if i == 0 else [])
        spec = run_dir / f"{analysis.spec.name}.spec"
        for path in (spec, *(run_dir / a for a in ARTIFACTS)):
            if path.is_file():
                client.log_artifact(run_id, str(path))
        if (run_dir / "tensorboard").is_dir():
            client.log_artifacts(run_id, str(run_dir / "tensorboard"), "tensorboard")
        client.set_terminated(run_id)
    except Exception as e:  # MLflow's errors have no common base worth naming here
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise TrackingError(f"MLflow ({store}): {first}") from None
    return f"{store} run {run_id}"
