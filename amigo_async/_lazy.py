"""Public names that load on first use (PEP 562), listed once: in a TYPE_CHECKING block.

A package's ``__init__`` writes its public names as ``from .x import Name as Name``
under ``if TYPE_CHECKING:``; type checkers read that block, and so does
`LazyNames`, from the file's text, the first time a name is asked for. Nothing
is imported until then.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

__all__ = ["LazyNames"]


class LazyNames:
    """A package's ``__getattr__`` and ``__dir__``, read off its TYPE_CHECKING imports."""

    def __init__(self, package: str, init_file: str, namespace: dict[str, object]) -> None:
        self._package = package
        self._file = Path(init_file)
        self._namespace = namespace
        self._sources: dict[str, tuple[str, str | None]] = {}

    def sources(self) -> dict[str, tuple[str, str | None]]:
        """Public name -> (module, attribute; None when the name is a submodule)."""
        if not self._sources:
            tree = ast.parse(self._file.read_text("utf-8"))
            block = next(node for node in tree.body if isinstance(node, ast.If))
            for node in block.body:
                if not isinstance(node, ast.ImportFrom):
                    raise TypeError(f"{self._file}: only `from ... import` in the name list")
                for alias in node.names:
                    local = alias.asname or alias.name
                    if node.module is None:  # `from . import errors`: a submodule
                        self._sources[local] = ("." * node.level + alias.name, None)
                    else:
                        self._sources[local] = ("." * node.level + node.module, alias.name)
        return self._sources

    def getattr(self, name: str) -> object:
        """Load a public name from its module on first use, then keep it in the package."""
        if name == "__all__":
            value: object = sorted(self.sources())
        else:
            source = self.sources().get(name)
            if source is None:
                raise AttributeError(f"module {self._package!r} has no attribute {name!r}")
            module_name, attribute = source
            module = importlib.import_module(module_name, self._package)
            value = module if attribute is None else getattr(module, attribute)
        self._namespace[name] = value
        return value

    def dir(self) -> list[str]:
        return sorted({*self._namespace, *self.sources()})
