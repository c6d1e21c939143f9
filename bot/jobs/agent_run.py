"""Running the agent for a job, the same way for every job kind.

Every kind (generate, repair, revise) takes its limits from the repository's
`.github/flowbot.yml` under the app's caps: gate attempts, tokens, dollars (never more than
FLOWBOT_JOB_MAX_USD) and a wall-clock deadline (never longer than FLOWBOT_JOB_DEADLINE_MINUTES);
thinking and effort per kind from the repository, else the app's settings. The cached prompt
prefix is the same for all kinds: the instructions, the primer and the catalog summary. The
endings that are not a pull request — questions, a refusal, a spent budget — become the same
comments everywhere.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from bot.agent.catalog_view import catalog_summary
from bot.agent.host import CheckoutHost
from bot.agent.loop import AgentLimits, AgentResult, AgentStatus, run_agent, stable_prefix
from bot.agent.model import ModelCaller, Thinking, Usage
from bot.agent.primer import primer
from bot.agent.prompts import PROMPTS, Prompt, render, version_of
from bot.agent.tools import GateRun
from bot.github.client import InstallationClient
from bot.github.issues import Repo, create_check_run
from bot.github.repo_config import RepoConfig
from bot.jobs.context import JobContext
from bot.jobs.work import WorkRecord, record_work
from bot.store import Job
from connectors.registry import catalog

QUESTIONS_OPENING = "Before I write this flow, I need to know:"


@dataclass
class AgentRun:
    """What the agent did on a job and what it cost."""

    result: AgentResult
    usage: Usage
    thinking: Thinking
    prompt_version: str

    def work(self, model: str) -> WorkRecord:
        """The job's work record."""
        return WorkRecord.of(model, self.prompt_version, self.result.attempts, self.usage,
                             gate_passed=self.result.status is AgentStatus.PASSED,
                             thinking=self.thinking)

    def record(self, context: JobContext, job: Job) -> None:
        """Keep the job's work record (model, attempts, tokens, cost) in the store."""
        record_work(context.sessions, job.id, self.work(context.settings.model))


def system_prefix() -> tuple[list[dict[str, object]], str]:
    """The cached system blocks of every job, and the versions of their templates."""
    system = render("system", PROMPTS)
    return stable_prefix(f"{system.text}\n{primer()}", catalog_summary(catalog())), \
        f"{system.version}+{version_of('primer')}"


def run_job_agent(context: JobContext, job: Job, config: RepoConfig, kind: str, root: Path,
                  folder: str, task: Prompt) -> AgentRun:
    """Run the agent on `folder` of the checkout at `root` with the job's limits."""
    settings = context.settings
    thinking = Thinking(type=config.thinking or settings.thinking,
                        effort=config.effort.get(kind, settings.effort))  # type: ignore[call-overload]
    minutes = min(settings.job_deadline_minutes, config.deadline_minutes or float("inf"))
    usage = Usage(token_budget=config.token_budget,
                  dollar_budget=min(settings.job_max_usd, config.dollar_budget or float("inf")),
                  deadline=time.monotonic() + 60 * minutes)
    caller = ModelCaller(context.require_model(), settings.model, usage, settings.prices, thinking,
                         max_tokens=settings.max_tokens, checkpoint=context.checkpoint_for(job.id))
    system, version = system_prefix()
    result = run_agent(CheckoutHost(root, folder), caller, system=system, task=task.text,
                       limits=AgentLimits(max_gate_attempts=config.max_gate_attempts))
    return AgentRun(result, usage, thinking, f"{version}+{task.version}")


def questions_comment(questions: list[str], opening: str = QUESTIONS_OPENING) -> str:
    """The comment that asks the author the model's questions."""
    listed = "\n".join(f"{i}. {q}" for i, q in enumerate(questions, 1))
    return f"{opening}\n\n{listed}\n\nReply here and I will continue."


def stopped_comment(result: AgentResult) -> str | None:
    """The comment for a job the model did not finish for a reason other than the gate: a
    refusal or a spent budget (None for other endings)."""
    if result.status is AgentStatus.REFUSED:
        return ("The model declined this request, so I stopped without changing anything "
                f"({result.reason}). Rephrase the request, or ask a maintainer to look at it.")
    if result.status is AgentStatus.OUT_OF_BUDGET:
        return (f"I stopped: {result.reason}, after {result.attempts} gate attempt(s). Nothing "
                "was pushed for this run. Raise `token_budget`, `dollar_budget` or "
                "`deadline_minutes` in `.github/flowbot.yml` if the task needs more, then "
                "comment `/retry`.")
    return None


def gate_check_run(gh: InstallationClient, repo: Repo, head_sha: str, *, passed: bool,
                   report: str, gate: GateRun | None = None) -> None:
    """The `flowbot/gate` check run on the pull request's head: the gate's report, and its
    findings as annotations when `gate` is given."""
    findings = gate.findings if gate else []
    create_check_run(gh, repo, head_sha=head_sha, name="flowbot/gate", success=passed,
                     title="The gate is clean" if passed else "The gate has findings",
                     summary=report[:60_000], annotations=[
                         {"path": f["file"], "start_line": f["line"], "end_line": f["line"],
                          "annotation_level": "failure",
                          "message": f"{f['rule']} {f['message']}"[:60_000]}
                         for f in findings])
