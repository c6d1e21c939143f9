"""Keeping the app's list of installed repositories in step with GitHub's installation events.

`installation` (created, deleted, suspend, unsuspend, new_permissions_accepted) and
`installation_repositories` (added, removed) say where the app may work; the reconciler looks
for missed work in the active repositories, including ones the app has never had another
delivery from.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.store import InstalledRepository

INSTALLATION_EVENTS = ("installation", "installation_repositories")
_ACTIVATING = ("created", "new_permissions_accepted", "unsuspend")
_DEACTIVATING = ("deleted", "suspend")


def _names(payload: dict[str, Any], key: str) -> list[str]:
    return [str(repo["full_name"]) for repo in payload.get(key) or []
            if isinstance(repo, dict) and repo.get("full_name")]


def _set(session: Session, installation_id: int, names: list[str], *, active: bool) -> None:
    for name in names:
        row = session.get(InstalledRepository, name)
        if row is None:
            session.add(InstalledRepository(repository=name, installation_id=installation_id,
                                            active=active))
        else:
            row.installation_id, row.active = installation_id, active


def apply_installation_event(session: Session, event: str, payload: dict[str, Any]) -> str:
    """Record what an installation event changes; what it did, in words (for the delivery's
    decision)."""
    action = str(payload.get("action"))
    installation_id = int((payload.get("installation") or {}).get("id") or 0)
    if event == "installation_repositories":
        added, removed = _names(payload, "repositories_added"), \
            _names(payload, "repositories_removed")
        _set(session, installation_id, added, active=True)
        _set(session, installation_id, removed, active=False)
        return f"installation {installation_id}: +{len(added)} -{len(removed)} repositories"
    listed = _names(payload, "repositories")
    if action in _ACTIVATING:
        _set(session, installation_id, listed, active=True)
        if action == "unsuspend":
            session.execute(update(InstalledRepository).where(
                InstalledRepository.installation_id == installation_id).values(active=True))
    elif action in _DEACTIVATING:
        session.execute(update(InstalledRepository).where(
            InstalledRepository.installation_id == installation_id).values(active=False))
        _set(session, installation_id, listed, active=False)
    return f"installation {installation_id} {action}"


def active_repositories(session: Session) -> dict[str, int]:
    """Installed, active repositories and their installation ids."""
    return {row.repository: row.installation_id for row in session.scalars(
        select(InstalledRepository).where(InstalledRepository.active))}


def inactive_repositories(session: Session) -> set[str]:
    """Repositories the app was removed from (the reconciler leaves them alone)."""
    return set(session.scalars(select(InstalledRepository.repository).where(
        InstalledRepository.active.is_(False))))
