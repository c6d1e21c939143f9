"""Filing failed messages as `flow-failure` issues through githubkit.

`file_issue` files one failed message (`flowbot failures report`); `FailureFiler` is the runner
service's: one issue per flow and failure signature, later occurrences counted on it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from githubkit import GitHub, TokenAuthStrategy
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from flowkit.runtime.report import FailureError, FailureReport, render_failure_report
from flowkit.runtime.store import FailedMessage, FailureIssue

FAILURE_LABEL = "flow-failure"
TIMEOUT_S = 30.0


def report_of(failure: FailedMessage) -> FailureReport:
    """The machine-readable report of a failed message (its packet already redacted)."""
    return FailureReport(flow=failure.flow, version=failure.version, step=failure.unit,
                         error=FailureError(type=failure.error_type, message=failure.message),
                         packet=failure.packet, packet_key=failure.packet_key,
                         failure_id=failure.id, run_id=failure.run_id)


def file_issue(failure: FailedMessage, *, repository: str, token: SecretStr,
               api_url: str = "https://api.github.com") -> str:
    """Open the issue in `owner/name` and return its URL."""
    owner, _, name = repository.partition("/")
    if not owner or not name:
        raise ValueError(f"--repo must be owner/name, not {repository!r}")
    report = report_of(failure)
    title = f"[flow-failure] {failure.flow}: {failure.error_type} in {failure.unit}"
    with GitHub(TokenAuthStrategy(token.get_secret_value()), base_url=api_url,
                timeout=TIMEOUT_S, http_cache=False) as github:
        issue = github.rest.issues.create(
            owner, name, title=title[:250], labels=[FAILURE_LABEL],
            body=render_failure_report(report, traceback=failure.traceback)).parsed_data
    return str(issue.html_url)


# -- the runner's filing: one issue per flow and failure signature --------------------------------

SIGNATURE_MARKER = "<!-- flowbot:signature {} -->"
OCCURRENCES_MARKER = "<!-- flowbot:occurrences -->"
DEFAULT_ISSUES_PER_HOUR = 10
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_IDENTIFIERS = re.compile(r"\b(?:[a-z]{2,8}_[A-Za-z0-9]{4,}|[0-9a-f]{8,}|[0-9a-f-]{36})\b")
_NUMBERS = re.compile(r"\d+(?:\.\d+)?")
_ISSUE_NUMBER = re.compile(r"/issues/(\d+)$")


def _issue_number(url: str | None) -> int | None:
    """The number at the end of an issue's URL."""
    found = _ISSUE_NUMBER.search(url or "")
    return int(found.group(1)) if found else None


def normalised(message: str) -> str:
    """An error message without what varies from packet to packet: quoted values, record ids,
    numbers; so that one defect reads the same on every packet it meets."""
    text = _QUOTED.sub("'…'", message)
    text = _IDENTIFIERS.sub("<id>", text)
    text = _NUMBERS.sub("<n>", text)
    return " ".join(text.split())[:300]


def signature(failure: FailedMessage) -> str:
    """The failure's signature: step, error type and normalised message, digested."""
    text = "\0".join((failure.unit, failure.error_type, normalised(failure.message)))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class FailureFiler:
    """Files failed messages of one repository's flows: one issue per flow and signature.

    A signature seen before is counted on its issue (one comment, edited); one whose issue was
    closed since is filed again, linking the closed one (the repair did not hold). New issues
    are capped per hour: failed messages beyond the cap wait, unfiled, for the next pass.
    """

    def __init__(self, sessions: sessionmaker[Session], github: GitHub[Any], repository: str,
                 *, issues_per_hour: int = DEFAULT_ISSUES_PER_HOUR) -> None:
        owner, _, name = repository.partition("/")
        if not owner or not name:
            raise ValueError(f"the repository must be owner/name, not {repository!r}")
        self.sessions = sessions
        self.github = github
        self.owner, self.name = owner, name
        self.issues_per_hour = issues_per_hour

    def file(self, failure_ids: Iterable[int]) -> list[str]:
        """File or count each failed message not filed yet; the issues' URLs touched."""
        groups: dict[tuple[str, str], list[FailedMessage]] = {}
        with self.sessions() as session:
            for failure_id in failure_ids:
                failure = session.get(FailedMessage, failure_id)
                if failure is not None and failure.issue_url is None:
                    groups.setdefault((failure.flow, signature(failure)), []).append(failure)
        touched = []
        for (flow, digest), failures in groups.items():
            url = self._file_group(flow, digest, failures)
            if url is not None:
                touched.append(url)
        return touched

    def _file_group(self, flow: str, digest: str, failures: list[FailedMessage]) -> str | None:
        with self.sessions.begin() as session:
            known = session.get(FailureIssue, (flow, digest))
            if known is not None and self._is_open(known.issue_number):
                known.occurrences += len(failures)
                known.comment_id = self._count(known, failures[-1])
                url = known.issue_url
            else:
                if self._filed_within_hour(session) >= self.issues_per_hour:
                    return None
                previous = known.issue_url if known is not None else None
                number, url = self._open(failures[0], digest, previous)
                if known is not None:
                    session.delete(known)
                    session.flush()
                filed = FailureIssue(flow=flow, signature=digest, issue_number=number,
                                     issue_url=url, occurrences=len(failures))
                if len(failures) > 1:
                    filed.comment_id = self._count(filed, failures[-1])
                session.add(filed)
            for failure in failures:
                row = session.get(FailedMessage, failure.id)
                if row is not None:
                    row.issue_url = url
        return url

    def delivered(self, failure_ids: Iterable[int], *, version: str) -> list[str]:
        """Tell each issue whose failed packets a replay on `version` delivered (after a change
        to the flow: its repair), in one comment per issue; the issues' URLs told."""
        per_issue: dict[int, tuple[str, list[str]]] = {}
        with self.sessions() as session:
            for failure_id in failure_ids:
                failure = session.get(FailedMessage, failure_id)
                number = _issue_number(failure.issue_url) if failure is not None else None
                if failure is None or number is None:
                    continue  # never filed: no issue to tell
                per_issue.setdefault(number, (str(failure.issue_url), []))[1].append(
                    failure.packet_key)
        for number, (_, keys) in per_issue.items():
            shown = ", ".join(f"`{key}`" for key in keys[:20])
            more = f" and {len(keys) - 20} more" if len(keys) > 20 else ""
            self.github.rest.issues.create_comment(
                self.owner, self.name, number,
                body=f"Replayed on version `{version[:12]}`, which changed the flow: "
                     f"{len(keys)} failed packet(s) delivered ({shown}{more}). Each was sent "
                     "through the ledger, so none reached the target twice.")
        return [url for url, _ in per_issue.values()]

    def _filed_within_hour(self, session: Session) -> int:
        since = datetime.now(UTC) - timedelta(hours=1)
        return session.scalar(select(func.count()).select_from(FailureIssue).where(
            FailureIssue.filed_at >= since)) or 0

    def _is_open(self, number: int) -> bool:
        issue = self.github.rest.issues.get(self.owner, self.name, number).parsed_data
        return str(issue.state) == "open"

    def _open(self, failure: FailedMessage, digest: str, previous: str | None) -> tuple[int, str]:
        body = render_failure_report(report_of(failure), traceback=failure.traceback)
        if previous is not None:
            body = (f"This failure came back after {previous} was closed.\n\n" + body)
        title = f"[flow-failure] {failure.flow}: {failure.error_type} in {failure.unit}"
        issue = self.github.rest.issues.create(
            self.owner, self.name, title=title[:250], labels=[FAILURE_LABEL],
            body=f"{body}\n{SIGNATURE_MARKER.format(digest)}").parsed_data
        return issue.number, str(issue.html_url)

    def _count(self, known: FailureIssue, last: FailedMessage) -> int:
        body = (f"{OCCURRENCES_MARKER}\nThis failure has occurred **{known.occurrences}** times. "
                f"The latest: packet `{last.packet_key}`, run `{last.run_id}`, version "
                f"`{last.version[:12]}`, at {last.created_at:%Y-%m-%d %H:%M} UTC.")
        if known.comment_id is None:
            made = self.github.rest.issues.create_comment(self.owner, self.name,
                                                          known.issue_number, body=body)
            return made.parsed_data.id
        self.github.rest.issues.update_comment(self.owner, self.name, known.comment_id,
                                               body=body)
        return known.comment_id
