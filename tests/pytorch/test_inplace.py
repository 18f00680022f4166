"""In-place activations in the emitted forward (``F.relu6(x, inplace=True)`` after a batch norm,
``torch.relu_`` after a sum): they appear only where nothing else reads the tensor, and the
model computes the same outputs and gradients as with out-of-place activations."""

from __future__ import annotations

import pytest

from specdsl.api import loads
from specdsl.backends.pytorch import code as code_module
from specdsl.backends.pytorch.model import model_source

torch = pytest.importorskip("torch")
from specdsl.backends.pytorch.model import model_class_name  # noqa: E402
from specdsl.backends.pytorch.runtime import load_model_module  # noqa: E402

SPEC = """model residual
input 16x16x3
stem: conv 8 k3 same
stem_bn: batchnorm
stem_relu: activation relu6
a: conv 8 k3 same
a_bn: batchnorm
sum: add stem_relu, a_bn
sum_relu: activation relu
c: conv 4 k3 relu
after_relu: activation relu6
gap
dense 3 softmax
loss sparse_categorical_crossentropy
"""


def _model(analysis, monkeypatch, inplace: bool):
    if not inplace:
        monkeypatch.setattr(code_module, "FRESH_OUTPUT_KINDS", frozenset())
    module = load_model_module(analysis)
    monkeypatch.undo()
    torch.manual_seed(0)
    return getattr(module, model_class_name(analysis))()


def test_in_place_only_where_nothing_else_reads():
    source = model_source(loads(SPEC))
    assert "F.relu6(x, inplace=True)  # stem_relu" in source  # stem_bn's output: nobody else
    assert "torch.relu_(x)  # sum_relu" in source  # the sum's output: nobody else reads it
    assert "F.relu6(x)  # after_relu" in source  # after the conv's relu: its backward needs it


def test_same_outputs_and_gradients(monkeypatch):
    analysis = loads(SPEC)
    x = torch.rand(4, 3, 16, 16) * 255
    y = torch.tensor([0, 1, 2, 1])
    results = []
    for inplace in (True, False):
        model = _model(analysis, monkeypatch, inplace).train()
        out = model(x)
        loss = torch.nn.functional.nll_loss(torch.log(out), y)
        loss.backward()
        grads = {n: p.grad.clone() for n, p in model.named_parameters()}
        results.append((out.detach(), grads))
    (out_a, grads_a), (out_b, grads_b) = results
    torch.testing.assert_close(out_a, out_b, rtol=0, atol=0)
    for name in grads_a:
        torch.testing.assert_close(grads_a[name], grads_b[name], rtol=0, atol=0, msg=name)
