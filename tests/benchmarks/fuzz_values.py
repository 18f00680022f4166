"""Values the fuzzer draws from: extreme numbers, the language's words, values per grammar
terminal, unicode that breaks things, and every spec of the repository."""

from __future__ import annotations

from tests.benchmarks.fuzz_oracle import ROOT

EXTREME_NUMBERS = (
    "0",
    "-1",
    "1" + "0" * 5000,  # 10**5000: past int()'s 4300-digit limit
    "1e999",
    "-1e999",
    "nan",
    "inf",
    "1e-999",
    "0.0",
    "-0",
    "00",
    "9" * 20,
    "4294967297",
    "9223372036854775808",
    "0.9999999999999999",
    "1.5",
    ".5",
    "5.",
    "1e5",
    "1" * 40 + ".5",
)

WORDS = (
    "model input classes conv dwconv sepconv zeropad pool avgpool globalavgpool globalmaxpool "
    "gap gmp flatten dense dropout batchnorm bn activation rescale preprocess same valid "
    "nobias augment flip horizontal vertical horizontal_and_vertical rotate zoom contrast "
    "translate base freeze unfreeze loss optimizer metrics epochs batch checkpoint best none "
    "strategy stage features fit relu sigmoid softmax tanh linear elu selu softplus softsign "
    "swish silu gelu exponential hard_sigmoid relu6 leaky_relu mish log_softmax "
    "binary_crossentropy categorical_crossentropy sparse_categorical_crossentropy "
    "mean_squared_error mean_absolute_error rmsprop adam adamw sgd nadam accuracy "
    "binary_accuracy sparse_categorical_accuracy auc precision recall caffe tf torch vgg16 "
    "resnet50 imagenet weights lr momentum epsilon depth_multiplier offset top bottom left "
    "right val_loss val_accuracy conv2d conv2d_1 max_pooling2d dense_1 block1_conv1 "
    "block5_conv1 block5_pool input_1 x y cat dog a.b-c _"
).split()

TERMINAL_VALUES: dict[str, tuple[str, ...]] = {
    "INT": ("0", "1", "2", "3", "4", "8", "10", "16", "32", "64", "255", "256", "1000")
    + ("9" * 20, "1" + "0" * 5000, "007"),
    "SIGNED_INT": ("0", "1", "-1", "-4", "4", "+2", "-0", "22", "-23", "99", "-99", "9" * 30),
    "FLOAT": ("0.5", "0.1", "0.25", "1.0", "1e-5", "0.", ".5", "1e999", "1e-999", "2.5e3")
    + ("0.9999999999999999", "1" * 40 + ".0", "0.0"),
    "NEG_NUMBER": ("-1", "-0.5", "-1e999", "-0", "-.5", "-1e-5"),
    "SHAPE": ("28x28x1", "180x180x3", "32x32x3", "4x4x1", "1x1x1", "2x2", "0x0x0", "5x5x0")
    + ("28x28x1x1", "1x100000x1", "9999999999x9999999999x3", "3x" + "9" * 30 + "x3"),
    "KERNEL": ("k1", "k2", "k3", "k5", "k3x5", "k0", "k100", "k1x9", "k" + "9" * 25),
    "STRIDE": ("s1", "s2", "s3", "s1x2", "s0", "s100", "s" + "9" * 25),
    "NAME": tuple(WORDS) + ("x" * 300, "A_b.c-d", "conv2d_99999", "Z"),
    "STRING": ('"cat"', '"a b"', '""', '"\\""', '"\\\\"', '"w.h5"', '"é ✓"', '"a#b"', '"\\n"'),
    "MERGE_OP": ("add", "concat", "multiply"),
    "PATH": ("./w.h5", "~/weights.h5", "/abs/path.weights.h5", ".", "/", "./a#b"),
    "COMMENT": ("# c", "#", '# "q', "# ; x"),
    "WS": (" ", "\t", "  ", "\f"),
    "_NL": ("\n", "\r\n", "\n\n"),
}

UNICODE_BITS = (
    "\u0301",  # combining acute accent
    "\u0338",  # combining long solidus overlay
    "\u202e",  # right-to-left override
    "\u200f",  # right-to-left mark
    "\u200b",  # zero-width space
    "\u2066",  # left-to-right isolate
    "\udcff",  # a lone surrogate, as surrogateescape makes of byte 0xff
    "\ud800",  # a lone high surrogate
    "\x00",
    "\ufeff",  # BOM (here: in the middle, or at the start)
    "\u2028",  # line separator (str.splitlines splits there, the grammar does not)
    "\u2029",
    "\x85",
    "\x0b",
    "\x0c",
    "\x1c",
    "\r",
    "\r\n",
    "\t",
    "\u00a0",  # no-break space
    "\u3000",  # ideographic space
    "\uff11",  # fullwidth digit one (\d matches it)
    "\u0663",  # arabic-indic digit three
    "\U0001d7d9",  # mathematical double-struck digit one
    "\u0131",  # dotless i
    "\u212a",  # Kelvin sign (case-folds to k)
    "\U0001f600",
    "é",
    "ẞ",
)


def repo_specs() -> list[tuple[str, str]]:
    """(path, text) of every spec in the repository: specs/** and tests/**."""
    paths = sorted({*ROOT.glob("specs/**/*.spec"), *ROOT.glob("tests/**/*.spec")})
    seen: set[str] = set()
    out = []
    for p in paths:
        text = p.read_text(encoding="utf-8")
        if text not in seen:
            seen.add(text)
            out.append((str(p.relative_to(ROOT)), text))
    return out
