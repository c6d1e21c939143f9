"""The generate job: an issue labelled `integration-request` becomes a pull request with a flow.

Every step can run again after a crash without doing anything twice: the status comment is
found by its marker, the branch is deterministic and built on, the pull request is found by its
branch before one is opened, reactions and labels are sets.
"""

from __future__ import annotations

from pathlib import Path

from bot.agent.host import CheckoutHost
from bot.agent.loop import AgentResult, AgentStatus
from bot.agent.prompts import PROMPTS, render
from bot.agent.sanitize import data_block, title_block
from bot.agent.tools import GateRun
from bot.github.client import InstallationClient
from bot.github.git import branch_name, slug
from bot.github.issues import (
    Repo,
    add_labels,
    comment,
    open_or_update_pull,
    react_to_issue,
    request_reviews,
    upsert_status_comment,
)
from bot.github.labels import NEEDS_HUMAN_LABEL, WAITING_LABEL
from bot.github.pr_body import PullRequestContent, render_pull_request_body
from bot.github.push import push_or_explain
from bot.github.repo_config import CONFIG_PATH, RepoConfig
from bot.github.status_comment import Phase, Status
from bot.jobs.agent_run import (
    QUESTIONS_OPENING,
    AgentRun,
    gate_check_run,
    questions_comment,
    run_job_agent,
    stopped_comment,
)
from bot.jobs.context import JobContext, refused, repo_config_or_comment
from bot.store import Job, JobState
from flowkit.spec import SpecError, load_spec

__all__ = ["QUESTIONS_OPENING", "generate"]


def generate(job: Job, context: JobContext, *, answers: str = "") -> JobState:
    """Run the generate job for `job`; the state it ends in. `answers` carries the questions
    the model asked and the author's replies, when the job resumes after `needs-info`."""
    gh, repo = context.client_for(job)

    def status(phase: Phase, detail: str = "") -> None:
        upsert_status_comment(gh, repo, Status("generate", job.number, phase, detail,
                                               str(job.id)))

    issue = gh.rest.issues.get(repo.owner, repo.name, job.number).parsed_data
    if refused(gh, repo, job, "ask flowbot for a flow", context,
               issue_author=issue.user.login if issue.user else None):
        return JobState.REFUSED
    react_to_issue(gh, repo, job.number, "eyes")
    status(Phase.SPEC, "Reading the request and the connector catalog.")
    branch = branch_name(job.number, issue.title)
    checked_out = context.check_out(job, gh, branch)
    work, repository, token = checked_out.work, checked_out.repository, checked_out.token
    folder = f"flows/{slug(issue.title).replace('-', '_')}"
    try:
        config = repo_config_or_comment(gh, repo, job.number, work.path)
        if config is None:
            status(Phase.FAILED, f"`{CONFIG_PATH}` is not valid; see the comment above.")
            return JobState.FAILED
        if config.allowed_connectors is not None:
            answers += ("\nThis repository allows only these connectors: "
                        f"{', '.join(config.allowed_connectors)}.")
        run = _agent(job, context, work.path, folder, issue.title, issue.html_url,
                     issue.body or "", issue.user.login if issue.user else "", answers, config)
        result = run.result = _within_allowed(run.result, work.path / folder, config)
        run.record(context, job)
        if result.status is AgentStatus.ASKED:
            comment(gh, repo, job.number, questions_comment(result.questions))
            add_labels(gh, repo, job.number, [WAITING_LABEL])
            status(Phase.WAITING, "Waiting for answers to the questions above.")
            return JobState.WAITING
        stopped = stopped_comment(result)
        if stopped is not None:
            comment(gh, repo, job.number, stopped)
            status(Phase.FAILED, "Stopped; see the comment above.")
            react_to_issue(gh, repo, job.number, "confused")
            return JobState.FAILED
        verdict = "clean" if result.status is AgentStatus.PASSED else "still failing"
        status(Phase.GATE, f"Gate: {verdict} after {result.attempts} attempt(s). Opening the "
                           "pull request.")
        sha = work.commit(folder, f"Add flow {folder.split('/')[-1]} for #{job.number}",
                          trailers={"Flowbot-Job": str(job.id),
                                    "Flowbot-Issue": f"#{job.number}"})
        if sha is None and result.last_gate is None:
            status(Phase.FAILED, "The model wrote nothing to review.")
            react_to_issue(gh, repo, job.number, "confused")
            return JobState.FAILED
        if result.status is not AgentStatus.PASSED and not config.draft_on_failure:
            report = result.last_gate.report if result.last_gate else "(no gate run)"
            comment(gh, repo, job.number, "The gate still fails after the last attempt, and "
                    f"this repository asks for no draft PR. The last report:\n\n```text\n"
                    f"{report[:3000]}\n```")
            status(Phase.FAILED, "The gate still fails; see the comment above.")
            react_to_issue(gh, repo, job.number, "confused")
            return JobState.FAILED
        passed = result.status is AgentStatus.PASSED
        if not push_or_explain(work, token, gh, repo, job.number,
                               gate=CheckoutHost(work.path, folder).run_gate if passed else None):
            status(Phase.FAILED, "Nothing was pushed; see the comment above.")
            return JobState.FAILED
        reviewers = [issue.user.login] if issue.user else []
        return _pull_request(gh, repo, job, work.path, folder, branch, repository.default_branch,
                             result, run, context, reviewers=[*reviewers, *config.reviewers])
    finally:
        work.remove()


def _within_allowed(result: AgentResult, folder: Path, config: RepoConfig) -> AgentResult:
    """The result, failed if the spec uses a connector the repository does not allow."""
    if config.allowed_connectors is None or result.status is not AgentStatus.PASSED:
        return result
    try:
        spec = load_spec(folder)
    except SpecError:
        return result
    used = {spec.source.connector, spec.target.connector} - set(config.allowed_connectors)
    if not used:
        return result
    report = (f"the spec uses {', '.join(sorted(used))}, which this repository's "
              f"{CONFIG_PATH} does not allow")
    return AgentResult(AgentStatus.GAVE_UP, result.attempts, result.turns,
                       last_gate=GateRun(False, report))


def _agent(job: Job, context: JobContext, root: Path, folder: str, title: str, url: str,
           body: str, author: str, answers: str, config: RepoConfig) -> AgentRun:
    task = render("generate", PROMPTS, flow_folder=folder, issue_number=str(job.number),
                  issue_url=url, repository=job.repository, issue_title=title_block(title),
                  attempts=str(config.max_gate_attempts),
                  request=data_block("issue_body", body, author=author), context=answers)
    return run_job_agent(context, job, config, "generate", root, folder, task)


def _pull_request(gh: InstallationClient, repo: Repo, job: Job, root: Path, folder: str,
                  branch: str, base: str, result: AgentResult, run: AgentRun,
                  context: JobContext, *, reviewers: list[str]) -> JobState:
    passed = result.status is AgentStatus.PASSED
    report = result.last_gate.report if result.last_gate else "(the gate did not run)"
    work = run.work(context.settings.model)
    try:
        spec = load_spec(root / folder)
    except SpecError:
        spec = None
    if spec is not None:
        body = render_pull_request_body(PullRequestContent(
            kind="generate", issue_number=job.number, spec=spec, flow_folder=folder,
            gate_passed=passed, gate_report=report, work=work, summary=result.summary))
        title = spec.title
    else:
        body = (f"Closes #{job.number}\n\nThe spec does not validate yet; the gate's last "
                f"report:\n\n```text\n{report}\n```")
        title = f"Flow for #{job.number}"
    pull = open_or_update_pull(gh, repo, branch=branch, base=base, title=title, body=body,
                               draft=not passed)
    gate_check_run(gh, repo, pull.head_sha, passed=passed, report=report, gate=result.last_gate)
    if reviewers:
        request_reviews(gh, repo, pull.number, reviewers)
    if not passed:
        add_labels(gh, repo, pull.number, [NEEDS_HUMAN_LABEL])
    upsert_status_comment(gh, repo, Status(
        "generate", job.number, Phase.DONE if passed else Phase.FAILED,
        f"Pull request #{pull.number}: {pull.url}" + ("" if passed else
                                                     " — a draft: the gate still fails, see "
                                                     "its report"), str(job.id)))
    react_to_issue(gh, repo, job.number, "rocket" if passed else "confused")
    return JobState.SUCCEEDED if passed else JobState.FAILED
