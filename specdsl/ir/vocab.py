"""The words the language knows: activations, losses, optimizers, metrics (Keras names)."""

from __future__ import annotations

from dataclasses import dataclass

ACTIVATIONS = (
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
    "linear",
    "elu",
    "selu",
    "softplus",
    "softsign",
    "swish",
    "silu",
    "gelu",
    "exponential",
    "hard_sigmoid",
    "relu6",
    "leaky_relu",
    "mish",
    "log_softmax",
)

# Activations whose output is probabilities: a model ending in one outputs ``probabilities``
# (ONNX), and training takes the loss from its logits (PyTorch).
PROBABILITY_ACTIVATIONS = ("softmax", "sigmoid")

LOSSES = (
    "binary_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "mean_squared_error",
    "mean_absolute_error",
)

# Keras default learning rates (keras.optimizers.*).
OPTIMIZERS = {"rmsprop": 1e-3, "adam": 1e-3, "adamw": 1e-3, "sgd": 1e-2, "nadam": 1e-3}

METRICS = (
    "accuracy",
    "binary_accuracy",
    "sparse_categorical_accuracy",
    "auc",
    "precision",
    "recall",
)


@dataclass(frozen=True)
class Preprocessing:
    """A base's own input preprocessing, as ``keras.applications``' ``preprocess_input``:
    optionally RGB -> BGR, then divide by ``divide``, subtract ``mean``, divide by ``std``."""

    keras_function: str  # the Keras function the Keras backend calls
    comment: str
    bgr: bool = False
    divide: float | None = None
    mean: tuple[float, ...] | float | None = None  # per channel (in the output's order)
    std: tuple[float, ...] | None = None


PREPROCESSING = {
    "caffe": Preprocessing(
        "keras.applications.vgg16.preprocess_input",
        "VGG16's preprocessing (caffe): RGB -> BGR, minus the ImageNet channel means",
        bgr=True,
        mean=(103.939, 116.779, 123.68),
    ),
    "tf": Preprocessing(
        "keras.applications.mobilenet_v2.preprocess_input",
        "preprocessing 'tf': scale pixels to [-1, 1]",
        divide=127.5,
        mean=1.0,
    ),
    "torch": Preprocessing(
        "keras.applications.densenet.preprocess_input",
        "preprocessing 'torch': scale to [0, 1], normalize by the ImageNet mean and std",
        divide=255.0,
        mean=(0.485, 0.456, 0.406),
        std=(0.229, 0.224, 0.225),
    ),
}

PREPROCESS_MODES = tuple(PREPROCESSING)

CHECKPOINT_MONITORS = ("val_loss", "val_accuracy", "loss", "accuracy")

STRATEGIES = ("fit", "features")

# Keras dtype policies: float32, or mixed precision (float16/bfloat16 compute, float32 weights)
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")
