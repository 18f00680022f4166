"""The Keras weight-file reader, under the import path that emitted packages use.

Emitted ``train.py`` files (and packages built by earlier versions) import
``specdsl.weights.keras_files``; the reader itself lives with the Keras target, beside its
writer: :mod:`specdsl.backends.keras.weights`. Nothing is defined here.
"""

from specdsl.backends.keras.weights import (  # noqa: F401  (the emitted code's API)
    IMAGENET_FILES,
    imagenet_weights_file,
    keras_cache_dirs,
    read_keras_weights,
)
