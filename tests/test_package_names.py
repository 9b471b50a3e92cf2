"""Each fact written once: the public names of the package, its version, its limits."""

from __future__ import annotations

import ast
import importlib.metadata
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import amigo_async
import amigo_async.jobs
from amigo_async import DOCUMENTED_RATE_LIMITS, AmigoClient

INIT = Path(amigo_async.__file__)


def _type_checking_names(package: ModuleType) -> set[str]:
    """The names the TYPE_CHECKING block of a package's __init__.py imports: what mypy sees."""
    assert package.__file__ is not None
    tree = ast.parse(Path(package.__file__).read_text("utf-8"))
    block = next(node for node in tree.body if isinstance(node, ast.If))
    return {
        alias.asname or alias.name
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


@pytest.mark.parametrize("package", [amigo_async, amigo_async.jobs], ids=lambda p: p.__name__)
def test_every_public_name_loads_and_all_is_the_type_checkers_list(package: ModuleType) -> None:
    assert sorted(package.__all__) == sorted(_type_checking_names(package))
    for name in package.__all__:
        assert getattr(package, name) is not None
    assert set(package.__all__) <= set(dir(package))
    with pytest.raises(AttributeError):
        _ = package.NoSuchName


def test_import_stays_lazy_and_star_import_gives_every_name() -> None:
    program = (
        "import sys, amigo_async\n"
        "assert 'aiohttp' not in sys.modules, 'import amigo_async loaded aiohttp'\n"
        "amigo_async.AmigoClient('acme', token='t')\n"
        "assert 'amigo_async.jobs.export' not in sys.modules, 'a client loaded every job'\n"
        "namespace = {}\n"
        "exec('from amigo_async import *', namespace)\n"
        "assert 'RedisBackend' in namespace and 'AmigoClient' in namespace\n"
    )
    subprocess.run([sys.executable, "-c", program], check=True, timeout=60)


def test_the_version_is_written_once() -> None:
    assert amigo_async.__version__ == importlib.metadata.version("amigo_async")
    literal = f'"{amigo_async.__version__}"'
    files = [INIT.parent.parent / "pyproject.toml", *INIT.parent.rglob("*.py")]
    written = [path.name for path in files if literal in path.read_text("utf-8")]
    assert written == ["_version.py"]


def test_the_documented_limits_are_the_clients_default_limits() -> None:
    client = AmigoClient("acme", token="t")
    assert {name: client.rate_limit(name) for name in DOCUMENTED_RATE_LIMITS} == dict(
        DOCUMENTED_RATE_LIMITS
    )
