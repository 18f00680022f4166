"""`specdsl train --mlflow URI`: a real short run logged to a local MLflow store, read back
with MLflow's own client; without MLflow, one line before anything trains."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.pytorch.helpers import error_lines, run_cli

NEEDS_TORCH = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None or importlib.util.find_spec("torchvision") is None,
    reason="the run trains with the pytorch backend: torch and torchvision are not installed",
)


@NEEDS_TORCH
def test_run_is_logged_with_params_metrics_and_artifacts(shared_data, tmp_path, monkeypatch):
    pytest.importorskip("mlflow", reason="MLflow is not installed (pip install 'specdsl[track]')")
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3, to read the store here
    from mlflow.tracking import MlflowClient

    store = (tmp_path / "mlruns").as_uri()
    run_dir = tmp_path / "run"
    result = run_cli(
        "train", str(ROOT / "specs" / "mnist_convnet.spec"), "--backend", "pytorch",
        "--data", str(shared_data / "mnist"), "--run-dir", str(run_dir), "--limit", "300",
        "--epochs", "2", "--mlflow", store,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert f"mlflow: {store} run " in result.stdout
    run_id = result.stdout.split(f"mlflow: {store} run ")[1].split()[0]
    client = MlflowClient(tracking_uri=store)
    run = client.get_run(run_id)
    assert client.get_experiment(run.info.experiment_id).name == "mnist_convnet"
    assert run.info.status == "FINISHED" and run.info.run_name == "run"
    record = json.loads((run_dir / "history.json").read_text())
    params = run.data.params
    assert params["spec_hash"] == record["spec_hash"]
    assert (params["backend"], params["optimizer"], params["learning_rate"]) == (
        "pytorch", "rmsprop", "0.001",
    )  # fmt: skip
    assert (params["epochs"], params["batch_size"], params["limit"]) == ("2", "64", "300")
    for name, values in record["history"].items():
        logged = client.get_metric_history(run_id, name)
        assert [(m.step, m.value) for m in logged] == [
            (step, pytest.approx(v)) for step, v in enumerate(values, 1)
        ]
    assert run.data.metrics["test_accuracy"] == pytest.approx(record["test"]["accuracy"])
    artifacts = {a.path for a in client.list_artifacts(run_id)}
    assert {"mnist_convnet.spec", "curves.png", "model.safetensors", "history.json"} <= artifacts
    assert "tensorboard" in artifacts


def test_without_mlflow_one_line_before_training(shared_data, tmp_path):
    code = (
        "import sys; sys.modules['mlflow'] = None; sys.argv[0] = 'specdsl'\n"
        "from specdsl.cli import main; main()"
    )
    run_dir = tmp_path / "run"
    result = subprocess.run(
        [sys.executable, "-c", code, "train", str(ROOT / "specs" / "mnist_convnet.spec"),
         "--backend", "pytorch", "--data", str(shared_data / "mnist"),
         "--run-dir", str(run_dir), "--mlflow"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert error_lines(result.stderr) == [
        "error: --mlflow needs MLflow, which is not installed (pip install 'specdsl[track]')"
    ]
    assert not run_dir.exists()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["train", "m.spec", "--mlflow"], ["train", "m.spec", "--mlflow", "./mlruns"]),
        (["train", "--mlflow", "m.spec"], ["train", "--mlflow", "./mlruns", "m.spec"]),
        (["train", "--mlflow", "-b", "keras"], ["train", "--mlflow", "./mlruns", "-b", "keras"]),
        (["train", "--mlflow", "sqlite:///x.db"], ["train", "--mlflow", "sqlite:///x.db"]),
        (["check", "--mlflow"], ["check", "--mlflow"]),
    ],
)
def test_mlflow_without_a_uri_means_the_local_store(argv, expected):
    from specdsl.cli.train import optional_values

    assert optional_values(argv) == expected
