"""The words the language knows: activations, losses, optimizers, metrics (Keras names)."""

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

PREPROCESS_MODES = ("caffe", "tf", "torch")

CHECKPOINT_MONITORS = ("val_loss", "val_accuracy", "loss", "accuracy")

STRATEGIES = ("fit", "features")
