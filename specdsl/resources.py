"""Find files that ship with specdsl (grammar, zoo specs) both installed and in a checkout."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent
_REPO = _PKG.parent

# (inside the installed package, inside a source checkout)
_LOCATIONS = {
    "grammars": (_PKG / "grammars", _REPO / "grammars"),
    "zoo": (_PKG / "zoo", _REPO / "specs" / "zoo"),
}


def resource_path(kind: str, name: str) -> Path:
    for folder in _LOCATIONS[kind]:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"specdsl is missing its {kind} file {name!r}; reinstall specdsl")


def resource_names(kind: str, suffix: str) -> list[str]:
    for folder in _LOCATIONS[kind]:
        if folder.is_dir():
            return sorted(p.stem for p in folder.glob(f"*{suffix}"))
    return []
