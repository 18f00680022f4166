"""``specdsl.backends``: the targets, kept in the repository's top-level ``backends/`` folder.

A wheel packages ``backends/`` as this very package (``force-include`` in pyproject.toml) and
leaves this file out. In a source checkout and in an editable install this module stands in
for it: its package path is ``backends/`` beside ``specdsl/``, so ``specdsl.backends.keras``
and the others import from there. No symlink is needed, so a checkout works where git cannot
make one (a Windows clone).
"""

from pathlib import Path

_FOLDER = Path(__file__).resolve().parent.parent / "backends"
__path__ = [str(_FOLDER)]  # a package: submodules are found in backends/
