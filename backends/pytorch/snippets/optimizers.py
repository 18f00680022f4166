"""Keras's optimizers for train.py: update rules and defaults as keras.optimizers."""

import math

import torch


class KerasRMSprop(torch.optim.Optimizer):
    """keras.optimizers.RMSprop: v = rho * v + (1 - rho) * g^2; w -= lr * g / sqrt(v + eps).

    PyTorch's own RMSprop adds eps outside the square root; Keras adds it inside. The
    _foreach_ calls do each line for all weights at once.
    """

    def __init__(self, params, lr=0.001, rho=0.9, epsilon=1e-7):
        super().__init__(params, {"lr": lr, "rho": rho, "epsilon": epsilon})

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            grads = [p.grad for p in params]
            for p in params:
                if not self.state[p]:
                    self.state[p]["velocity"] = torch.zeros_like(p)
            velocities = [self.state[p]["velocity"] for p in params]
            torch._foreach_mul_(velocities, group["rho"])
            torch._foreach_addcmul_(velocities, grads, grads, value=1 - group["rho"])
            denominators = torch._foreach_add(velocities, group["epsilon"])
            torch._foreach_sqrt_(denominators)
            torch._foreach_addcdiv_(params, grads, denominators, value=-group["lr"])


class KerasAdam(torch.optim.Optimizer):
    """keras.optimizers.Adam (and AdamW with ``weight_decay``), with Keras's epsilon placement."""

    def __init__(self, params, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=0.0):
        defaults = {"lr": lr, "b1": beta_1, "b2": beta_2, "eps": epsilon, "wd": weight_decay}
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            lr, b1, b2, eps, wd = (group[k] for k in ("lr", "b1", "b2", "eps", "wd"))
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state.update(t=0, m=torch.zeros_like(p), v=torch.zeros_like(p))
                state["t"] += 1
                t, m, v, g = state["t"], state["m"], state["v"], p.grad
                if wd:
                    p.mul_(1 - wd * lr)
                m.add_(g - m, alpha=1 - b1)
                v.add_(g * g - v, alpha=1 - b2)
                alpha = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
                p.addcdiv_(m, v.sqrt() + eps, value=-alpha)
