"""Command-line interface (typer). ``specdsl`` and ``python -m specdsl`` run :func:`main`.

The typer app is ``specdsl.cli.app.app``. ``main`` sends ``specdsl run`` straight to its
argparse front end (:mod:`specdsl.run.cli`) without importing typer, rich or the IR, so that
classifying an image starts fast; every other command goes through the typer app.
"""

import sys


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "run":
        from specdsl.run.cli import main as run_main

        sys.exit(run_main(sys.argv[2:]))
    from specdsl.cli.app import main as app_main

    app_main()


__all__ = ["main"]
