"""A strict fake Amigo server for tests, demos and local development.

    async with FakeAmigoServer() as fake:
        async with fake.client() as client:
            await client.admin.get_models()

Also runnable as ``python -m amigo_async.testing``, which prints the ``AMIGO_*``
variables and the seeded ids (`FakeAmigoServer.seeds`) a user needs.
"""

from ._faults import Fault, FaultKind
from ._seeds import Seeds, announce
from ._server import FakeAmigoServer, RecordedRequest

__all__ = ["FakeAmigoServer", "Fault", "FaultKind", "RecordedRequest", "Seeds", "announce"]
