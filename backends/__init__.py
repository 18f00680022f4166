"""Code generators and runtimes, one subpackage per target, installed as ``specdsl.backends``."""
