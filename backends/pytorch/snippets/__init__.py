"""Real, linted Python from which the emitted files take their helper definitions by name.

The emitters never import these modules (they would import torch); they read their source and
copy the definitions a model needs (see :mod:`specdsl.backends.source`).
"""
