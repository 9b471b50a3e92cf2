"""User endpoints of the fake server: sign-in with an API key (what authentication needs),
and the user directory on the generic CRUD helpers.

Bodies are checked by the generated request models (422); an unknown user
answers 404, an email already taken 409, deleting a variable the user does
not have 400.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ...models import unstructure
from ...models.user import (
    CreateInvitedUserRequest,
    ModifyUserVariablesRequest,
    PreferencesOutput,
    SignInWithEmailRequest,
    UpdateUserInfoRequest,
    UserInstance,
)
from .._app import Call, Refused, Reply, error_reply, handler, json_reply
from .._crud import body_of, fields_of, listing, matching
from .._data._common import PREFERENCE_DEFAULTS
from .._samples import sample

_PREFERENCES = frozenset(attr.name for attr in PreferencesOutput.__attrs_attrs__)
_ERASABLE = ("preferred_language", "timezone")


@handler("sign-in-with-api-key")
async def sign_in_with_api_key(call: Call) -> Reply:
    headers = call.request.headers
    key_id, key, user = (headers.get(h, "") for h in ("x-api-key-id", "x-api-key", "x-user-id"))
    # Missing headers were refused (422) before the handler; an empty one is a valid string
    # naming no key or user: the documented 401.
    if not call.server.api_key_signs_in(key_id, key, user):
        return error_reply(
            401, "API key not found, is incorrect, or the requested user is not found."
        )
    call.server.sign_ins += 1
    ttl = call.server.token_ttl
    token = call.server.issue_token(user, ttl=ttl)
    expires_at = datetime.now(UTC) + timedelta(seconds=ttl)
    return json_reply({"id_token": token, "expires_at": expires_at.isoformat()})


@handler("create-invited-user")
async def create_invited_user(call: Call) -> Reply:
    data = call.state.users
    body = body_of(call, CreateInvitedUserRequest)
    data.users.unique("email", body.email)
    call.state.roles.roles.get(body.role_name)
    sent = unstructure(body.user_preferences) if body.user_preferences else {}
    record = sample(
        UserInstance,
        data.rng,
        org_id=call.state.organization,
        first_name=body.first_name,
        last_name=body.last_name,
        email=body.email,
        role=body.role_name,
        preferences={**PREFERENCE_DEFAULTS, **sent},
        user_stats={"num_conversations": 0, "num_messages": 0, "last_message_time": None},
        nonsensitive_variables=dict(body.nonsensitive_user_variables or {}),
        sensitive_variables=sorted(body.sensitive_user_variables or {}),
    )
    data.users.add(record)
    data.memories[record["user_id"]] = []
    data.user_models[record["user_id"]] = {"user_models": [], "additional_context": []}
    link = None if body.login_link is None else f"{body.login_link}?verify={record['user_id']}"
    return json_reply({"user_id": record["user_id"], "verify_link": link}, 201)


@handler("get-users")
async def get_users(call: Call) -> Reply:
    items = matching(call, call.state.users.users.values(), "user_id")
    return listing(call, "get-users", matching(call, items, "email"))


@handler("search-users")
async def search_users(call: Call) -> Reply:
    query = call.query("query") or ""
    needle = query.lower()
    items = [
        user
        for user in matching(call, call.state.users.users.values(), "user_id")
        if any(needle in user[field].lower() for field in ("first_name", "last_name", "email"))
    ]
    return json_reply({"users": items})


@handler("update-user-info")
async def update_user_info(call: Call) -> Reply:
    data = call.state.users
    user = data.users.get(call.path("requested_user_id"))
    changes = fields_of(body_of(call, UpdateUserInfoRequest))
    context = changes.pop("additional_context")
    if context is not None:
        data.user_models[user["user_id"]]["additional_context"] = context
    preferences = {k: v for k, v in changes.items() if k in _PREFERENCES and v is not None}
    sent = call.json()  # `null` erases these two (`{}` or leaving them out keeps them)
    preferences.update({k: None for k in _ERASABLE if k in sent and sent[k] is None})
    user["preferences"].update(preferences)
    data.users.update(user["user_id"], {k: changes[k] for k in ("first_name", "last_name")})
    return Reply(204)


@handler("delete-user")
async def delete_user(call: Call) -> Reply:
    data = call.state.users
    user_id = call.path("requested_user_id")
    data.users.delete(user_id)
    data.memories.pop(user_id, None)
    data.user_models.pop(user_id, None)
    return Reply(204)


@handler("get-user-model")
async def get_user_model(call: Call) -> Reply:
    data = call.state.users
    return json_reply(data.user_models[data.users.get(call.path("user_id"))["user_id"]])


@handler("get-memories")
async def get_memories(call: Call) -> Reply:
    data = call.state.users
    user = data.users.get(call.path("user_id"))
    items = matching(call, data.memories.get(user["user_id"], []), "id")
    return listing(call, "get-memories", matching(call, items, "conversation_id"))


@handler("modify-user-variables")
async def modify_user_variables(call: Call) -> Reply:
    user = call.state.users.users.get(call.path("requested_user_id"))
    body = body_of(call, ModifyUserVariablesRequest)
    plain, secret = user["nonsensitive_variables"], set(user["sensitive_variables"])
    for delete in body.deletes or ():
        if delete.name not in plain and delete.name not in secret:
            raise Refused(400, f"The user has no variable {delete.name}.")
        plain.pop(delete.name, None)
        secret.discard(delete.name)
    for upsert in body.upserts or ():
        plain.pop(upsert.name, None)
        secret.discard(upsert.name)
        if upsert.is_secret:
            secret.add(upsert.name)
        else:
            plain[upsert.name] = upsert.value
    user["sensitive_variables"] = sorted(secret)
    return Reply(204)


@handler("sign-in-with-email")
async def sign_in_with_email(call: Call) -> Reply:
    data = call.state.users
    body = body_of(call, SignInWithEmailRequest)
    if not any(user["email"] == body.email for user in data.users.values()):
        raise Refused(404, "No user with this email exists in the organization.")
    data.sign_in_emails.append(body.email)
    return json_reply(None)
