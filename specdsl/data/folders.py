"""Lecture-style image folders: ``train/``, ``validation/``, ``test/``, one subfolder per class.

Labels come from the sorted class folder names, as ``image_dataset_from_directory`` and
torchvision's ``ImageFolder`` both do. Validation gives one clear line naming the folder or
file at fault.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from specdsl.data import DataError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif")


@dataclass
class ImageFolder:
    root: Path
    classes: list[str]
    splits: dict[str, list[tuple[Path, int]]] = field(default_factory=dict)

    def count(self, split: str) -> int:
        return len(self.splits.get(split, []))


def _images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def scan_image_folder(
    root: str | Path,
    splits: tuple[str, ...] = ("train", "validation", "test"),
    required: tuple[str, ...] = ("train", "validation"),
    verify: bool = True,
) -> ImageFolder:
    """Scan and check the folder; ``verify`` decodes every image header with Pillow."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"{root}: no such data folder")
    found = ImageFolder(root, classes=[])
    for split in splits:
        folder = root / split
        if not folder.is_dir():
            if split in required:
                raise DataError(
                    f"{folder}: missing (an image folder needs {', '.join(required)}/ with one "
                    "subfolder per class)"
                )
            continue
        classes = sorted(p.name for p in folder.iterdir() if p.is_dir())
        if not classes:
            raise DataError(f"{folder}: no class subfolders (expected e.g. {folder}/cat/*.jpg)")
        if not found.classes:
            found.classes = classes
        elif classes != found.classes:
            raise DataError(
                f"{folder}: class folders {classes} differ from {found.classes} in the other splits"
            )
        items: list[tuple[Path, int]] = []
        for label, name in enumerate(classes):
            images = _images(folder / name)
            if not images:
                raise DataError(f"{folder / name}: class folder has no images")
            items.extend((p, label) for p in images)
        found.splits[split] = items
    if verify:
        for items in found.splits.values():
            verify_images(p for p, _ in items)
    return found


def verify_images(paths) -> None:
    """Raise DataError naming the first file Pillow cannot decode."""
    from PIL import Image, UnidentifiedImageError

    for path in paths:
        try:
            with Image.open(path) as im:
                im.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
            raise DataError(f"{path}: not a readable image ({e})") from None


def check_classes(folder: ImageFolder, spec_classes: tuple[str, ...]) -> None:
    """The spec's ``classes`` (if given) must be the folder's class names, in sorted order."""
    if spec_classes and list(spec_classes) != folder.classes:
        raise DataError(
            f"{folder.root}: class folders {folder.classes} do not match the spec's classes "
            f"{list(spec_classes)}"
        )
