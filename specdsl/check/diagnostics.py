"""Diagnostics, under the import path that emitted packages use.

Emitted ``train.py`` files (and packages built by earlier versions) import
``specdsl.check.diagnostics``; the diagnostics live in :mod:`specdsl.diagnostics`, where the
syntax and the checks both use them. Nothing is defined here.
"""

from specdsl.diagnostics import (  # noqa: F401  (the emitted code's API)
    Diagnostic,
    Diagnostics,
    SpecError,
)
