"""train.py's optimizers, losses and accuracy against Keras's own (see keras_checks.py)."""

from __future__ import annotations

import math

import pytest


@pytest.mark.parametrize("name", ["rmsprop", "adam", "adamw"])
def test_optimizer_steps_equal_keras(keras_checks, name):
    diff, moved = keras_checks[name]
    assert moved > 1e-3  # five steps did move the weights...
    assert diff < 1e-6  # ...exactly as Keras's optimizer did


def test_rmsprop_epsilon_is_inside_the_square_root(keras_checks):
    first = keras_checks["first_step"]
    assert first["ours"] == pytest.approx(-1e-3 * 1e-4 / math.sqrt(0.1 * 1e-8 + 1e-7), rel=1e-5)
    assert abs(first["torch"]) > 5 * abs(first["ours"])  # PyTorch's RMSprop differs


@pytest.mark.parametrize("loss", ["bce", "scce"])
def test_losses_and_accuracy_equal_keras(keras_checks, loss):
    r = keras_checks[loss]
    assert r["logits"] == pytest.approx(r["keras"], abs=1e-5)
    assert r["probs"] == pytest.approx(r["keras"], abs=1e-5)
    assert r["accuracy"] == r["keras_accuracy"]
