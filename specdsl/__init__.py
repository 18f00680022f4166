"""specdsl: a declarative model-spec compiler for convolutional networks."""

__version__ = "0.1.0"


def __getattr__(name: str):
    """``specdsl.load(...)`` (notebooks), imported on first use: ``import specdsl`` stays light."""
    if name == "load":
        from specdsl.notebook import load

        return load
    raise AttributeError(f"module 'specdsl' has no attribute {name!r}")
