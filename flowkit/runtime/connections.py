"""The connectors a flow runs with: real APIs from credentials, or the simulators.

Credentials come from a secrets file (YAML, one section per connector) and environment
variables `FLOWBOT_<CONNECTOR>__<SETTING>` (which win; a mapping or a list as JSON), validated
by each connector's own settings model. Errors name what is missing and where to put it — never
a value.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from connectors.core.connector import Connector
from connectors.core.simulator import Simulator
from connectors.registry import simulator_class

SECRETS_FILE_VARIABLE = "FLOWBOT_SECRETS_FILE"
ENV_PREFIX = "FLOWBOT_"


class SettingsMissing(Exception):
    """Settings that are missing or invalid for a connector the flow needs."""


def _file_sections(path: Path | None) -> dict[str, Any]:
    chosen = path or (Path(os.environ[SECRETS_FILE_VARIABLE])
                      if os.environ.get(SECRETS_FILE_VARIABLE) else None)
    if chosen is None:
        return {}
    try:
        data = yaml.safe_load(chosen.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise SettingsMissing(f"cannot read the secrets file {chosen}: "
                               f"{type(error).__name__}") from None
    if not isinstance(data, dict):
        raise SettingsMissing(f"the secrets file {chosen} must be a mapping of connector "
                               "names to their settings")
    return data


def _environment(name: str, environ: Mapping[str, str]) -> dict[str, Any]:
    prefix = f"{ENV_PREFIX}{name.upper()}__"
    return {key[len(prefix):].lower(): _structured(value) for key, value in environ.items()
            if key.startswith(prefix)}


def _structured(value: str) -> Any:
    """A variable's value; a mapping or a list is given as JSON (as the runner passes them)."""
    if value.startswith(("{", "[")):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def connector_settings(name: str, *, secrets_file: Path | None = None,
                       environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The settings given for connector `name`, unchecked: its section of the secrets file, with
    its environment variables over it."""
    section = _file_sections(secrets_file).get(name) or {}
    if not isinstance(section, dict):
        raise SettingsMissing(f"the `{name}:` section of the secrets file must be a mapping of "
                              "settings")
    return {**section, **_environment(name, environ if environ is not None else os.environ)}


def real_connector(cls: type[Connector], *, secrets_file: Path | None = None,
                   environ: Mapping[str, str] | None = None) -> Connector:
    """The connector `cls` with settings from the secrets file and the environment."""
    values = connector_settings(cls.name, secrets_file=secrets_file, environ=environ)
    try:
        settings = cls.settings_model.model_validate(values)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            field = ".".join(str(part) for part in item["loc"])
            variable = f"{ENV_PREFIX}{cls.name.upper()}__{field.upper()}"
            problems.append(f"`{field}`: {item['msg']} (set {variable}, or `{field}` under "
                            f"`{cls.name}:` in the secrets file)")
        raise SettingsMissing(f"{cls.name} settings are not valid:\n  " +
                               "\n  ".join(problems)) from None
    return cls(settings)


def simulated_connectors(classes: tuple[type[Connector], ...], *,
                         seed: int = 0) -> tuple[dict[type[Connector], Connector],
                                                 dict[str, Simulator[Any]]]:
    """Connectors wired in process to freshly seeded simulators, and the simulators."""
    simulators: dict[str, Simulator[Any]] = {}
    connectors: dict[type[Connector], Connector] = {}
    for cls in classes:
        try:
            simulator = simulator_class(cls.name)(seed=seed)
        except LookupError as error:
            raise SettingsMissing(str(error)) from None
        simulators[cls.name] = simulator
        connectors[cls] = simulator.connect()
    return connectors, simulators


def flow_version(root: Path) -> str:
    """The checkout's commit, or 'unknown' outside a git repository."""
    try:
        completed = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"],  # noqa: S603, S607
                                   capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    commit = completed.stdout.strip()
    return commit if completed.returncode == 0 and commit else "unknown"
