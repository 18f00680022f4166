"""The zoo of pretrained bases (``base vgg16``): each one a spec under ``specs/zoo/``.

This module only knows where the zoo's specs are; :func:`specdsl.syntax.parse.load_zoo_spec`
parses one (so that parsing does not import itself through the zoo).
"""

from __future__ import annotations

from pathlib import Path

from specdsl.resources import resource_names, resource_path


def zoo_names() -> list[str]:
    return resource_names("zoo", ".spec")


def zoo_path(arch: str) -> Path | None:
    """The zoo spec file for ``arch``, or None when the zoo has no such model."""
    if arch not in zoo_names():
        return None
    return resource_path("zoo", f"{arch}.spec")
