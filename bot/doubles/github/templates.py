"""GitHub-shaped answers, made from the examples in GitHub's own OpenAPI description.

Each answer starts as a copy of the published example for its schema (kept in the trimmed
description in `data/`) with the simulator's values written over it, so every field a client
such as githubkit requires is present and typed as GitHub types it.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

DESCRIPTION = Path(__file__).resolve().parent / "data" / "api.github.com.trimmed.json"
PERMISSION_EXAMPLE = ("repository-collaborator-permission-response-if-user-has-admin-"
                      "permissions")


@cache
def description() -> dict[str, Any]:
    """GitHub's OpenAPI description, trimmed to what the simulator serves."""
    loaded: dict[str, Any] = json.loads(DESCRIPTION.read_text(encoding="utf-8"))
    return loaded


def example(template: str, /, **overrides: Any) -> dict[str, Any]:
    """A copy of GitHub's example `template`, with `overrides` written over its top level."""
    value = copy.deepcopy(description()["components"]["examples"][template]["value"])
    if isinstance(value, list):
        value = value[0]
    value.update(overrides)
    result: dict[str, Any] = value
    return result


def user(login: str, user_id: int, *, bot: bool = False, host: str) -> dict[str, Any]:
    """A simple-user object."""
    api = f"{host}/users/{login}"
    return example("simple-user", login=login, id=user_id, node_id=f"U_{user_id}",
                   type="Bot" if bot else "User", url=api,
                   html_url=f"https://github.example/{login}")
