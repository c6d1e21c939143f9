"""What the runner's tests share: git work on a scratch remote, and the secrets file an operator
writes for the runner (one section per connector, the secrets in plain text)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, SecretStr


def git(*arguments: str, cwd: Path) -> str:
    """Run git in `cwd`; its output."""
    return subprocess.run(["git", *arguments], cwd=cwd, check=True, capture_output=True,
                          text=True, timeout=60).stdout.strip()


def commit(remote: Path, message: str) -> str:
    """Commit everything in the working tree of `remote` as a developer; the new commit."""
    git("add", "-A", cwd=remote)
    git("-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-q", "-m", message,
        cwd=remote)
    return git("rev-parse", "HEAD", cwd=remote)


def write_secrets(path: Path, **connectors: BaseModel | dict[str, Any]) -> Path:
    """The runner's secrets file at `path`, a section per connector with its settings (a
    connector's settings model, or the section as written)."""
    path.write_text(yaml.safe_dump({name: _plain(settings)
                                    for name, settings in connectors.items()}))
    return path


def _plain(settings: BaseModel | dict[str, Any]) -> dict[str, Any]:
    if isinstance(settings, dict):
        return settings
    return {name: value.get_secret_value() if isinstance(value, SecretStr) else value
            for name, value in settings.model_dump().items()}
