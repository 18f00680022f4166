"""The zoo of pretrained bases (``base vgg16``): each one a spec under ``specs/zoo/``."""

from __future__ import annotations

from functools import cache

from specdsl import ir
from specdsl.resources import resource_names, resource_path


def zoo_names() -> list[str]:
    return resource_names("zoo", ".spec")


@cache
def load_zoo_spec(arch: str) -> ir.ModelSpec | None:
    """The zoo spec for ``arch``, or None when the zoo has no such model."""
    if arch not in zoo_names():
        return None
    from specdsl.syntax.parse import parse_file

    return parse_file(resource_path("zoo", f"{arch}.spec"))
