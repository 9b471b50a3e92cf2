"""The rules resources used to enforce, now judged by the one validation pass: the client
raises naming the field and sends nothing, and the fake answers 422 to the same raw
request (it runs the same pass). The tool repo's operations, which the snapshot leaves
out, are judged from their hand-written facts (`amigo_async._undescribed`) on both sides.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from typing import Any, NamedTuple

import aiohttp
import pytest
from _wrong_values import requests
from hostile import json_response, serve
from images import png

from amigo_async import AmigoClient
from amigo_async._request import FormFile
from amigo_async._spec import OPERATIONS
from amigo_async._validation import described
from amigo_async.testing import FakeAmigoServer

_SAMPLES = dict(requests())
_ID = "a" * 24
_NAIVE = "2024-01-02T03:04:05"

Parts = tuple[dict[str, Any], dict[str, Any], Any]


class Case(NamedTuple):
    operation_id: str
    change: Callable[[Parts], Parts]
    error: type[Exception]
    message: str  # a regex the message starts with


def _sample(operation_id: str) -> Parts:
    request = _SAMPLES.get(operation_id)
    if request is None:  # a tool repo operation: not in the snapshot
        return {}, {}, None
    return copy.deepcopy((request.path, request.query, request.body))


def _body(**changes: Any) -> Callable[[Parts], Parts]:
    def change(parts: Parts) -> Parts:
        path, query, body = parts
        return path, query, {**(body or {}), **changes}

    return change


def _query(**changes: Any) -> Callable[[Parts], Parts]:
    def change(parts: Parts) -> Parts:
        path, query, body = parts
        return path, {**query, **changes}, body

    return change


def _path(**changes: Any) -> Callable[[Parts], Parts]:
    def change(parts: Parts) -> Parts:
        path, query, body = parts
        return {**path, **changes}, query, body

    return change


def _input(**fields: Any) -> list[dict[str, Any]]:
    base = {
        "input_parameters": {},
        "invocation_mode": "regular",
        "nonsensitive_user_variables": {},
        "sensitive_user_variables": {},
    }
    return [{**base, **fields}]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


CASES = {
    # tools.py: _check_inputs, _check_user_variables, _check_envvars, _check_envvar_items
    "inputs: more than 10": Case(
        "test-tool", _body(inputs=_input() * 11), ValueError, r"body\.inputs must hold at most 10"
    ),
    "inputs: an unknown invocation mode": Case(
        "invoke-tool-version",
        _body(inputs=_input(invocation_mode="batch")),
        ValueError,
        r"body\.inputs\[0\]\.invocation_mode must be one of",
    ),
    "inputs: a user variable name outside the pattern": Case(
        "invoke-tool-version",
        _body(inputs=_input(nonsensitive_user_variables={"Bad-Name": "v"})),
        ValueError,
        r"body\.inputs\[0\]\.nonsensitive_user_variables\.Bad-Name must match",
    ),
    "inputs: a user variable value that is not text": Case(
        "invoke-tool-version",
        _body(inputs=_input(sensitive_user_variables={"api_key": 5})),
        TypeError,
        r"body\.inputs\[0\]\.sensitive_user_variables\.api_key must be a str",
    ),
    "required envvars: a blank name": Case(
        "test-tool",
        _body(required_secret_envvars={" ": "v"}),
        ValueError,
        r"body\.required_secret_envvars\.  is a blank name",
    ),
    "envvar changes: a name outside [A-Z_]+": Case(
        "modify-tool-envvars",
        _body(inserts=[{"name": "lower", "value": "v", "is_secret": False}]),
        ValueError,
        r"body\.inserts\[0\]\.name must match",
    ),
    # organization.py: _check_images
    "organization: a logo too small": Case(
        "create-organization",
        _body(logo=_b64(png(100, 40))),
        ValueError,
        r"body\.logo must be a PNG image",
    ),
    "organization: a favicon that is not base64": Case(
        "modify-organization",
        _body(favicon="not base64!"),
        ValueError,
        r"body\.favicon must be base64",
    ),
    # conversations.py: interact's skip, text, external events, audio config
    "interact: a skip with a message": Case(
        "interact-with-conversation",
        _body(
            initial_message_type="skip",
            recorded_message="hi",
            external_event_message_content=[],
            external_event_message_timestamp=[],
        ),
        ValueError,
        r"body\.recorded_message must be at most 0 characters",
    ),
    "interact: a blank text message": Case(
        "interact-with-conversation",
        _body(recorded_message="   "),
        ValueError,
        r"body\.recorded_message must not be blank",
    ),
    "interact: an event without its timestamp": Case(
        "interact-with-conversation",
        _body(external_event_message_timestamp=[]),
        ValueError,
        r"body\.external_event_message_timestamp must give one timestamp per content",
    ),
    "interact: a naive event timestamp": Case(
        "interact-with-conversation",
        _body(external_event_message_timestamp=[_NAIVE]),
        ValueError,
        r"body\.external_event_message_timestamp\[0\] must be a timezone-aware",
    ),
    "interact: an empty event": Case(
        "interact-with-conversation",
        _body(external_event_message_content=[""]),
        ValueError,
        r"body\.external_event_message_content\[0\] must be at least 1 character",
    ),
    "interact: a PCM frame rate out of bounds": Case(
        "interact-with-conversation",
        _query(
            request_format="voice",
            request_audio_config='{"type":"pcm","frame_rate":3000,"n_channels":1,"sample_width":2}',
        ),
        ValueError,
        r"request_audio_config\.frame_rate must be at least 4000",
    ),
    # admin.py: sql_query's type, the prompt-log prefix
    "sql query: not text": Case(
        "submit-sql-query", _body(sql_query=5), TypeError, r"body\.sql_query must be a str"
    ),
    "prompt logs: an empty prefix": Case(
        "get-prompt-logs",
        _query(prompt_log_prefix=""),
        ValueError,
        r"prompt_log_prefix must not be empty",
    ),
    "prompt logs: a prefix with NUL": Case(
        "get-prompt-logs",
        _query(prompt_log_prefix="a\x00b"),
        ValueError,
        r"prompt_log_prefix must not contain NUL",
    ),
    # roles: a condition whose defaulted tag is left out must fit exactly one kind
    "role: an untagged condition that fits two kinds": Case(
        "create-role",
        _body(permission_grants=[{"permission_name": "p", "conditions": {"c": {"value": 1}}}]),
        ValueError,
        r"body\.permission_grants\[0\]\.conditions\.c\.type is required",
    ),
    # tool_repo.py: _check_ref, _check_path, file_paths, datetimes, flags (hand-written facts)
    "repo: more than 5 files": Case(
        "get-tool-repo-files",
        _body(file_paths=["a"] * 6),
        ValueError,
        r"body\.file_paths must hold at most 5",
    ),
    "repo: a blank file path": Case(
        "get-tool-repo-files",
        _body(file_paths=["a", " "]),
        ValueError,
        r"body\.file_paths\[1\] must not be empty",
    ),
    "repo: a blank ref": Case(
        "get-tool-repo-file-content",
        lambda parts: ({"file_path": "a"}, {"ref": " "}, None),
        ValueError,
        r"ref must not be empty",
    ),
    "repo: NUL in a path": Case(
        "get-tool-repo-directory",
        _path(directory_path="a\x00b"),
        ValueError,
        r"directory_path must not contain NUL",
    ),
    "repo: a naive commit date": Case(
        "get-tool-repo-commits",
        _query(committed_on_or_after=_NAIVE),
        ValueError,
        r"committed_on_or_after must be a timezone-aware",
    ),
    "repo: a flag that is not a bool": Case(
        "get-tool-repo-directory",
        lambda parts: ({"directory_path": ""}, {"include_last_commit_info": "maybe"}, None),
        TypeError,
        r"include_last_commit_info must be a bool",
    ),
    "repo: a branch name of blanks": Case(
        "get-tool-repo-branch", _path(branch_name=" "), ValueError, r"branch_name must not be empty"
    ),
}


def _form(body: dict[str, Any]) -> dict[str, Any]:
    return {
        name: FormFile(value.encode(), "m.mp3", "audio/mpeg") if name == "audio" else value
        for name, value in body.items()
    }


@pytest.mark.parametrize("name", sorted(CASES))
async def test_the_client_refuses_naming_the_field_and_sends_nothing(name: str) -> None:
    case = CASES[name]
    path, query, body = case.change(_sample(case.operation_id))

    async def anything(_: object) -> object:
        return json_response({})

    async with (
        serve(anything) as server,
        AmigoClient(organization="acme", base_url=server.url, token="t") as client,
    ):
        transport = client._transport
        with pytest.raises(case.error, match=rf"^{case.message}"):
            if case.operation_id == "interact-with-conversation":
                await transport.request_json(
                    case.operation_id, dict, path_params=path, params=query, form=_form(body)
                )
            else:
                await transport.request_none(
                    case.operation_id, path_params=path, params=query, json_body=body
                )
        assert server.requests == []


def _url(fake: FakeAmigoServer, operation_id: str, path: dict[str, Any]) -> str:
    return fake.url + "/v1/acme" + OPERATIONS[operation_id].path.format(**path)


def _multipart(body: dict[str, Any]) -> aiohttp.FormData:
    data = aiohttp.FormData(default_to_multipart=True)
    for name, value in body.items():
        for item in value if isinstance(value, list) else [value]:
            data.add_field(name, item)
    return data


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if described(c.operation_id)))
async def test_the_fake_answers_422_to_the_same_raw_request(name: str) -> None:
    case = CASES[name]
    path, query, body = case.change(_sample(case.operation_id))
    operation = OPERATIONS[case.operation_id]
    async with FakeAmigoServer() as fake, aiohttp.ClientSession() as session:
        options: dict[str, Any] = {"params": [(k, str(v)) for k, v in query.items()]}
        if case.operation_id == "interact-with-conversation":
            options["data"] = _multipart(body)
        elif body is not None:
            options["data"] = json.dumps(body)
            options["headers"] = {"Content-Type": "application/json"}
        headers = {"Authorization": f"Bearer {fake.token}", **options.pop("headers", {})}
        async with session.request(
            operation.method, _url(fake, case.operation_id, path), headers=headers, **options
        ) as response:
            answer = await response.json()
    assert response.status == 422, answer
    assert answer["detail"], answer
