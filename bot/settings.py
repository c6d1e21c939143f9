"""The app's configuration: environment variables, over an optional config file, checked once.

Names are the ones GitHub App operators already use (`GITHUB_APP_ID`, the private key inline or
as a path, `GITHUB_WEBHOOK_SECRET`, `GITHUB_API_URL` for GitHub Enterprise Server). A file named
by `FLOWBOT_CONFIG` (YAML, the same names in any case) supplies defaults; the environment wins.
Every problem is reported at start-up, by variable name, never with a value.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Self, TypeVar
from urllib.parse import unquote, urlsplit

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.agent.pricing import ModelPrices, PriceTableError, price_table
from flowkit.runtime.database_url import DatabaseUrlError, checked_database_url
from flowkit.runtime.schedule import cron

DEFAULT_MODEL = "claude-sonnet-5-5"
"""From anthropic's own model list (`anthropic.types.model_param`); FLOWBOT_MODEL overrides."""
GITHUB_BODY_LIMIT = 25 * 1024 * 1024
"""GitHub caps webhook payloads at 25 MB."""

VARIABLES = ("GITHUB_APP_ID", "GITHUB_PRIVATE_KEY", "GITHUB_PRIVATE_KEY_PATH",
             "GITHUB_WEBHOOK_SECRET", "GITHUB_API_URL", "ANTHROPIC_API_KEY",
             "ANTHROPIC_BASE_URL", "FLOWBOT_MODEL", "FLOWBOT_DATABASE_URL", "FLOWBOT_REDIS_URL",
             "FLOWBOT_DATA_DIR", "FLOWBOT_MAX_BODY_BYTES", "FLOWBOT_APP_SLUG", "LOG_LEVEL",
             "FLOWBOT_TRUSTED_BOTS", "FLOWBOT_LEASE_TTL_S", "FLOWBOT_HEADER_TIMEOUT_S",
             "FLOWBOT_BODY_TIMEOUT_S", "FLOWBOT_MAX_CONNECTIONS", "FLOWBOT_MAX_INFLIGHT_BYTES",
             "FLOWBOT_MODEL_PRICES", "FLOWBOT_THINKING", "FLOWBOT_EFFORT", "FLOWBOT_MAX_TOKENS",
             "FLOWBOT_JOB_MAX_USD", "FLOWBOT_JOB_DEADLINE_MINUTES",
             "FLOWBOT_RUNNER_REPOSITORY", "FLOWBOT_RUNNER_BRANCH", "FLOWBOT_RUNNER_POLL",
             "FLOWBOT_RUNNER_GATE_STAGE", "FLOWBOT_RUNTIME_DATABASE_URL", "FLOWBOT_SECRETS_FILE",
             "FLOWBOT_FAILURE_ISSUES_PER_HOUR")


class SettingsError(ValueError):
    """Configuration that cannot start the app; the message lists every problem."""


ONE_PRIVATE_KEY = ("set exactly one of GITHUB_PRIVATE_KEY (the PEM text) and "
                   "GITHUB_PRIVATE_KEY_PATH (a file holding it)")


class ProcessSettings(BaseModel):
    """What every flowbot process reads: the GitHub App, the stores, the queue, the model, the
    runner. The webhook secret, which only the web server uses, is optional here (the runner's
    commands load these, `load_process_settings`) and required by `AppSettings`."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="forbid")

    github_app_id: int = Field(alias="GITHUB_APP_ID", gt=0)
    github_private_key: SecretStr | None = Field(default=None, alias="GITHUB_PRIVATE_KEY")
    github_private_key_path: Path | None = Field(default=None, alias="GITHUB_PRIVATE_KEY_PATH")
    github_webhook_secret: SecretStr | None = Field(default=None, alias="GITHUB_WEBHOOK_SECRET")
    """Optional here (kept when set, so that the logs scrub it); `AppSettings` requires it."""
    github_api_url: str = Field(default="https://api.github.com", alias="GITHUB_API_URL",
                                pattern=r"^https?://")
    anthropic_api_key: SecretStr | None = Field(default=None, alias="ANTHROPIC_API_KEY")
    anthropic_base_url: str | None = Field(default=None, alias="ANTHROPIC_BASE_URL")
    model: str = Field(default=DEFAULT_MODEL, alias="FLOWBOT_MODEL")
    database_url: str | None = Field(default=None, alias="FLOWBOT_DATABASE_URL")
    redis_url: str | None = Field(default=None, alias="FLOWBOT_REDIS_URL",
                                  pattern=r"^rediss?://")
    data_dir: Path = Field(default=Path(".flowbot"), alias="FLOWBOT_DATA_DIR")
    max_body_bytes: int = Field(default=GITHUB_BODY_LIMIT, alias="FLOWBOT_MAX_BODY_BYTES", gt=0)
    app_slug: str = Field(default="flowbot", alias="FLOWBOT_APP_SLUG",
                          pattern=r"^[a-z0-9][a-z0-9-]*$")
    """The app's slug: its comments and pull requests come from `<slug>[bot]`."""
    log_level: str = Field(default="INFO", alias="LOG_LEVEL",
                           pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")
    trusted_bots_list: str = Field(default="github-actions[bot]", alias="FLOWBOT_TRUSTED_BOTS",
                                   pattern=r"^[A-Za-z0-9\[\]_., -]*$")
    """Bots (comma-separated logins) whose `flow-failure` issues are repaired, besides the app."""
    lease_ttl_s: float = Field(default=60.0, alias="FLOWBOT_LEASE_TTL_S", ge=1, le=3600)
    """How long a job's lease on its branch outlives its worker's last renewal."""
    header_timeout_s: float = Field(default=10.0, alias="FLOWBOT_HEADER_TIMEOUT_S", gt=0,
                                    le=300)
    """How long a connection may take to send a request's headers (`flowbot serve`)."""
    body_timeout_s: float = Field(default=30.0, alias="FLOWBOT_BODY_TIMEOUT_S", gt=0, le=600)
    """How long a request may take to send its body after its headers."""
    max_connections: int = Field(default=1000, alias="FLOWBOT_MAX_CONNECTIONS", ge=2)
    """Open connections at most (lowered to fit the process's file limit)."""
    max_inflight_bytes: int = Field(default=64 * 1024 * 1024, alias="FLOWBOT_MAX_INFLIGHT_BYTES",
                                    gt=0)
    """Bytes of requests received and not yet answered, over all connections."""
    model_prices: dict[str, Any] | None = Field(default=None, alias="FLOWBOT_MODEL_PRICES")
    """Price table entries over the defaults (YAML or JSON): `model: {rates: {input, output,
    cache_write, cache_read}}`, optionally `long_prompt_rates` and `long_prompt_above`."""
    thinking: str = Field(default="adaptive", alias="FLOWBOT_THINKING",
                          pattern=r"^(adaptive|between_tools)$")
    """`thinking.type` of every request; a repository may choose for itself."""
    effort: str = Field(default="high", alias="FLOWBOT_EFFORT",
                        pattern=r"^(low|medium|high|xhigh|max)$")
    """The default effort of every job kind; a repository may set it per kind."""
    max_tokens: int = Field(default=32_000, alias="FLOWBOT_MAX_TOKENS", ge=4_096, le=128_000)
    """Output tokens per call: thinking plus a whole file written in one tool call."""
    job_max_usd: float = Field(default=5.0, alias="FLOWBOT_JOB_MAX_USD", gt=0)
    """The most one job may spend on the model; a repository may set less, never more."""
    job_deadline_minutes: float = Field(default=30.0, alias="FLOWBOT_JOB_DEADLINE_MINUTES",
                                        gt=0)
    """Wall-clock time one job's agent may take; a repository may set less, never more."""

    runner_repository: str | None = Field(default=None, alias="FLOWBOT_RUNNER_REPOSITORY",
                                          pattern=r"^[\w.-]+/[\w.-]+$")
    """owner/name whose default-branch flows `flowbot runner` runs."""
    runner_branch: str | None = Field(default=None, alias="FLOWBOT_RUNNER_BRANCH")
    """The branch the runner deploys (default: the repository's default branch)."""
    runner_poll: str = Field(default="*/5 * * * *", alias="FLOWBOT_RUNNER_POLL")
    """Cron of the runner's look for a new version, or `off` when pushes trigger it."""
    runner_gate_stage: int = Field(default=5, alias="FLOWBOT_RUNNER_GATE_STAGE", ge=4, le=5)
    """The last gate stage a version must pass before it is deployed (5: tests in the sandbox)."""
    runtime_database_url: str | None = Field(default=None, alias="FLOWBOT_RUNTIME_DATABASE_URL")
    secrets_file: Path | None = Field(default=None, alias="FLOWBOT_SECRETS_FILE")
    """The connectors' credentials (YAML, one section per connector) the runner hands to runs."""
    failure_issues_per_hour: int = Field(default=10, alias="FLOWBOT_FAILURE_ISSUES_PER_HOUR",
                                         ge=1)

    @field_validator("model_prices", mode="before")
    @classmethod
    def _prices_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = yaml.safe_load(value)
            except yaml.YAMLError:
                raise ValueError("not valid YAML or JSON") from None
        if value is not None and not isinstance(value, dict):
            raise ValueError("must map model ids to their prices")
        return value

    @field_validator("data_dir")
    @classmethod
    def _usable_data_dir(cls, value: Path) -> Path:
        """Checked here, without making it, so that a path that cannot be the data folder is
        named with the other problems instead of failing as a traceback where it is made."""
        existing = next(path for path in (value.absolute(), *value.absolute().parents)
                        if path.exists())
        if not existing.is_dir():
            raise ValueError(f"{existing} is a file; give a folder flowbot may write (it is "
                             "made when missing)")
        if not os.access(existing, os.W_OK | os.X_OK):
            raise ValueError(f"{existing} may not be written by this user; give a folder "
                             "flowbot may write (it is made when missing)")
        return value

    @field_validator("secrets_file")
    @classmethod
    def _secrets_file_there(cls, value: Path | None) -> Path | None:
        """Checked at start, not when the first run cannot find its credentials."""
        if value is not None and not value.is_file():
            raise ValueError(f"no file at {value}")
        return value

    @field_validator("runner_poll")
    @classmethod
    def _poll_cron(cls, value: str) -> str:
        """Checked here, not when the runner schedules its poll after reaching GitHub."""
        if value != "off":
            try:
                cron(value)
            except ValueError:
                raise ValueError(f"{value!r} is neither five-field cron (minute hour "
                                 "day-of-month month day-of-week, e.g. '*/5 * * * *') nor "
                                 "off") from None
        return value

    @model_validator(mode="after")
    def _model_priced(self) -> Self:
        try:
            table = price_table(self.model_prices)
        except PriceTableError as error:
            raise ValueError(f"FLOWBOT_MODEL_PRICES: {error}") from None
        if self.model not in table:
            raise ValueError(f"FLOWBOT_MODEL: {self.model!r} has no price (priced: "
                             f"{', '.join(sorted(table))}); add it to FLOWBOT_MODEL_PRICES so "
                             "that jobs report what they cost")
        return self

    @property
    def prices(self) -> ModelPrices:
        """The price of the configured model (checked at start)."""
        return price_table(self.model_prices)[self.model]

    @model_validator(mode="after")
    def _one_private_key(self) -> Self:
        if (self.github_private_key is None) == (self.github_private_key_path is None):
            raise ValueError(ONE_PRIVATE_KEY)
        if self.github_private_key_path is not None and not self.github_private_key_path.is_file():
            raise ValueError(f"GITHUB_PRIVATE_KEY_PATH: no file at {self.github_private_key_path}")
        if "PRIVATE KEY-----" not in self.private_key().get_secret_value():
            raise ValueError("the GitHub App private key is not a PEM key (it should start with "
                             "-----BEGIN RSA PRIVATE KEY-----)")
        return self

    @model_validator(mode="after")
    def _usable_stores(self) -> Self:
        """A database URL the stores can use, and the extra a Redis queue needs."""
        for setting, url in (("FLOWBOT_DATABASE_URL", self.database_url),
                             ("FLOWBOT_RUNTIME_DATABASE_URL", self.runtime_database_url)):
            if url is not None:
                try:
                    checked_database_url(url, setting=setting)
                except DatabaseUrlError as error:
                    raise ValueError(str(error)) from None
        if self.redis_url is not None and importlib.util.find_spec("redis") is None:
            raise ValueError("FLOWBOT_REDIS_URL is set but the redis client is not installed; "
                             "install flowbot's redis extra: in your copy of flowbot, "
                             "pip install -c constraints.txt '.[redis]'")
        return self

    def private_key(self) -> SecretStr:
        """The app's private key, read from the file when a path was given."""
        if self.github_private_key is not None:
            return self.github_private_key
        assert self.github_private_key_path is not None
        return SecretStr(self.github_private_key_path.read_text(encoding="utf-8"))

    def secret_values(self) -> list[str]:
        """The secrets set here, which the logs scrub from every value they write: the keys,
        and the passwords in the database and Redis URLs."""
        passwords = [urlsplit(url).password or "" for url in (self.database_url, self.redis_url,
                                                              self.runtime_database_url)
                     if url]
        return [self.github_webhook_secret.get_secret_value() if self.github_webhook_secret else "",
                self.private_key().get_secret_value(),
                self.anthropic_api_key.get_secret_value() if self.anthropic_api_key else "",
                *passwords, *map(unquote, passwords)]

    @property
    def bot_login(self) -> str:
        """The login the app's own comments and pull requests carry."""
        return f"{self.app_slug}[bot]"

    @property
    def trusted_bots(self) -> frozenset[str]:
        """The logins of FLOWBOT_TRUSTED_BOTS."""
        return frozenset(name.strip() for name in self.trusted_bots_list.split(",")
                         if name.strip())

    @property
    def runtime_database(self) -> str:
        """The runtime store's URL (runs, ledger, failures): FLOWBOT_RUNTIME_DATABASE_URL, else
        SQLite in the data dir."""
        return (self.runtime_database_url
                or f"sqlite:///{(self.data_dir / 'runtime.sqlite3').resolve()}")

    @property
    def database(self) -> str:
        """The app's database URL: FLOWBOT_DATABASE_URL, else SQLite in the data dir."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'app.sqlite3').resolve()}"


class AppSettings(ProcessSettings):
    """Everything the app needs to start: the process settings, and the secret GitHub signs
    webhook deliveries with."""

    github_webhook_secret: SecretStr = Field(alias="GITHUB_WEBHOOK_SECRET", min_length=1)


def _file_values(environ: Mapping[str, str]) -> dict[str, Any]:
    path = environ.get("FLOWBOT_CONFIG")
    if not path:
        return {}
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise SettingsError(f"FLOWBOT_CONFIG: cannot read {path} "
                            f"({error.strerror or type(error).__name__})") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else path
        raise SettingsError(f"FLOWBOT_CONFIG: {where} is not valid YAML "
                            f"({getattr(error, 'problem', None) or type(error).__name__})") \
            from None
    if not isinstance(data, dict):
        raise SettingsError(f"FLOWBOT_CONFIG: {path} must be a mapping of setting names")
    values = {str(key).upper(): value for key, value in data.items()}
    unknown = sorted(set(values) - set(VARIABLES))
    if unknown:
        raise SettingsError(f"FLOWBOT_CONFIG: {path} has unknown settings {', '.join(unknown)}; "
                            f"the settings are {', '.join(VARIABLES)}")
    return values


Loaded = TypeVar("Loaded", bound=ProcessSettings)


def load_settings(environ: Mapping[str, str] | None = None) -> AppSettings:
    """The app's settings from the config file and the environment; SettingsError lists
    problems."""
    return _load(AppSettings, environ)


def load_process_settings(environ: Mapping[str, str] | None = None) -> ProcessSettings:
    """The settings of a process that receives no webhooks (the runner): `load_settings`
    with GITHUB_WEBHOOK_SECRET optional."""
    return _load(ProcessSettings, environ)


def _load(model: type[Loaded], environ: Mapping[str, str] | None) -> Loaded:
    environ = os.environ if environ is None else environ
    values = {**_file_values(environ),
              **{name: environ[name] for name in VARIABLES if environ.get(name)}}
    try:
        return model.model_validate(values)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            name = ".".join(str(part) for part in item["loc"]) or "settings"
            problems.append(f"{name}: {item['msg'].removeprefix('Value error, ')}")
        # The whole-model checks run only once every field is valid; the key's is told now
        # too, so that a first start lists everything missing at once.
        keys = [name for name in ("GITHUB_PRIVATE_KEY", "GITHUB_PRIVATE_KEY_PATH")
                if values.get(name)]
        if len(keys) != 1 and f"settings: {ONE_PRIVATE_KEY}" not in problems:
            problems.append(f"settings: {ONE_PRIVATE_KEY}")
        raise SettingsError("flowbot cannot start:\n  " + "\n  ".join(problems)) from None
