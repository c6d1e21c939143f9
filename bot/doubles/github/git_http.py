"""Git over smart HTTP, served by git's own `git http-backend` (CGI), token-checked."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

from fastapi import Request, Response


def basic_password(header: str | None) -> str | None:
    """The password of an HTTP Basic header (git sends `x-access-token:<token>`)."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:]).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return decoded.partition(":")[2] or None


async def serve_git(request: Request, projects: Path, path: str) -> Response:
    """Run `git http-backend` for one request under `projects` and relay its answer."""
    body = await request.body()
    environment = {
        "GIT_PROJECT_ROOT": str(projects), "GIT_HTTP_EXPORT_ALL": "1",
        "PATH_INFO": f"/{path}", "QUERY_STRING": request.url.query,
        "REQUEST_METHOD": request.method, "CONTENT_TYPE": request.headers.get("content-type", ""),
        "CONTENT_LENGTH": str(len(body)), "REMOTE_USER": "x-access-token",
        "REMOTE_ADDR": "127.0.0.1", "PATH": "/usr/bin:/bin",
        "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.receivepack",
        "GIT_CONFIG_VALUE_0": "true",
    }
    completed = subprocess.run(["git", "http-backend"], input=body, env=environment,  # noqa: S607
                               capture_output=True, check=False, timeout=120)
    head, _, payload = completed.stdout.partition(b"\r\n\r\n")
    status, headers = 200, {}
    for line in head.decode("latin-1").split("\r\n"):
        name, _, value = line.partition(":")
        if name.lower() == "status":
            status = int(value.strip().split()[0])
        elif name:
            headers[name.strip()] = value.strip()
    media = headers.pop("Content-Type", None)
    return Response(payload, status_code=status, headers=headers, media_type=media)
