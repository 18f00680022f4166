"""``specdsl lsp``: the language server on stdin/stdout (for editors)."""

from __future__ import annotations

from specdsl.cli.app import app
from specdsl.cli.common import EXIT_USAGE, fail


@app.command()
def lsp() -> None:
    """Run the language server over stdio: diagnostics, hovers, completion, formatting."""
    try:
        from specdsl.lsp.server import serve
    except ImportError as e:
        fail(f"specdsl lsp needs {e.name or 'pygls'}: pip install 'specdsl[lsp]'", EXIT_USAGE)
    serve()
