"""Extract the facts of the OpenAPI snapshot into the package, and write code from them.

    python scripts/generate_api.py PATH/amigo-openapi.json   # new snapshot: data and code
    python scripts/generate_api.py                           # code from the in-repo data
    python scripts/generate_api.py --check [PATH]            # exit 1 when a file is stale

What it writes (every file says it is generated):

* ``amigo_async/_generated/api.json`` and ``schemas.txt``: the snapshot's paths,
  operations, parameters, request and response schemas and components with every prose
  field removed (descriptions, summaries, titles, examples) and the facts the prose states
  turned into data: ``x-limit-per-minute`` on an operation (its 429 text),
  ``x-sort-fields`` on a ``sort_by`` parameter. The named schemas
  (``components.schemas``) are in ``schemas.txt``, one ``name<TAB>json`` line each, so the
  client decodes only those its calls name; ``api.json`` holds the rest. The repository
  needs nothing else: ``--check`` without a path regenerates the code from these files;
  given a path, it checks them too. `amigo_async._validation` checks requests against
  these schemas.
* ``amigo_async/_spec_rows.py``: one row per operation (id, method, path, limit, area,
  authentication, paging facts). ``amigo_async/_spec.py`` turns them into `Operation`s.
* ``amigo_async/models/<area>.py`` for the areas named in `MODEL_AREAS`, and
  ``models/_common.py`` for the schemas several of them share: frozen attrs classes
  for every request and response schema of those areas and what they nest.

What the snapshot cannot say is in small tables below, each entry with its reason:
`CLASS_NAMES` and `OLD_NAMES` (the public names), `SAME_CLASS` (one class for a request
schema and its answer twin), `LENIENT_FIELDS` (answers read with a default),
`CLIENT_DEFAULTS` (request fields the client fills in), `SECRET_FIELDS` (reprs), and
`BEHAVIOUR`/`HAND_WRITTEN_UNIONS` (the hand-written parts in ``models/_behaviour.py``).

Standard library only; the code depends on the data alone, so the test in
``tests/test_generated_api.py`` can run this in memory and compare.
"""

from __future__ import annotations

import argparse
import json
import keyword
import re
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = "amigo_async/_generated/api.json"
SCHEMAS = "amigo_async/_generated/schemas.txt"
PATH_PREFIX = "/v1/{organization}"
WIDTH = 100

OPERATION_ID_OVERRIDES = {
    # The snapshot's auto-generated ids, named in the style of the others.
    "get_roles_v1__organization__role__get": "get-roles",
    "get_webhook_destinations": "get-webhook-destinations",
}

MODEL_AREAS = (
    "admin",
    "conversation",
    "service",
    "user",
    "role",
    "webhook_destination",
    "dynamic_behavior_set",
    "metric",
    "simulation",
    "tool",
    "organization",
)
"""Areas whose models are generated: every area of the snapshot."""

MODULE_NAMES = {"tool": "tools"}
"""Area -> model module, where the module users import is not named after the area."""

_ORG = "src__app__endpoints__organization__"
_EMPTY_LIST = "attrs.field(factory=list)"
_EMPTY_MAP = "attrs.field(factory=dict)"
_STATE_MACHINE_VERSION = (
    "src__app__endpoints__organization__create_service_hierarchical_state_machine_version__Request"
)

CLASS_NAMES: dict[str, str] = {
    # Public names users import, where the schema's own name says less.
    "src__app__endpoints__admin__get_models__Response": "ModelsResponse",
    "src__app__endpoints__admin__submit_sql_query__Response": "SqlQueryResult",
    "Model": "LLMModel",
    "src__app__endpoints__tool__create_tool__Response": "CreatedTool",
    "src__app__endpoints__tool__get_tools__Response": "ToolList",
    "ToolInstance": "Tool",
    "src__app__endpoints__tool__get_tools__Response__FilterValues": "ToolFilterValues",
    "Input": "ToolInput",
    "src__app__endpoints__tool__test_tool__Response": "InvocationResults",
    "src__app__endpoints__tool__modify_tool_envvars__Request": "ModifyToolEnvVarsRequest",
    "InsertRequest": "EnvVarInsert",
    "UpdateRequest": "EnvVarUpdate",
    "src__app__endpoints__tool__modify_tool_envvars__Request__DeleteRequest": "EnvVarDelete",
    "src__app__endpoints__tool__publish_tool_version__Response": "PublishedToolVersion",
    "src__app__endpoints__tool__get_tool_versions__Response": "ToolVersionList",
    "ToolVersionInstance": "ToolVersion",
    "src__app__endpoints__tool__get_tool_versions__Response__FilterValues": (
        "ToolVersionFilterValues"
    ),
    "src__app__endpoints__tool__get_tool_invocations__Response": "ToolInvocationList",
    "ToolInvocationInstance": "ToolInvocation",
    "AgentFrameworkInvocationMetadata": "InvocationMetadata",
    "src__app__endpoints__tool__search_tool_invocations__Response": "ToolInvocationSearchResult",
    "Preferences-Output": "UserPreferences",
    "UserDimension-Input": "UserDimension",
    "src__app__endpoints__organization__get_user_dimensions__Response": "UserDimensionList",
    "src__app__endpoints__organization__get_organization__Response": "Organization",
    "src__app__endpoints__organization__create_organization__Request": "NewOrganization",
    "src__app__endpoints__organization__create_organization__Response": "CreatedOrganization",
    "src__app__endpoints__organization__modify_organization__Request": "OrganizationUpdate",
    "src__app__endpoints__organization__create_agent__Request": "NewAgent",
    "src__app__endpoints__organization__create_agent__Response": "Created",
    "src__app__endpoints__organization__get_agents__Response": "AgentList",
    "src__app__endpoints__organization__get_agents__Response__AgentInstance": "Agent",
    "src__app__endpoints__organization__create_agent_version__Request": "NewAgentVersion",
    "Identity-Input": "AgentIdentity",
    "RelationshipToDeveloper-Input": "RelationshipToDeveloper",
    "src__app__endpoints__organization__create_agent_version__Response": "VersionCreated",
    "src__app__endpoints__organization__get_agent_versions__Response": "AgentVersionList",
    "src__app__endpoints__organization__get_agent_versions__Response__AgentInstance": (
        "AgentVersion"
    ),
    "VoiceConfigInstance": "VoiceSettings",
    "amigo_lib__mongo__collections__agent__Agent__UserInfo": "Creator",
    "src__app__endpoints__organization__create_service_hierarchical_state_machine__Request": (
        "NewStateMachine"
    ),
    "src__app__endpoints__organization__get_service_hierarchical_state_machines__Response": (
        "StateMachineList"
    ),
    "StateMachineInstance": "StateMachine",
    _STATE_MACHINE_VERSION: "NewStateMachineVersion",
    _STATE_MACHINE_VERSION + "__ToolCallSpec": "ToolCallSpec",
    "ActionState-Input": "ActionState",
    "DecisionState-Input": "DecisionState",
    "RecallState-Input": "RecallState",
    "AnnotationState-Input": "AnnotationState",
    "ReflectionState-Input": "ReflectionState",
    "ToolCallState-Input": "ToolCallState",
    "ExitCondition-Input": "ExitCondition",
    _ORG + "get_service_hierarchical_state_machine_versions__Response": "StateMachineVersionList",
    "ServiceHierarchicalStateMachineInstance": "StateMachineVersion",
    "src__app__endpoints__organization__create_api_key__Request": "NewApiKey",
    "src__app__endpoints__organization__create_api_key__Response": "CreatedApiKey",
    "src__app__endpoints__organization__get_api_keys__Response": "ApiKeyList",
    "APIKeyInstance": "ApiKey",
    "src__app__endpoints__organization__delete_api_key__Response": "DeletedApiKey",
}

OLD_NAMES: dict[str, dict[str, str]] = {
    # Module -> {a public name that changed: the class it names now}, kept so user code runs.
    "user": {  # the names before organization shared these classes
        "PreferencesOutput": "UserPreferences",
        "UserDimensionOutput": "UserDimension",
    },
}

_ORG_USER_INFO = "amigo_lib__mongo__collections__{}__UserInfo"

SAME_CLASS: dict[str, str] = {
    # Schema -> the schema whose class stands for it too: the same fields, the same required
    # ones, types that read the same in Python (a request's constraints are checked from the
    # facts, not the class). One class for what a user sends and reads back.
    "src__app__endpoints__tool__invoke_tool_version__Response": (
        "src__app__endpoints__tool__test_tool__Response"
    ),
    _ORG + "create_service_hierarchical_state_machine__Response": _ORG + "create_agent__Response",
    _ORG + "create_service_hierarchical_state_machine_version__Response": (
        _ORG + "create_agent_version__Response"
    ),
    _ORG_USER_INFO.format("api_key__APIKey"): _ORG_USER_INFO.format("agent__Agent"),
    _ORG_USER_INFO.format(
        "service_hierarchical_state_machine__ServiceHierarchicalStateMachine"
    ): _ORG_USER_INFO.format("agent__Agent"),
    _ORG + "create_organization__Request__Preferences": "Preferences-Output",
    _ORG + "modify_organization__Request__Preferences": "Preferences-Output",
    "amigo_lib__mongo__collections__service_hierarchical_state_machine__"
    "ServiceHierarchicalStateMachine__ToolCallSpec": _STATE_MACHINE_VERSION + "__ToolCallSpec",
    **{
        f"{name}-Output": f"{name}-Input"
        for name in (
            "ActionState",
            "DecisionState",
            "RecallState",
            "AnnotationState",
            "ReflectionState",
            "ToolCallState",
            "ExitCondition",
            "Identity",
            "RelationshipToDeveloper",
            "UserDimension",
        )
    },
}

LENIENT_FIELDS: dict[tuple[str, str], str] = {
    # (schema, field) the snapshot requires in an answer, read with a default when absent.
    ("Model", "params_model_schema"): "get-models entries without it are served; read as {}",
    ("src__app__endpoints__tool__get_tools__Response", "filter_values"): "first page only",
    ("src__app__endpoints__tool__get_tool_versions__Response", "filter_values"): "first page only",
    (_ORG + "get_organization__Response", "default_user_preferences"): "for some callers only",
    (_ORG + "get_organization__Response", "tenant_id"): "with GetOrganizationDetails only",
    **{
        (_ORG + f"get_{listing}__Response", "continuation_token"): "a last page may leave it out"
        for listing in (
            "agents",
            "agent_versions",
            "service_hierarchical_state_machines",
            "service_hierarchical_state_machine_versions",
        )
    },
}

_TOOL_CALL_SPECS = {"tool_call_specs": _EMPTY_LIST, "audio_fillers": _EMPTY_LIST}

CLIENT_DEFAULTS: dict[str, dict[str, str]] = {
    # Schema -> {field: default}: required request fields a caller may leave out; the client
    # sends the usual value (mostly an empty list or map) rather than make every call spell it.
    # "None" on a field the snapshot requires (nullable) is sent as null, never left out.
    "Input": {  # a test or invocation with no variables, outside a simulation
        "input_parameters": _EMPTY_MAP,
        "invocation_mode": '"regular"',
        "nonsensitive_user_variables": _EMPTY_MAP,
        "sensitive_user_variables": _EMPTY_MAP,
    },
    "InsertRequest": {"is_secret": "False"},  # a plain variable unless said otherwise
    "src__app__endpoints__tool__create_tool__Request": {"tags": _EMPTY_MAP},  # untagged
    "src__app__endpoints__tool__test_tool__Request": {  # a tool needing no variables
        "required_envvars": _EMPTY_MAP,
        "required_secret_envvars": _EMPTY_MAP,
    },
    "ActionState-Input": {  # optional guidance, no tools, memory retrieval as usual
        "intra_state_navigation_guidelines": _EMPTY_LIST,
        "action_guidelines": _EMPTY_LIST,
        "boundary_constraints": _EMPTY_LIST,
        "action_tool_call_specs": _EMPTY_LIST,
        "exit_condition_tool_call_specs": _EMPTY_LIST,
        "skip_active_memory_retrieval": "False",
    },
    "DecisionState-Input": {"decision_guidelines": _EMPTY_LIST, **_TOOL_CALL_SPECS},
    "RecallState-Input": {"queries": "None", "requested_information": "None"},  # one of them
    _ORG + "create_api_key__Request": {  # an unnamed key with the documented default role
        "name": "None",
        "role_name": '"DefaultAdministratorRole"',
    },
    "ReflectionState-Input": _TOOL_CALL_SPECS,
    "ToolCallState-Input": {
        "designated_tool_call_params_generation_audio_fillers": _EMPTY_LIST,
        "designated_tool_call_guidances": _EMPTY_LIST,
        "designated_tool_call_validations": _EMPTY_LIST,
        "tool_call_specs": _EMPTY_LIST,
    },
    _STATE_MACHINE_VERSION: {  # a machine with no references and no global guidance
        "references": _EMPTY_MAP,
        "global_intra_state_navigation_guidelines": _EMPTY_LIST,
        "global_action_guidelines": _EMPTY_LIST,
        "global_boundary_constraints": _EMPTY_LIST,
    },
    _STATE_MACHINE_VERSION + "__ToolCallSpec": {"audio_fillers": _EMPTY_LIST},
}

SECRET_FIELDS: dict[tuple[str, str], str] = {
    # (schema, field) -> the repr it gets: secrets never reach a repr or a log line.
    ("InsertRequest", "value"): "False",
    ("UpdateRequest", "value"): "False",
    ("Input", "sensitive_user_variables"): "False",
    ("src__app__endpoints__tool__test_tool__Request", "required_secret_envvars"): "False",
    (_ORG + "create_api_key__Response", "api_key"): "redacted_repr",
}

HAND_WRITTEN_UNIONS: dict[str, str] = {
    # A union no tag tells apart -> its hand-written type in models/_behaviour.py.
    "str | tuple[str, str]": "NextState",  # a state, or (reference, state) of another machine
}

BEHAVIOUR: dict[str, str] = {
    # Class -> the mixin (in models/_behaviour.py) giving it what JSON cannot say.
    "Version": "VersionText",
    "UnknownState": "NamedPayload",
}

_NOT_SET = "_NotSet"  # the snapshot's "field left out" sentinel: the client leaves a None out
_MODULE_PREFIXES = (
    "src__app__endpoints__",  # followed by the area module, then the operation
    "src__app__amigo__service__",
    "amigo_lib__mongo__collections__",
    "amigo_lib__pydantic__base_model__",
    "amigo_lib__agent__",
)
_HEADER = (
    '"""{doc}\n\nGenerated by scripts/generate_api.py from the OpenAPI snapshot: do not edit.\n'
    'Regenerate with ``python scripts/generate_api.py``.\n"""\n'
)


# -- extraction: the snapshot's facts without its prose ----------------------------

_PROSE = frozenset({"description", "summary", "title", "examples", "example", "externalDocs"})
_NAME_MAPS = frozenset(
    {"properties", "schemas", "mapping", "paths", "responses", "content", "securitySchemes"}
)
"""Objects whose keys are names (a property called ``description`` is kept)."""
_LITERALS = frozenset({"default", "const", "enum"})
"""Values kept as they are: data, not schema."""
_LIMIT_TEXT = re.compile(r"rate limit of (\d+) requests? per minute")
_SORT_FIELDS = re.compile(r"Supported fields are ((?:[^.`]|`[^`]*`)*)")


def extract(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The snapshot without prose, the facts its prose states written as ``x-`` data,
    and every operationId in the clean spelling the client uses."""
    for _, _, operation in iter_operations(snapshot):
        operation["operationId"] = operation_id(operation["operationId"])
        limit = _limit_from_text(operation)
        if limit is not None:
            operation["x-limit-per-minute"] = limit
        for parameter in operation.get("parameters", []):
            fields = _sort_fields_from_text(parameter)
            if fields:
                parameter["x-sort-fields"] = fields
    kept = {key: snapshot[key] for key in ("openapi", "paths", "components", "security")}
    data: dict[str, Any] = _without_prose(kept, names=False)
    data["info"] = {"version": snapshot["info"]["version"]}
    return data


def _without_prose(node: Any, names: bool) -> Any:
    if isinstance(node, list):
        return [_without_prose(item, names=False) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if not names and key in _PROSE:
            continue
        if not names and key in _LITERALS:
            out[key] = value
            continue
        out[key] = _without_prose(value, names=not names and key in _NAME_MAPS)
    return out


def _limit_from_text(operation: dict[str, Any]) -> int | None:
    response = operation["responses"].get("429")
    if response is None:
        return None
    match = _LIMIT_TEXT.search(response["description"])
    if match is None:
        raise ValueError(f"unreadable 429 text: {response['description']!r}")
    return int(match.group(1))


def _sort_fields_from_text(parameter: dict[str, Any]) -> list[str]:
    if parameter["name"] != "sort_by" or "enum" in parameter["schema"].get("items", {}):
        return []
    match = _SORT_FIELDS.search(parameter.get("description", ""))
    return re.findall(r"`([^`]+)`", match.group(1)) if match else []


def render_data(data: dict[str, Any]) -> dict[str, str]:
    """The data files: the document less its named schemas, and those one per line."""
    components = data["components"]
    rest = {**data, "components": {**components, "schemas": {}}}
    lines = [
        f"{name}\t{json.dumps(schema, ensure_ascii=False, separators=(',', ':'))}\n"
        for name, schema in components["schemas"].items()
    ]
    return {DATA: json.dumps(rest, indent=0, ensure_ascii=False) + "\n", SCHEMAS: "".join(lines)}


def load_data(root: Path) -> dict[str, Any]:
    """The in-repo data, whole (as `render_data` split it)."""
    data = load(root / DATA)
    with (root / SCHEMAS).open(encoding="utf-8") as file:
        lines = (line.rstrip("\n").split("\t", 1) for line in file)
        data["components"]["schemas"] = {name: json.loads(text) for name, text in lines}
    return data


# -- operations -------------------------------------------------------------------


def operation_id(raw: str) -> str:
    clean = OPERATION_ID_OVERRIDES.get(raw, raw)
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", clean):
        raise ValueError(f"operationId {raw!r} needs a clean name in OPERATION_ID_OVERRIDES")
    return clean


def iter_operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) in snapshot order."""
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in ("get", "put", "post", "delete", "patch"):
                yield method.upper(), path, operation


def area_of(operation: dict[str, Any]) -> str:
    return str(operation["tags"][0]).lower().replace(" ", "_")


def limit_per_minute(operation: dict[str, Any]) -> int | None:
    limit = operation.get("x-limit-per-minute")
    return None if limit is None else int(limit)


def authenticated(operation: dict[str, Any]) -> bool:
    """Sent with the bearer token: the snapshot's default, unless `security` says otherwise."""
    security = operation.get("security")
    if security is None:
        return True
    return any("Bearer-Authorization" in requirement for requirement in security)


def _schema(spec: dict[str, Any], ref_or_schema: dict[str, Any]) -> dict[str, Any]:
    ref = ref_or_schema.get("$ref")
    return spec["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else ref_or_schema


def sort_fields(parameter: dict[str, Any] | None) -> tuple[str, ...]:
    if parameter is None:
        return ()
    items = parameter["schema"].get("items", {})
    if "enum" in items:
        return tuple(items["enum"])
    return tuple(parameter.get("x-sort-fields", ()))


def paging(spec: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any] | None:
    parameters = {p["name"]: p for p in operation.get("parameters", [])}
    if "continuation_token" not in parameters:
        return None
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    properties = _schema(spec, body)["properties"]
    (items,) = [name for name, p in properties.items() if p.get("type") == "array"]
    (token,) = [name for name in properties if name.endswith("continuation_token")]
    limit = parameters["limit"]["schema"]
    return {
        "items_field": items,
        "token_field": token,
        "cap": limit["maximum"],
        "default_limit": limit["default"],
        "first_token": parameters["continuation_token"]["schema"]["default"],
        "sort_fields": sort_fields(parameters.get("sort_by")),
    }


def spec_rows(spec: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """One row per operationId (the first method met wins, except GET), and the other methods."""
    rows: dict[str, dict[str, Any]] = {}
    extra: dict[str, list[str]] = {}
    for method, path, operation in iter_operations(spec):
        row = {
            "id": operation_id(operation["operationId"]),
            "method": method,
            "path": path.removeprefix(PATH_PREFIX),
            "per_minute": limit_per_minute(operation),
            "area": area_of(operation),
            "authenticated": authenticated(operation),
            "paging": paging(spec, operation),
        }
        known = rows.get(row["id"])
        if known is not None and known["path"] != row["path"]:
            raise ValueError(f"{row['id']} names two paths")
        if known is None or method == "GET":
            if known is not None:
                extra.setdefault(row["id"], []).append(known["method"])
            rows[row["id"]] = row
        else:
            extra.setdefault(row["id"], []).append(method)
    return list(rows.values()), {key: sorted(value) for key, value in extra.items()}


# -- formatting (the layout ruff format gives) ----------------------------------------


class Call:
    """A call or a tuple to lay out: ``name(args)``; `name` is what precedes a tuple's ``(``."""

    def __init__(
        self, name: str, args: list[Any], is_tuple: bool = False, brackets: str = "()"
    ) -> None:
        self.name = name
        self.args = args
        self.single = is_tuple and len(args) == 1  # keeps its comma: ``("a",)``
        self.open, self.close = brackets
        self.literal = brackets == "{}" or is_tuple  # split: one item per line

    def flat(self) -> str:
        inner = ", ".join(arg.flat() if isinstance(arg, Call) else arg for arg in self.args)
        return f"{self.name}{self.open}{inner}{',' if self.single else ''}{self.close}"


def layout(node: Any, indent: int, tail: str = "") -> str:
    """`node` at `indent` as ruff format lays it out: flat, one inner line, or one per line."""
    pad = " " * indent
    if not isinstance(node, Call):
        return f"{pad}{node}{tail}"
    flat = f"{pad}{node.flat()}{tail}"
    if len(flat) <= WIDTH:
        return flat
    inner = ", ".join(arg.flat() if isinstance(arg, Call) else arg for arg in node.args)
    if len(pad) + 4 + len(inner) <= WIDTH and not node.single and not node.literal:
        return f"{pad}{node.name}{node.open}\n{pad}    {inner}\n{pad}{node.close}{tail}"
    lines = [f"{pad}{node.name}{node.open}"]
    lines += [layout(arg, indent + 4, ",") for arg in node.args]
    return "\n".join([*lines, f"{pad}{node.close}{tail}"])


def call(name: str, args: list[Any], indent: int, tail: str = "") -> str:
    return layout(Call(name, args), indent, tail)


def docstring(text: str, indent: int) -> list[str]:
    pad = " " * indent
    text = " ".join(text.split()).replace("\\", "\\\\").replace('"""', "'''")
    if text.endswith('"'):
        text += " "
    if len(pad) + len(text) + 6 <= WIDTH:
        return [f'{pad}"""{text}"""']
    lines = textwrap.wrap(text, WIDTH - indent - 6, break_on_hyphens=False)
    if len(lines) == 1:  # ruff keeps a one-line docstring's quotes on its line
        return [f'{pad}"""{text}"""']
    return [f'{pad}"""{lines[0]}', *(f"{pad}{line}" for line in lines[1:]), f'{pad}"""']


# -- rows module --------------------------------------------------------------------


def render_rows(spec: dict[str, Any]) -> str:
    rows, extra = spec_rows(spec)
    out = [
        _HEADER.format(
            doc="Every operation of the OpenAPI snapshot: one row each, facts as documented.\n\n"
            "`amigo_async._spec` builds the client's operations table from these rows and\n"
            "adds what the snapshot does not say (timeout kinds, the tool repo operations)."
        ),
        "from __future__ import annotations\n",
        "from typing import NamedTuple\n",
        '__all__ = ["EXTRA_METHODS", "ROWS", "PagingRow", "SpecRow"]\n\n',
        "class PagingRow(NamedTuple):",
        '    """A paginated list: its fields, `limit` cap and default, first token."""\n',
        "    items_field: str",
        "    token_field: str",
        "    cap: int",
        "    default_limit: int",
        "    first_token: int",
        "    sort_fields: tuple[str, ...]\n\n",
        "class SpecRow(NamedTuple):",
        '    """One operation: path relative to /v1/{organization}, limit per minute or None."""\n',
        "    id: str",
        "    method: str",
        "    path: str",
        "    per_minute: int | None",
        "    area: str",
        "    authenticated: bool",
        "    paging: PagingRow | None = None\n\n",
        "ROWS: tuple[SpecRow, ...] = (",
    ]
    area = None
    for row in rows:
        if row["area"] != area:
            area = row["area"]
            out.append(f"    # {area}")
        out.append(call("SpecRow", _row_args(row), 4, ","))
    out.append(")\n")
    out.append("EXTRA_METHODS: dict[str, tuple[str, ...]] = {")
    for key, methods in extra.items():
        out.append(f'    "{key}": ({", ".join(repr_str(m) for m in methods)},),')
    out.append("}")
    out.append(
        '"""Methods the snapshot also gives an operationId on the same path; the row keeps GET."""'
    )
    return "\n".join(out) + "\n"


def _literal(value: Any) -> str:
    return repr_str(value) if isinstance(value, str) else repr(value)


def repr_str(value: str) -> str:
    return json.dumps(value)


def _row_args(row: dict[str, Any]) -> list[Any]:
    args: list[Any] = [repr_str(row[k]) for k in ("id", "method", "path")]
    args += [str(row["per_minute"]), repr_str(row["area"]), str(row["authenticated"])]
    paging = row["paging"]
    if paging is not None:
        fields = paging["sort_fields"]
        facts: list[Any] = [repr_str(paging["items_field"]), repr_str(paging["token_field"])]
        facts += [str(paging[k]) for k in ("cap", "default_limit", "first_token")]
        facts.append(Call("", [repr_str(f) for f in fields], is_tuple=True) if fields else "()")
        args.append(Call("PagingRow", facts))
    return args


# -- models: which schemas, under which names, in which module ---------------------


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"].rsplit("/", 1)[1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def model_owners(spec: dict[str, Any]) -> dict[str, list[str]]:
    """Schema name -> the generated areas that use it, in depth-first snapshot order."""
    schemas = spec["components"]["schemas"]
    owners: dict[str, list[str]] = {}
    for _, _, operation in iter_operations(spec):
        area = area_of(operation)
        if area not in MODEL_AREAS:
            continue
        seen: set[str] = set()
        answers = [body for code, body in operation["responses"].items() if code.startswith("2")]
        stack = list(reversed(list(_refs([operation.get("requestBody"), answers]))))
        while stack:
            name = stack.pop()
            if name in seen or name == _NOT_SET:
                continue
            seen.add(name)
            areas = owners.setdefault(name, [])
            if area not in areas:
                areas.append(area)
            stack.extend(reversed(list(_refs(schemas[name]))))
    return owners


def request_schemas(spec: dict[str, Any]) -> set[str]:
    """The schemas a JSON request body of a generated area is made of."""
    schemas = spec["components"]["schemas"]
    out: set[str] = set()
    for _, _, operation in iter_operations(spec):
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if area_of(operation) not in MODEL_AREAS or body is None:
            continue
        stack = list(_refs(body))
        while stack:
            name = stack.pop()
            if name not in out and name != _NOT_SET:
                out.add(name)
                stack.extend(_refs(schemas[name]))
    return out


def module_of(areas: list[str]) -> str:
    return MODULE_NAMES.get(areas[0], areas[0]) if len(areas) == 1 else "_common"


def with_same_classes(spec: dict[str, Any]) -> dict[str, Any]:
    """`spec` with every reference to a `SAME_CLASS` schema made to the one standing for it."""
    schemas = spec["components"]["schemas"]
    for alias, target in SAME_CLASS.items():
        shape = [
            (set(s.get("properties", {})), set(s.get("required", [])))
            for s in (schemas[alias], schemas[target])
        ]
        if shape[0] != shape[1]:
            raise ValueError(f"{alias} differs from {target}: it needs its own class")
    text = json.dumps(spec)
    for alias, target in SAME_CLASS.items():
        text = text.replace(f'"#/components/schemas/{alias}"', f'"#/components/schemas/{target}"')
    merged: dict[str, Any] = json.loads(text)
    return merged


def _camel(segment: str) -> str:
    parts = re.split(r"[_\-]+", segment)
    return "".join(part[:1].upper() + part[1:] for part in parts if part)


def _name_segments(name: str) -> list[str]:
    for prefix in _MODULE_PREFIXES:
        if name.startswith(prefix):
            name = name.removeprefix(prefix)
            if prefix == "src__app__endpoints__":
                name = name.split("__", 1)[1]
            break
    return [_camel(segment) for segment in name.split("__")]


def class_names(names: list[str]) -> dict[str, str]:
    """The shortest unique CamelCase suffix of each schema's dotted pydantic name."""
    segments = {name: _name_segments(name) for name in names}
    depth = dict.fromkeys(names, 1)
    while True:
        chosen = {name: "".join(segments[name][-depth[name] :]) for name in names}
        counts: dict[str, int] = {}
        for value in chosen.values():
            counts[value] = counts.get(value, 0) + 1
        clashing = [n for n in names if counts[chosen[n]] > 1 and depth[n] < len(segments[n])]
        if not clashing:
            if len(set(chosen.values())) != len(chosen):
                raise ValueError("two schemas end in the same name")
            return chosen
        for name in clashing:
            depth[name] += 1


def is_scalar_alias(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "string" and "enum" not in schema


def is_enum(schema: dict[str, Any]) -> bool:
    return "enum" in schema and "properties" not in schema


def is_union(schema: dict[str, Any]) -> bool:
    return ("oneOf" in schema or "anyOf" in schema) and "properties" not in schema


class ModelWriter:
    """Renders the model modules; one instance per snapshot."""

    def __init__(self, spec: dict[str, Any]) -> None:
        spec = with_same_classes(spec)
        self.spec = spec
        self.schemas: dict[str, dict[str, Any]] = spec["components"]["schemas"]
        self.requests = request_schemas(spec)
        self.owners = model_owners(spec)
        self.modeled = [
            name
            for name in self.owners
            if not is_scalar_alias(self.schemas[name])
            and self.schemas[name].get("properties") != {}
        ]
        unnamed = [name for name in self.modeled if name not in CLASS_NAMES]
        self.names = {**class_names(unnamed), **CLASS_NAMES}
        self.names = {name: self.names[name] for name in self.modeled}
        self.inline: dict[str, str] = {}  # unions written inside a property -> module
        self.context = ""  # the class and property being written, to name an inline union
        self.module_now = ""
        self.own_now: list[str] = []

    # -- what goes where

    def module(self, schema_name: str) -> str:
        return module_of(self.owners[schema_name])

    def modules(self) -> list[str]:
        present = {self.module(name) for name in self.modeled}
        order = ("_common", *(MODULE_NAMES.get(area, area) for area in MODEL_AREAS))
        return [m for m in order if m in present]

    def classes_of(self) -> dict[str, dict[str, str]]:
        """module -> {class name: schema name}: what a test structures samples into."""
        out: dict[str, dict[str, str]] = {}
        for name in self.modeled:
            if not is_enum(self.schemas[name]):
                out.setdefault(self.module(name), {})[self.names[name]] = name
        return out

    # -- types

    def type_of(self, schema: dict[str, Any], uses: set[str]) -> str:
        """The annotation for a property's schema; `uses` collects the names it needs."""
        if "$ref" in schema:
            return self._ref(schema["$ref"].rsplit("/", 1)[1], uses)
        if "anyOf" in schema or "oneOf" in schema:
            members = schema.get("anyOf") or schema["oneOf"]
            types: list[str] = []
            nullable = False
            for member in members:
                if member.get("type") == "null" or member.get("$ref", "").endswith(_NOT_SET):
                    nullable = True
                    continue
                annotation = self.type_of(member, uses)
                if annotation not in types:
                    types.append(annotation)
            special = HAND_WRITTEN_UNIONS.get(" | ".join(types))
            if special:
                uses.add("behaviour:" + special)
                return special + (" | None" if nullable else "")
            if len(types) > 1 and not all(t in ("str", "int", "float", "bool") for t in types):
                return self._inline_union(members, nullable, uses)
            if len(types) > 1:
                uses.add("plain:" + " | ".join(types))
            return " | ".join(types + (["None"] if nullable else []))
        if "const" in schema:
            uses.add("Literal")
            return f"Literal[{_literal(schema['const'])}]"
        if "enum" in schema:
            return "str"
        kind = schema.get("type")
        if kind == "array":
            if "prefixItems" in schema:
                items = [self.type_of(item, uses) for item in schema["prefixItems"]]
                return f"tuple[{', '.join(items)}]"
            return f"list[{self.type_of(schema.get('items', {}), uses)}]"
        if kind == "object":
            extra = schema.get("additionalProperties", True)
            uses.add("Any") if extra in (True, {}) else None
            value = "Any" if extra in (True, {}) else self.type_of(extra, uses)
            return f"dict[str, {value}]"
        if kind == "string" and schema.get("format") == "base64":
            return "bytes"  # sent and read as base64 text: the converter's bytes hooks
        if kind == "string" and schema.get("format") == "date-time":
            uses.add("datetime")
            return "datetime"
        simple = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}
        if kind in simple:
            return simple[kind]
        if kind == "null":
            return "None"
        uses.add("Any")
        return "Any"

    def _inline_union(self, members: list[dict[str, Any]], nullable: bool, uses: set[str]) -> str:
        """A union written inside a property: named after it, tagged like a named one."""
        refs = [m["$ref"].rsplit("/", 1)[1] for m in members if "$ref" in m]
        refs = [r for r in refs if r != _NOT_SET]
        if len(refs) != len([m for m in members if m.get("type") != "null"]):
            raise ValueError(f"{self.context}: a union of inline schemas")
        named = [
            n
            for n in self.modeled
            if is_union(self.schemas[n]) and set(self.leaves(n)) == set(refs)
        ]
        if named:  # the same variants as a named union: that union
            return self._ref(named[0], uses) + (" | None" if nullable else "")
        alias = self.context
        if alias in self.names.values():
            raise ValueError(f"{alias} names a schema too")
        self.schemas[alias] = {"anyOf": [{"$ref": f"#/{r}"} for r in refs]}
        self.inline[alias] = self.module_now
        self.names[alias] = alias
        self.owners[alias] = [self.module_now]
        uses.add("ref:" + alias)
        return alias + (" | None" if nullable else "")

    def _ref(self, name: str, uses: set[str]) -> str:
        schema = self.schemas[name]
        if is_scalar_alias(schema):
            return self.type_of({k: v for k, v in schema.items() if k != "title"}, uses)
        uses.add("ref:" + name)
        if is_enum(schema):
            uses.add("TypeAlias")
        return self.names[name]

    # -- rendering

    def render_all(self) -> dict[str, str]:
        return {f"amigo_async/models/{m}.py": self.render(m) for m in self.modules()}

    def render(self, module: str) -> str:
        self.module_now = module
        own = [name for name in self.modeled if self.module(name) == module]
        uses: set[str] = set()
        enums = [self._enum(name, uses) for name in own if is_enum(self.schemas[name])]
        classes = [self._class(n, uses) for n in own if "properties" in self.schemas[n]]
        own += [name for name, where in self.inline.items() if where == module]
        self.own_now = own
        unions = [self._union(n, uses) for n in own if is_union(self.schemas[n])]
        hooks = self._hooks(own, uses)
        exported = [self.names[n] for n in own]
        exported += ["Unknown" + self.names[n] for n in own if is_union(self.schemas[n])]
        exported += [self._values_name(n) for n in own if is_enum(self.schemas[n])]
        exported += [*self._shared(module, uses), *OLD_NAMES.get(module, {})]
        head = self._header(module) + "\n" + self._imports(module, uses) + "\n\n" + _all(exported)
        old_names = self._old_names(module)
        chunks = [chunk for chunk in (*enums, *classes, *unions, old_names, hooks) if chunk]
        return "\n\n\n".join([head, *chunks]) + "\n"

    def _header(self, module: str) -> str:
        if module == "_common":
            doc = "Models shared by several areas of the API."
        else:
            doc = (
                f"Models of the {module.replace('_', ' ')} operations: request and response bodies."
            )
        doc += (
            "\n\nFrozen attrs classes read by the shared converter: unknown fields are ignored,"
            "\nfields the snapshot does not require default to None, a union tagged by ``type``"
            "\nkeeps a tag this client does not know in its ``Unknown...`` variant, and an"
            "\nenum is a str (a newer server may send a value not in ``*_VALUES``)."
        )
        return _HEADER.format(doc=doc)

    def _imports(self, module: str, uses: set[str]) -> str:
        typing_names = sorted(n for n in ("Any", "Literal", "TypeAlias") if n in uses)
        lines = ["from __future__ import annotations\n"]
        stdlib = []
        if "datetime" in uses:
            stdlib.append("from datetime import datetime")
        if typing_names:
            stdlib.append(f"from typing import {', '.join(typing_names)}")
        if stdlib:
            lines.append("\n".join(stdlib) + "\n")
        third = ["import attrs"]
        if self._renames(module):
            third.append("from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn")
            third[-1] += ", override"
        lines.append("\n".join(third) + "\n")
        local = []
        shared = self._shared(module, uses)
        if shared:
            local.append(_import_list("._common", shared))
        names = []
        if self._needs_converter(module, uses):
            names.append("converter")
        if self.request_classes(module):
            names.append("register_request_bodies")
        if names:
            local.append(f"from ._converter import {', '.join(names)}")
        behaviour = sorted(u[10:] for u in uses if u.startswith("behaviour:"))
        if behaviour:
            local.append(_import_list("._behaviour", behaviour))
        helpers = []
        if any(u.startswith("plain:") for u in uses):
            helpers.append("register_plain_union")
        if any(is_union(self.schemas[n]) for n in self.own_now):
            helpers.append("register_tagged_union")
        if helpers:
            local.append(f"from ._unions import {', '.join(helpers)}")
        if local:
            lines.append("\n".join(sorted(local)) + "\n")
        return "\n".join(lines).rstrip("\n")

    def _shared(self, module: str, uses: set[str]) -> list[str]:
        """The names `module` takes from ``_common``; it re-exports them, so a class that
        moves there when a second area uses it keeps its import path."""
        if module == "_common":
            return []
        names = set()
        for use in uses:
            kind, _, name = use.partition(":")
            if kind not in ("ref", "values") or self.module(name) != "_common":
                continue
            if kind == "ref":
                names.add(self.names[name])
            if kind == "values" or is_enum(self.schemas[name]):
                names.add(self._values_name(name))
        return sorted(names, key=lambda n: (not n.isupper(), n))

    def _old_names(self, module: str) -> str:
        aliases = OLD_NAMES.get(module, {})
        lines = []
        for old, new in aliases.items():
            lines += [f"{old} = {new}", *docstring(f"The former name of `{new}`.", 0)]
        return "\n".join(lines)

    def _needs_converter(self, module: str, uses: set[str]) -> bool:
        own_unions = any(is_union(self.schemas[n]) for n in self.own_now)
        plain = any(u.startswith("plain:") for u in uses)
        return own_unions or plain or bool(self._renames(module))

    def _values_name(self, name: str) -> str:
        return re.sub(r"(?<!^)(?=[A-Z][a-z])", "_", self.names[name]).upper() + "_VALUES"

    def _enum(self, name: str, uses: set[str]) -> str:
        schema = self.schemas[name]
        values = [repr_str(v) for v in schema["enum"]]
        alias = self.names[name]
        uses.add("TypeAlias")
        lines = [
            f"{alias}: TypeAlias = str",
            *docstring(f"Values: `{self._values_name(name)}`.", 0),
        ]
        tuple_text = _tuple(self._values_name(name), values)
        return "\n".join([*lines, tuple_text])

    def _class(self, name: str, uses: set[str]) -> str:
        schema = self.schemas[name]
        cls = self.names[name]
        base = BEHAVIOUR.get(cls)
        if base:
            uses.add("behaviour:" + base)
        lines = ["@attrs.frozen(kw_only=True)", f"class {cls}{f'({base})' if base else ''}:"]
        lines += docstring(self._where(name), 4)
        lines.append("")
        if cls.startswith("Test"):
            lines += ["    __test__ = False  # not a pytest test class", ""]
        for prop, prop_schema in schema["properties"].items():
            self.context = cls + _camel(prop)
            annotation = self.type_of(prop_schema, uses)
            annotation, default = self._default(name, prop, annotation, uses)
            line = f"    {python_name(prop)}: {annotation}{default}"
            if len(line) > WIDTH and default.startswith(' = "'):
                line = f"    {python_name(prop)}: {annotation} = (\n        {default[3:]}\n    )"
            elif len(line) > WIDTH and default.startswith(" = attrs.field("):
                field = Call(f"{python_name(prop)}: {annotation} = attrs.field", _args(default))
                line = layout(field, 4)
            elif len(line) > WIDTH:
                line = f"    {python_name(prop)}: (\n        {annotation}\n    ){default}"
            lines.append(line)
        return "\n".join(lines)

    def _default(self, name: str, prop: str, annotation: str, uses: set[str]) -> tuple[str, str]:
        """The annotation and `` = default`` of a field (empty: required)."""
        schema = self.schemas[name]
        prop_schema = schema["properties"][prop]
        default = ""
        if "const" in prop_schema and annotation.startswith("Literal["):
            default = _literal(prop_schema["const"])
        elif prop in CLIENT_DEFAULTS.get(name, {}):
            default = CLIENT_DEFAULTS[name][prop]
            if default == "None":  # required: sent as null, not left out like an optional one
                default = 'attrs.field(default=None, metadata={"required": True})'
        elif (name, prop) in LENIENT_FIELDS:
            default = "attrs.field(factory=" + annotation.split("[")[0] + ")"
            if annotation.split("[")[0] not in ("list", "dict"):
                annotation, default = _optional(annotation), "None"
        elif prop not in schema.get("required", []):
            annotation, default = _optional(annotation), "None"
        hidden = SECRET_FIELDS.get((name, prop))
        if annotation.split(" | ")[0] == "bytes":
            hidden = "bytes_repr"
        if hidden is None:
            return annotation, f" = {default}" if default else ""
        if hidden != "False":
            uses.add("behaviour:" + hidden)
        if not default:
            return annotation, f" = attrs.field(repr={hidden})"
        if default.startswith("attrs.field("):
            return annotation, f" = {default[:-1]}, repr={hidden})"
        return annotation, f" = attrs.field(default={default}, repr={hidden})"

    def request_classes(self, module: str) -> list[str]:
        """The request body classes of `module`: a field left at None is not sent."""
        out = []
        for name in self.modeled:
            mine = name in self.requests and self.module(name) == module
            if mine and "properties" in self.schemas[name]:
                out.append(self.names[name])
        return out

    def _where(self, name: str) -> str:
        """A docstring for a schema the snapshot leaves undescribed: where it is used."""
        match = re.match(r"src__app__endpoints__\w+?__([a-z_]+)__(Request|Response)(.*)", name)
        if match is None:
            return f"``{name}`` in the snapshot."
        operation, kind, rest = match.groups()
        part = " ".join(_camel(p) for p in rest.split("__") if p)
        where = f"{kind.lower()} body of ``{operation.replace('_', '-')}``"
        return f"{part}, in the {where}." if part else f"The {where}."

    def leaves(self, name: str) -> list[str]:
        """The object schemas a union is made of, nested unions flattened, in order."""
        schema = self.schemas[name]
        out: list[str] = []
        for member in schema.get("oneOf") or schema["anyOf"]:
            target = member["$ref"].rsplit("/", 1)[1]
            for leaf in self.leaves(target) if is_union(self.schemas[target]) else [target]:
                if leaf not in out:
                    out.append(leaf)
        return out

    def tag_of(self, name: str) -> tuple[str, dict[str, str]]:
        """The tag property of a union and its value -> leaf schema."""
        tag = self.schemas[name].get("discriminator", {}).get("propertyName", "type")
        values: dict[str, str] = {}
        for leaf in self.leaves(name):
            const = self.schemas[leaf]["properties"][tag]["const"]
            if values.get(const, leaf) != leaf:
                raise ValueError(f"{name}: tag {const!r} names two schemas")
            values[const] = leaf
        return tag, values

    def _union(self, name: str, uses: set[str]) -> str:
        alias = self.names[name]
        tag, _ = self.tag_of(name)
        for leaf in self.leaves(name):
            uses.add("ref:" + leaf)
        uses.update(("Any", "TypeAlias"))
        doc = f"One of the {alias} kinds"
        base = BEHAVIOUR.get("Unknown" + alias)
        if base:
            uses.add("behaviour:" + base)
        unknown = [
            "@attrs.frozen",
            f"class Unknown{alias}{f'({base})' if base else ''}:",
            *docstring(
                f"A `{alias}` whose ``{tag}`` this client does not know; `raw` keeps it.", 4
            ),
            "",
            f"    {tag}: Any",
            "    raw: dict[str, Any] = attrs.field(repr=False)",
        ]
        members = [self.names[leaf] for leaf in self.leaves(name)] + [f"Unknown{alias}"]
        return (
            "\n".join(unknown)
            + "\n\n\n"
            + _alias(alias, members)
            + "\n"
            + "\n".join(docstring(doc.rstrip(".") + f" (by ``{tag}``).", 0))
        )

    def _renames(self, module: str) -> list[tuple[str, dict[str, str]]]:
        out = []
        for name in self.modeled:
            if self.module(name) != module or "properties" not in self.schemas[name]:
                continue
            renamed = {
                python_name(p): p for p in self.schemas[name]["properties"] if python_name(p) != p
            }
            if renamed:
                out.append((self.names[name], renamed))
        return out

    def _hooks(self, own: list[str], uses: set[str]) -> str:
        module = self.module(own[0])
        lines = ["def _register_hooks() -> None:"]
        for name in own:
            if not is_union(self.schemas[name]):
                continue
            tag, values = self.tag_of(name)
            alias = self.names[name]
            variants = Call("", [self.names[leaf] for leaf in values.values()], is_tuple=True)
            args = ["converter", alias, repr_str(tag), variants, f"Unknown{alias}"]
            text = call("register_tagged_union", args, 4)
            lines.append(text)
        for plain in sorted(u[6:] for u in uses if u.startswith("plain:")):
            types = Call("", plain.split(" | "), is_tuple=True)
            lines.append(call("register_plain_union", ["converter", plain, types], 4))
        requests = self.request_classes(module)
        if requests:
            bodies = Call("", requests, is_tuple=True)
            lines.append(call("register_request_bodies", [bodies], 4))
        for cls, renamed in self._renames(module):
            if cls in requests:
                raise ValueError(f"{cls}: a renamed request field needs omission and renames")
            overrides = [f"{py}=override(rename={repr_str(raw)})" for py, raw in renamed.items()]
            for kind in ("structure", "unstructure"):
                fn = Call(f"make_dict_{kind}_fn", [cls, "converter", *overrides])
                lines.append(call(f"converter.register_{kind}_hook", [cls, fn], 4))
        if len(lines) == 1:
            return ""
        return "\n".join(lines) + "\n\n\n_register_hooks()"


def _args(default: str) -> list[str]:
    """The arguments of a `` = attrs.field(...)`` default, to lay out."""
    return default.removeprefix(" = attrs.field(").removesuffix(")").split(", ")


def _optional(annotation: str) -> str:
    return annotation if "None" in annotation.split(" | ") else annotation + " | None"


def python_name(prop: str) -> str:
    name = prop.lstrip("_")
    return name + "_" if keyword.iskeyword(name) else name


def _import_list(module: str, names: list[str]) -> str:
    flat = f"from {module} import {', '.join(names)}"
    if len(flat) <= WIDTH:
        return flat
    return "\n".join([f"from {module} import (", *(f"    {n}," for n in names), ")"])


def _all(names: list[str]) -> str:
    ordered = sorted(set(names), key=lambda n: (not n.isupper(), n))
    flat = f"__all__ = [{', '.join(repr_str(n) for n in ordered)}]"
    if len(flat) <= WIDTH:
        return flat
    return "\n".join(["__all__ = [", *(f"    {repr_str(n)}," for n in ordered), "]"])


def _tuple(name: str, values: list[str]) -> str:
    return layout(Call(f"{name} = ", values, is_tuple=True), 0)


def _alias(name: str, members: list[str]) -> str:
    flat = f"{name}: TypeAlias = {' | '.join(members)}"
    if len(flat) <= WIDTH:
        return flat
    inner = f"    {' | '.join(members)}"
    if len(inner) <= WIDTH:
        return f"{name}: TypeAlias = (\n{inner}\n)"
    rest = [f"    | {member}" for member in members[1:]]
    return "\n".join([f"{name}: TypeAlias = (", f"    {members[0]}", *rest, ")"])


# -- entry point --------------------------------------------------------------------------


def load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as file:
        spec: dict[str, Any] = json.load(file)
    return spec


def generate(spec: dict[str, Any]) -> dict[str, str]:
    """Relative path -> the text it must hold."""
    return {"amigo_async/_spec_rows.py": render_rows(spec), **ModelWriter(spec).render_all()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("snapshot", nargs="?", type=Path, default=None, help="a new snapshot")
    parser.add_argument("--check", action="store_true", help="report stale files, write nothing")
    args = parser.parse_args(argv)
    if args.snapshot is None:
        data = load_data(ROOT)
        files = generate(data)
    else:
        data = extract(load(args.snapshot))
        files = {**render_data(data), **generate(data)}
    stale = []
    for relative, text in files.items():
        target = ROOT / relative
        if target.is_file() and target.read_text(encoding="utf-8") == text:
            continue
        stale.append(relative)
        if not args.check:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    for relative in stale:
        print(("stale: " if args.check else "wrote: ") + relative)
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
