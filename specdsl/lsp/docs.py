"""One-line meanings of the language's words, in Keras terms: hovers and completions share them.

The words themselves come from the grammar, the kind table and the vocabulary; this module
only adds what each one means. A word without a written meaning still gets its Keras name
(a test checks that every word of the vocabulary has one).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from specdsl.ir import vocab
from specdsl.ir.kinds import KINDS


@dataclass(frozen=True)
class Doc:
    word: str
    group: str  # statement, layer, option, activation, loss, optimizer, metric, ...
    meaning: str
    keras: str = ""  # the Keras equivalent

    def markdown(self) -> str:
        text = f"**{self.word}** ({self.group}): {self.meaning}"
        return text + (f"\n\nKeras: `{self.keras}`" if self.keras else "")

    def one_line(self) -> str:
        return self.meaning + (f" Keras: {self.keras}" if self.keras else "")


LAYER_MEANINGS = {
    "conv": "2-D convolution: FILTERS kernels of size kK slide over the image.",
    "dwconv": "depthwise convolution: one kernel per input channel.",
    "sepconv": "depthwise then pointwise (1x1) convolution.",
    "zeropad": "pads the image with zeros.",
    "maxpool": "keeps the largest value of each window; stride = size by default.",
    "avgpool": "averages each window; stride = size by default.",
    "globalavgpool": "averages each channel over the whole image.",
    "globalmaxpool": "the largest value of each channel over the whole image.",
    "flatten": "turns the feature map into a vector (H*W*C values).",
    "dense": "fully connected layer on the last axis.",
    "dropout": "in training, zeroes a fraction RATE of the values (identity at inference).",
    "batchnorm": "normalizes each channel with batch statistics (moving averages at inference).",
    "activation": "applies an activation function on its own.",
    "rescale": "multiplies the pixels (y = x * scale + offset), e.g. 1/255.",
    "preprocess": "a pretrained base's own input preprocessing.",
    "add": "the element-wise sum of the layers it names (one shape): a skip connection.",
    "concat": "joins the channels of the layers it names (all other axes agree).",
    "multiply": "the element-wise product of the layers it names (one shape).",
    "flip": "random horizontal and/or vertical flips (training only).",
    "rotate": "random rotation by up to F of a full turn (training only).",
    "zoom": "random zoom in or out by up to F (training only).",
    "contrast": "random contrast change by up to F (training only).",
    "translate": "random shift by up to F of the height and width (training only).",
    "base": "a pretrained convolutional base from the zoo (include_top=False).",
}

STATEMENT_MEANINGS = {
    "model": ("the model's name (default: the file name).", ""),
    "input": ("the input size, height x width x channels.", "keras.Input(shape=(H, W, C))"),
    "classes": ("the class labels, in the sorted order of the data folders.", ""),
    "augment": ("data augmentation layers, active only in training.", "data_augmentation"),
    "freeze": ("makes a base, a slice of its layers or a layer non-trainable.",
               "layer.trainable = False"),
    "unfreeze": ("makes layers trainable again.", "layer.trainable = True"),
    "loss": ("the loss to minimize.", "model.compile(loss=...)"),
    "optimizer": ("the optimizer, with Keras's defaults unless lr= is given.",
                  "model.compile(optimizer=...)"),
    "metrics": ("metrics reported each epoch.", "model.compile(metrics=[...])"),
    "epochs": ("how many epochs to train.", "model.fit(epochs=N)"),
    "batch": ("the batch size.", "image_dataset_from_directory(batch_size=N)"),
    "checkpoint": ("keep the best model by a monitored value (or none).",
                   "keras.callbacks.ModelCheckpoint(save_best_only=True)"),
    "strategy": ("fit (end to end) or features (run the frozen base once, train the head).",
                 ""),
    "precision": ("the training precision: float32, or mixed with float32 weights.",
                  'keras.mixed_precision.set_global_policy("mixed_bfloat16")'),
    "stage": ("starts a training stage (fine-tuning): its freeze, optimizer and epochs.", ""),
    "from": ("the layer reads the named layer's output (or the input), not the previous one.",
             "layers.Conv2D(...)(stem)"),
    "same": ("padding that keeps the size (stride 1).", 'padding="same"'),
    "valid": ("no padding (the default).", 'padding="valid"'),
    "nobias": ("no bias vector.", "use_bias=False"),
    "best": ("keep the best epoch by the monitor that follows.", "save_best_only=True"),
    "none": ("no checkpoint.", ""),
    "horizontal": ("flip left-right.", 'RandomFlip("horizontal")'),
    "vertical": ("flip upside down.", 'RandomFlip("vertical")'),
    "horizontal_and_vertical": ("flip both ways.", 'RandomFlip("horizontal_and_vertical")'),
}  # fmt: skip

ACTIVATION_MEANINGS = {
    "relu": "max(x, 0).",
    "sigmoid": "1 / (1 + exp(-x)): a probability for binary classification.",
    "softmax": "probabilities over the classes that sum to 1.",
    "tanh": "hyperbolic tangent, in (-1, 1).",
    "linear": "no activation (identity).",
    "elu": "x if x > 0 else exp(x) - 1.",
    "selu": "scaled ELU (self-normalizing).",
    "softplus": "log(1 + exp(x)).",
    "softsign": "x / (1 + |x|).",
    "swish": "x * sigmoid(x).",
    "silu": "x * sigmoid(x) (the same as swish).",
    "gelu": "Gaussian error linear unit.",
    "exponential": "exp(x).",
    "hard_sigmoid": "a piecewise-linear sigmoid: relu6(x + 3) / 6.",
    "relu6": "min(max(x, 0), 6).",
    "leaky_relu": "x if x > 0 else 0.2 * x.",
    "mish": "x * tanh(softplus(x)).",
    "log_softmax": "log of softmax.",
}

LOSS_MEANINGS = {
    "binary_crossentropy": ("two classes, one sigmoid output.", "keras.losses.BinaryCrossentropy"),
    "categorical_crossentropy": ("one-hot labels, a softmax output.",
                                 "keras.losses.CategoricalCrossentropy"),
    "sparse_categorical_crossentropy": ("integer labels, a softmax output.",
                                        "keras.losses.SparseCategoricalCrossentropy"),
    "mean_squared_error": ("regression: mean of squared differences.",
                           "keras.losses.MeanSquaredError"),
    "mean_absolute_error": ("regression: mean of absolute differences.",
                            "keras.losses.MeanAbsoluteError"),
}  # fmt: skip

OPTIMIZER_CLASSES = {
    "rmsprop": "RMSprop",
    "adam": "Adam",
    "adamw": "AdamW",
    "sgd": "SGD",
    "nadam": "Nadam",
}

# Options written NAME=VALUE, by the statement (a layer keyword or another statement word).
OPTIONS = {
    "dwconv": {"depth_multiplier": "outputs per input channel (Keras depth_multiplier)."},
    "sepconv": {"depth_multiplier": "outputs per input channel of the depthwise step."},
    "zeropad": {side: f"rows or columns of zeros at the {side}." for side in
                ("top", "bottom", "left", "right")},
    "batchnorm": {"momentum": "momentum of the moving averages (Keras default 0.99).",
                  "epsilon": "added to the variance (Keras default 0.001)."},
    "rescale": {"offset": "added after scaling: y = x * scale + offset."},
    "base": {"weights": "imagenet, a weight file path, or none (random)."},
    "optimizer": {"lr": "the learning rate (default: Keras's)."},
}  # fmt: skip


@lru_cache(maxsize=1)
def all_docs() -> dict[str, Doc]:
    """Every word with its meaning (a word in several groups keeps the most specific)."""
    docs: dict[str, Doc] = {}
    for word, (meaning, keras) in STATEMENT_MEANINGS.items():
        docs[word] = Doc(word, "statement", meaning, keras)
    for kind in KINDS:
        for word in kind.keywords:
            meaning = LAYER_MEANINGS.get(kind.kind, "a layer.")
            example = f" Example: `{kind.example}`." if kind.example else ""
            docs[word] = Doc(word, "layer", meaning + example, f"layers.{kind.keras_class}")
    for name in vocab.METRICS:
        docs[name] = Doc(name, "metric", "reported each epoch.", f'metrics=["{name}"]')
    for name in vocab.CHECKPOINT_MONITORS:
        docs[name] = Doc(name, "monitor", "the value the checkpoint watches.",
                         f'ModelCheckpoint(monitor="{name}")')  # fmt: skip
    for name in vocab.STRATEGIES:
        docs[name] = Doc(name, "strategy", STATEMENT_MEANINGS["strategy"][0])
    for name in vocab.PRECISIONS:
        docs[name] = Doc(name, "precision", STATEMENT_MEANINGS["precision"][0],
                         f'keras.mixed_precision.set_global_policy("{name}")')  # fmt: skip
    for name, pre in vocab.PREPROCESSING.items():
        docs[name] = Doc(name, "preprocessing", pre.comment + ".", pre.keras_function)
    for name, lr in vocab.OPTIMIZERS.items():
        cls = OPTIMIZER_CLASSES.get(name, name)
        docs[name] = Doc(name, "optimizer", f"Keras's {cls}, default learning rate {lr:g}.",
                         f"keras.optimizers.{cls}(learning_rate={lr:g})")  # fmt: skip
    for name in vocab.LOSSES:
        meaning, keras = LOSS_MEANINGS.get(name, ("a Keras loss.", f'loss="{name}"'))
        docs[name] = Doc(name, "loss", meaning, keras)
    for name in vocab.ACTIVATIONS:
        meaning = ACTIVATION_MEANINGS.get(name, "a Keras activation.")
        docs[name] = Doc(name, "activation", meaning, f'activation="{name}"')
    return docs


def doc_for(word: str) -> Doc | None:
    return all_docs().get(word)
