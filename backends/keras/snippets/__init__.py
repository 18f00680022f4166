"""Real, linted Python from which the Keras ``train.py`` takes its definitions by name.

The emitter never imports these modules (they would import Keras); it reads their source and
copies the definitions a spec needs (see :mod:`specdsl.backends.source`).
"""
