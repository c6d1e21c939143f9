"""githubkit clients for the app, for one installation, and the installation token git needs.

Every client has an explicit timeout (githubkit's default is none), no HTTP cache (answers must be
current: a job re-reads what it is about to change), and githubkit's own retries for server errors
and rate limits, which honour `retry-after`. The base URL comes from configuration, so GitHub
Enterprise Server and the GitHub simulator are reached the same way as github.com.
"""

from __future__ import annotations

from dataclasses import dataclass

from githubkit import AppAuthStrategy, AppInstallationAuthStrategy, GitHub
from pydantic import SecretStr

DEFAULT_TIMEOUT_S = 30.0
USER_AGENT = "flowbot"


@dataclass(frozen=True)
class AppIdentity:
    """Who the app is on which GitHub."""

    app_id: int
    private_key: SecretStr
    api_url: str = "https://api.github.com"

    def __repr__(self) -> str:
        return f"AppIdentity(app_id={self.app_id}, api_url={self.api_url!r})"


def app_client(identity: AppIdentity, *,
               timeout: float = DEFAULT_TIMEOUT_S) -> GitHub[AppAuthStrategy]:
    """A client that acts as the app itself (JWT): installations, installation tokens."""
    return GitHub(AppAuthStrategy(identity.app_id, identity.private_key.get_secret_value()),
                  base_url=identity.api_url, timeout=timeout, http_cache=False,
                  user_agent=USER_AGENT)


InstallationClient = GitHub[AppInstallationAuthStrategy]


def installation_client(app: GitHub[AppAuthStrategy], installation_id: int) -> InstallationClient:
    """A client that acts as one installation (its token is minted and renewed by githubkit)."""
    return app.with_auth(app.auth.as_installation(installation_id))


def installation_id_for(app: GitHub[AppAuthStrategy], owner: str, repo: str) -> int:
    """The id of the app's installation on `owner/repo`."""
    return app.rest.apps.get_repo_installation(owner, repo).parsed_data.id


def installation_token(app: GitHub[AppAuthStrategy], installation_id: int) -> SecretStr:
    """A fresh installation token, for the one git command that needs it (it lives an hour)."""
    response = app.rest.apps.create_installation_access_token(installation_id)
    return SecretStr(response.parsed_data.token)
