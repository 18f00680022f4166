"""Helpers that model.py may contain; each definition is copied only where a spec needs it."""

import torch
import torch.nn.functional as F
from torch import nn


def keras_init(module: nn.Module) -> None:
    """Keras's default initializers: Glorot-uniform kernels, zero biases."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def caffe_preprocess(x: torch.Tensor) -> torch.Tensor:
    """keras.applications.vgg16.preprocess_input: RGB -> BGR, minus the ImageNet means."""
    mean = x.new_tensor([103.939, 116.779, 123.68]).view(1, 3, 1, 1)
    return x.flip(1) - mean


def tf_preprocess(x: torch.Tensor) -> torch.Tensor:
    """Preprocessing 'tf' (keras.applications): pixels scaled to [-1, 1]."""
    return x / 127.5 - 1.0


def torch_preprocess(x: torch.Tensor) -> torch.Tensor:
    """Preprocessing 'torch' (keras.applications): [0, 1], then ImageNet mean and std."""
    mean = x.new_tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = x.new_tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    return (x / 255.0 - mean) / std


def avg_pool_same(x: torch.Tensor, pool, stride, pads) -> torch.Tensor:
    """Keras's average pooling with asymmetric 'same' padding: the padding is not counted."""
    ones = torch.ones_like(x[:1, :1])
    total = F.avg_pool2d(F.pad(x, pads), pool, stride)
    count = F.avg_pool2d(F.pad(ones, pads), pool, stride)
    return total / count


class FrozenBatchNormMixin(nn.Module):
    def train(self, mode: bool = True):
        """As Keras: a frozen batch-norm layer always runs in inference mode."""
        super().train(mode)
        for m in self.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)) and not m.weight.requires_grad:
                m.eval()
        return self
