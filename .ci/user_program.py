"""A small user program: CI type-checks it with `mypy --strict` against the installed wheel."""

import asyncio

from amigo_async import AmigoClient, AsyncPager, errors
from amigo_async.models import Tool
from amigo_async.testing import FakeAmigoServer


async def main() -> None:
    async with FakeAmigoServer() as fake, fake.client() as client:
        organization = await client.organization.get()
        name: str = organization.org_name
        tools: AsyncPager[Tool] = client.tools.list(max_items=3)
        async for tool in tools:
            print(name, tool.name)
        try:
            await client.admin.get_models()
        except errors.AmigoError as error:
            print(error.operation_id, error.status)


async def with_a_token(token: str) -> None:
    async with AmigoClient("acme", token=token, trust_env=True) as client:
        print(await client.admin.get_models())


if __name__ == "__main__":
    asyncio.run(main())
