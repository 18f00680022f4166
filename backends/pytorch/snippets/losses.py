"""Keras's losses and accuracy for train.py; one of each is copied, renamed
compute_loss / count_correct, chosen by the loss and by whether outputs are logits."""

import torch
import torch.nn.functional as F


def loss__binary_crossentropy__logits(out, y):
    """Keras's binary_crossentropy on the final sigmoid's input, as a compiled Keras fit does."""
    return F.binary_cross_entropy_with_logits(out, y.float().view_as(out))


def loss__binary_crossentropy__probs(out, y):
    """Keras's binary_crossentropy on probabilities (clipped to [1e-7, 1 - 1e-7])."""
    p = out.clamp(1e-7, 1 - 1e-7)
    y = y.float().view_as(p)
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()


def loss__sparse_categorical_crossentropy__logits(out, y):
    """Keras's sparse_categorical_crossentropy on the final softmax's input."""
    return F.cross_entropy(out, y)


def loss__sparse_categorical_crossentropy__probs(out, y):
    """Keras's sparse_categorical_crossentropy on probabilities (normalized, clipped)."""
    p = (out / out.sum(dim=-1, keepdim=True)).clamp(1e-7, 1 - 1e-7)
    return F.nll_loss(torch.log(p), y)


def loss__categorical_crossentropy__logits(out, y):
    """Keras's categorical_crossentropy (one-hot targets) on the final softmax's input."""
    return F.cross_entropy(out, y)


def loss__categorical_crossentropy__probs(out, y):
    """Keras's categorical_crossentropy (one-hot targets) on probabilities."""
    p = (out / out.sum(dim=-1, keepdim=True)).clamp(1e-7, 1 - 1e-7)
    return F.nll_loss(torch.log(p), y)


def loss__mean_squared_error__probs(out, y):
    """Keras's mean_squared_error against the label (one-hot for several outputs)."""
    target = y.float().view_as(out) if out.shape[-1] == 1 else F.one_hot(y, out.shape[-1])
    return F.mse_loss(out, target.float())


def loss__mean_absolute_error__probs(out, y):
    """Keras's mean_absolute_error against the label (one-hot for several outputs)."""
    target = y.float().view_as(out) if out.shape[-1] == 1 else F.one_hot(y, out.shape[-1])
    return F.l1_loss(out, target.float())


def correct__binary__logits(out, y):
    """Keras's binary accuracy: sigmoid(out) > 0.5, i.e. out > 0."""
    return ((out.view(-1) > 0) == (y.view(-1) > 0.5)).sum()


def correct__binary__probs(out, y):
    """Keras's binary accuracy: out > 0.5."""
    return ((out.view(-1) > 0.5) == (y.view(-1) > 0.5)).sum()


def correct__categorical(out, y):
    """Keras's (sparse) categorical accuracy: the arg-max is the label."""
    return (out.argmax(dim=-1) == y).sum()
