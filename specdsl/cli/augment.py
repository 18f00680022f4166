"""``specdsl augment SPEC IMAGE -o grid.png``: nine random augmentations of one image in a
3x3 grid (the lecture's Figure 8.10), as a backend applies the spec's augmentation."""

from __future__ import annotations

from pathlib import Path

import typer

from specdsl.cli.app import app
from specdsl.cli.common import EXIT_SPEC, EXIT_USAGE, fail, load_checked

BACKENDS = ("keras", "pytorch")


def _backends(incomplete: str) -> list[str]:
    return [b for b in BACKENDS if b.startswith(incomplete)]


@app.command()
def augment(
    file: Path = typer.Argument(..., help="The spec file (with an 'augment' statement)."),
    image: Path = typer.Argument(..., help="An image file (JPEG, PNG, BMP, GIF)."),
    output: Path = typer.Option(Path("augment.png"), "--output", "-o", help="The PNG to write."),
    backend: str = typer.Option(
        "keras", "--backend", "-b", help="keras or pytorch.", autocompletion=_backends
    ),
    seed: int | None = typer.Option(None, "--seed", help="Random seed (default: a fresh one)."),
    scale: int = typer.Option(
        1, "--scale", min=1, max=16, help="Enlarge each tile N times (small inputs like 28x28)."
    ),
) -> None:
    """Draw nine random augmentations of an image in a 3x3 grid (Figure 8.10).

    Each tile has the spec's input size and is augmented as the backend's training does it.
    """
    from specdsl.review import augment_grid as ag

    if backend not in BACKENDS:
        fail(f"unknown backend '{backend}' (keras or pytorch)", EXIT_USAGE)
    a = load_checked(file)
    if not ag.augment_kinds(a):
        fail(
            f"{file}: the spec has no augmentation to show; add a line such as "
            "'augment flip horizontal; rotate 0.1; zoom 0.2'",
            EXIT_SPEC,
        )
    if not image.is_file():
        what = f"no such image file: {image}" if not image.exists() else f"{image} is a folder"
        fail(what, EXIT_USAGE)
    if output.is_dir():
        fail(f"{output} is a folder; give the PNG file to write", EXIT_USAGE)
    if not output.parent.is_dir():
        fail(f"{output}: no folder {output.parent} to write it in", EXIT_USAGE)
    try:
        _, tiles = ag.augment_images(file, image, backend, seed)
        ag.save_png(ag.grid_image(tiles, scale), output)
    except ag.PreviewError as e:
        fail(str(e), EXIT_SPEC)
    except OSError as e:
        fail(f"{output}: cannot write it ({e.strerror or e})", EXIT_SPEC)
    h, w, _ = tiles.shape[1:]
    typer.echo(f"{output}: {len(tiles)} augmentations of {image} ({h}x{w}, {backend})")
