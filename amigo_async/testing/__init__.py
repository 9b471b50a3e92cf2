"""A strict fake Amigo server for tests, demos and local development.

    async with FakeAmigoServer() as fake:
        async with fake.client() as client:
            await client.admin.get_models()

Also runnable as ``python -m amigo_async.testing``.
"""

from ._faults import Fault, FaultKind
from ._server import FakeAmigoServer, RecordedRequest

__all__ = ["FakeAmigoServer", "Fault", "FaultKind", "RecordedRequest"]
