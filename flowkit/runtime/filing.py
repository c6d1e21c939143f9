"""Filing a failed message as a `flow-failure` issue through githubkit, once."""

from __future__ import annotations

from githubkit import GitHub, TokenAuthStrategy
from pydantic import SecretStr

from flowkit.runtime.report import FailureError, FailureReport, render_failure_report
from flowkit.runtime.store import FailedMessage

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
