"""Weights: specdsl's backend-neutral checkpoint and converters from framework files."""
