"""Reading Slack's answers: `200 {"ok": false, "error": "channel_not_found"}` is a failure.

Slack reports almost every failure with HTTP 200 and an error code in the body, beside optional
details: `needed`/`provided` scopes for `missing_scope`, and `response_metadata.messages` such as
"[ERROR] missing required field: type [json-pointer:/blocks/0]" for `invalid_blocks`. This module
classifies the codes into the error taxonomy and words a message that says what to do.

Codes this connector does not know become `ValidationFailed` carrying the code: Slack's documented
per-method codes are overwhelmingly refusals of the call's arguments or of the target's state,
which neither a retry nor new credentials fix, while the answer itself is well-formed (so it is not
a `ProtocolError`).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx

from connectors.core.client import Failure, VendorConventions
from connectors.core.errors import (
    AuthError,
    Conflict,
    ConnectorError,
    FieldError,
    NotFound,
    PermissionDenied,
    ProtocolError,
    RateLimited,
    TransientError,
    ValidationFailed,
)

logger = logging.getLogger(__name__)

_AUTH = "the token is missing, wrong, revoked or expired; set a valid bot token (xoxb-…)"
_CHANNEL = ("the channel does not exist or this token cannot see it (a private channel the bot "
            "is not in); pass the channel id (C…) from conversations.list")
_NOT_IN_CHANNEL = ("the bot is not a member of the channel; invite it (/invite @your-app) or, to "
                   "post in public channels without joining, grant chat:write.public")
_TRANSIENT = "Slack had a temporary problem; it may pass"

CODES: dict[str, tuple[type[ConnectorError], str]] = {
    "not_authed": (AuthError, "no token was sent; " + _AUTH),
    "invalid_auth": (AuthError, _AUTH),
    "account_inactive": (AuthError, "the token belongs to a deleted user or workspace"),
    "token_revoked": (AuthError, "the token was revoked or the app uninstalled; reinstall it"),
    "token_expired": (AuthError, "the token expired (token rotation is on); refresh it"),
    "not_allowed_token_type": (AuthError, "this method does not accept this kind of token"),
    "missing_scope": (PermissionDenied, "the token lacks a scope this method needs; add it to "
                                        "the app and reinstall"),
    "not_in_channel": (PermissionDenied, _NOT_IN_CHANNEL),
    "restricted_action": (PermissionDenied, "a workspace preference prevents the bot from "
                                            "doing this"),
    "restricted_action_read_only_channel": (PermissionDenied, "the channel is read-only"),
    "restricted_action_thread_only_channel": (PermissionDenied, "the channel only takes thread "
                                                                "replies; pass thread_ts"),
    "restricted_action_non_threadable_channel": (PermissionDenied, "the channel takes no "
                                                                   "thread replies"),
    "no_permission": (PermissionDenied, "the token lacks the permission; is the app a member "
                                        "of the channel?"),
    "access_denied": (PermissionDenied, "access to the resource is denied"),
    "ekm_access_denied": (PermissionDenied, "administrators suspended posting (EKM)"),
    "channel_not_found": (NotFound, _CHANNEL),
    "users_not_found": (NotFound, "no user has that email address (or the token cannot see "
                                  "them)"),
    "user_not_found": (NotFound, "no such user"),
    "message_not_found": (NotFound, "no message with that ts in the channel"),
    "thread_not_found": (NotFound, "no thread with that thread_ts in the channel"),
    "is_archived": (Conflict, "the channel is archived; unarchive it or post elsewhere"),
    "invalid_arguments": (ValidationFailed, "the method was called with invalid arguments"),
    "invalid_blocks": (ValidationFailed, "the blocks are not valid Block Kit"),
    "invalid_blocks_format": (ValidationFailed, "blocks must be a JSON array of objects"),
    "msg_too_long": (ValidationFailed, "the text is too long (Slack takes up to 40,000 "
                                       "characters)"),
    "no_text": (ValidationFailed, "the message has neither text nor blocks"),
    "too_many_attachments": (ValidationFailed, "at most 100 attachments per message"),
    "invalid_cursor": (ValidationFailed, "the pagination cursor is invalid or expired; start "
                                         "the listing again"),
    "invalid_limit": (ValidationFailed, "the page size is out of Slack's range"),
    "invalid_types": (ValidationFailed, "the conversation types are invalid or need scopes the "
                                        "token lacks"),
    "invalid_ts_oldest": (ValidationFailed, "`oldest` is not a Slack timestamp"),
    "invalid_ts_latest": (ValidationFailed, "`latest` is not a Slack timestamp"),
    "invalid_json": (ValidationFailed, "the JSON body could not be parsed"),
    "invalid_post_type": (ValidationFailed, "the method does not take this Content-Type"),
    "ratelimited": (RateLimited, "Slack's rate limit for this method was exceeded"),
    "rate_limited": (RateLimited, "the app posted too many messages"),
    "internal_error": (TransientError, _TRANSIENT),
    "service_unavailable": (TransientError, _TRANSIENT),
    "request_timeout": (TransientError, "the request body arrived incomplete; " + _TRANSIENT),
    "fatal_error": (TransientError, "Slack failed badly; part of the call may have taken "
                                    "effect, so check before repeating a write"),
    "team_added_to_org": (TransientError, "the workspace is migrating to an Enterprise Grid "
                                          "org; calls fail until it finishes"),
}

_POINTER = re.compile(r"^\[(?:ERROR|WARN)\]\s*(.*?)\s*\[json-pointer:/?([^\]]*)\]\s*$")


def method_of(url: httpx.URL) -> str:
    """The Slack method a request calls: the last segment of `/api/chat.postMessage`."""
    return url.path.rstrip("/").rsplit("/", 1)[-1]


def _details(body: dict[str, Any]) -> tuple[str, list[FieldError]]:
    """Scope details and `response_metadata.messages`: prose, and field errors with pointers."""
    parts: list[str] = []
    if "needed" in body or "provided" in body:
        parts.append(f"needed scope: {body.get('needed') or '?'}; the token has: "
                     f"{body.get('provided') or 'none'}")
    field_errors: list[FieldError] = []
    metadata = body.get("response_metadata")
    messages = metadata.get("messages") if isinstance(metadata, dict) else None
    for message in messages if isinstance(messages, list) else []:
        match = _POINTER.match(str(message))
        if match is not None:
            field_errors.append(FieldError(match.group(2).replace("/", ".") or "body",
                                           match.group(1)))
        else:
            parts.append(str(message))
    return "; ".join(parts), field_errors


def classify(code: str, body: dict[str, Any], method: str) -> Failure:
    """The taxonomy class and an actionable message for Slack's error `code`."""
    error, explanation = CODES.get(code, (
        ValidationFailed, "an error code this connector does not classify; see the method's "
                          f"documentation at https://api.slack.com/methods/{method}#errors"))
    details, field_errors = _details(body)
    message = f"Slack {method} failed with '{code}': {explanation}"
    return Failure(error, f"{message} ({details})" if details else message, field_errors)


def describe_error(body: Any) -> tuple[str, list[FieldError]] | None:
    """Slack's error body on a non-2xx answer (429 `ratelimited`, 404 `unknown_method`)."""
    if not isinstance(body, dict) or not isinstance(body.get("error"), str):
        return None
    failure = classify(body["error"], body, str(body.get("req_method") or "call"))
    return failure.message, failure.field_errors


def inspect_success(response: httpx.Response, body: Any) -> Failure | None:
    """The failure hidden in a 200 answer, if any; warnings on success are logged."""
    method = method_of(response.request.url)
    if not isinstance(body, dict) or not isinstance(body.get("ok"), bool):
        return Failure(ProtocolError, f"Slack {method} answered without its 'ok' flag; this is "
                                      "not a Slack Web API answer (check the base URL)")
    if not body["ok"]:
        code = body.get("error")
        if not isinstance(code, str) or not code:
            return Failure(ProtocolError, f"Slack {method} answered ok=false without an error "
                                          "code")
        return classify(code, body, method)
    warning = body.get("warning")
    if warning:
        details, field_errors = _details(body)
        notes = [details] if details else []
        notes += [f"{e.field}: {e.message}" for e in field_errors]
        logger.warning("Slack %s succeeded with warning %s%s", method, warning,
                       f" ({'; '.join(notes)})" if notes else "")
    return None


CONVENTIONS = VendorConventions(describe_error=describe_error, inspect_success=inspect_success)
"""How Slack speaks. It has no idempotency-key header: no Slack write can be deduplicated."""
