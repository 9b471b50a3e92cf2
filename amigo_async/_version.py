"""The package's version, written only here: pyproject.toml reads it (`tool.hatch.version`).

A literal rather than `importlib.metadata`, whose import alone costs more than
building a client.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
