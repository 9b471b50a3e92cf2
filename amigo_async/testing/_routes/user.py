"""sign-in-with-api-key: the one User endpoint the client needs."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta

from .._app import Call, Reply, error_reply, handler, json_reply


@handler("sign-in-with-api-key")
async def sign_in_with_api_key(call: Call) -> Reply:
    headers = call.request.headers
    key_id, key, user = (headers.get(h, "") for h in ("x-api-key-id", "x-api-key", "x-user-id"))
    if not (key_id and key and user):
        return error_reply(422, "x-api-key, x-api-key-id and x-user-id headers are required")
    known = call.server._api_keys.get(key_id)
    if known is None or not hmac.compare_digest(known[0], key) or user not in known[1]:
        return error_reply(
            401, "API key not found, is incorrect, or the requested user is not found."
        )
    call.server.sign_ins += 1
    ttl = call.server.token_ttl
    token = call.server.issue_token(user, ttl=ttl)
    expires_at = datetime.now(UTC) + timedelta(seconds=ttl)
    return json_reply({"id_token": token, "expires_at": expires_at.isoformat()})
