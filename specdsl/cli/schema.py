"""``specdsl schema``: the JSON Schema of the IR."""

from __future__ import annotations

import json

from specdsl.cli.app import app


@app.command()
def schema() -> None:
    """Print the JSON Schema of the IR (the ModelSpec root)."""
    from specdsl.ir import ModelSpec

    print(json.dumps(ModelSpec.model_json_schema(), indent=2))
