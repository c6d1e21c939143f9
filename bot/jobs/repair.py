"""The repair job: a `flow-failure` issue becomes a repair PR with a regression test.

The failure report's block says which flow failed, where, and on which packet. The packet is
saved as a fixture (sensitive fields redacted), a regression test replays it, and the test must
fail on the current flow — if it does not, the failure did not reproduce: the issue is told what
was tried and nothing else happens. Otherwise the model fixes the flow until that test and all
earlier ones pass and the gate is clean; the PR says `Fixes #N` and links the packet at the
commit that added it.
"""

from __future__ import annotations

import json
from pathlib import Path

from bot.agent.host import CheckoutHost
from bot.agent.loop import AgentResult, AgentStatus
from bot.agent.prompts import PROMPTS, render
from bot.agent.sanitize import data_block
from bot.github.git import branch_prefix
from bot.github.issues import (
    comment,
    open_or_update_pull,
    react_to_issue,
    upsert_status_comment,
)
from bot.github.pr_body import PullRequestContent, render_pull_request_body
from bot.github.push import push_or_explain
from bot.github.status_comment import Phase, Status
from bot.jobs.agent_run import (
    gate_check_run,
    questions_comment,
    run_job_agent,
    stopped_comment,
)
from bot.jobs.context import JobContext, refused, repo_config_or_comment
from bot.jobs.regression import kept_tests, weakened_tests
from bot.store import Job, JobState
from flowkit.runtime.packets import REDACTED
from flowkit.runtime.report import ReportUnreadable, parse_failure_report
from flowkit.spec import load_spec

REPAIR_QUESTIONS = "Before I repair this flow, I need to know:"


def regression_test(number: int, step: str, error: str) -> str:
    """The test that replays the failing packet of issue `number`."""
    return f'''

def test_the_packet_of_issue_{number}_no_longer_fails() -> None:
    """Replays the packet that failed in production ({error} in {step}, issue #{number}).

    Its sensitive fields are redacted, so only the step that failed is held to it.
    """
    with FlowTest(flow) as story:
        result = story.replay(story.fixture("failures/{number}.json"))

        failed_again = result.outcome.value == "failed" and result.unit == "{step}"
        assert not failed_again, f"{{result.error_type}}: {{result.message}}"
'''


def repair(job: Job, context: JobContext) -> JobState:
    """Run the repair job for a `flow-failure` issue."""
    gh, repo = context.client_for(job)

    def status(phase: Phase, detail: str = "") -> None:
        upsert_status_comment(gh, repo, Status("repair", job.number, phase, detail, str(job.id)))

    if refused(gh, repo, job, "ask flowbot for a repair", context):
        return JobState.REFUSED
    react_to_issue(gh, repo, job.number, "eyes")
    issue = gh.rest.issues.get(repo.owner, repo.name, job.number).parsed_data
    try:
        report = parse_failure_report(issue.body or "")
    except ReportUnreadable as error:
        status(Phase.FAILED, f"I cannot read the failure report: {error}")
        return JobState.FAILED
    folder = f"flows/{report.flow.replace('-', '_')}"
    branch = f"{branch_prefix(job.number)}repair-{report.flow}"
    checked_out = context.check_out(job, gh, branch)
    work, repository, token = checked_out.work, checked_out.repository, checked_out.token
    try:
        root = work.path
        if not (root / folder / "flow.py").is_file():
            status(Phase.FAILED, f"There is no flow {report.flow} ({folder}) on "
                                 f"{repository.default_branch}.")
            return JobState.FAILED
        status(Phase.TESTING, "Reproducing the failure from the packet.")
        fixture = f"{folder}/fixtures/failures/{job.number}.json"
        _write_regression(root, folder, fixture, job.number, report.step, report.error.type,
                          report.packet)
        host = CheckoutHost(root, folder)
        before = host.run_gate()
        reproduced = any(f["rule"] == "FK502" and f"issue_{job.number}" in f["message"]
                         for f in before.findings)
        if not reproduced:
            outcome = ("the gate passed" if before.passed
                       else f"the gate reported: {before.report[:1500]}")
            comment(gh, repo, job.number, "I could not reproduce this failure: I saved the "
                    f"packet as `{fixture}`, added a test that replays it through "
                    f"`{report.flow}` from `{report.step}`, and the flow handled it "
                    f"({outcome}). No pull request was opened. If the failure depends on the "
                    "target's state or on a field the report redacted, say so here.")
            status(Phase.FAILED, "The failure did not reproduce; see the comment above.")
            return JobState.FAILED
        test_sha = work.commit(folder, f"Regression test for #{job.number}: replay the failing "
                                       "packet", trailers={"Flowbot-Job": str(job.id),
                                                           "Flowbot-Issue": f"#{job.number}"})
        status(Phase.FLOW, "The failure reproduces; fixing the flow.")
        config = repo_config_or_comment(gh, repo, job.number, root)
        if config is None:
            status(Phase.FAILED, "`.github/flowbot.yml` is not valid; see the comment above.")
            return JobState.FAILED
        tests_before = kept_tests(root / folder)
        task = render("repair", PROMPTS, flow_folder=folder, fixture_path=fixture,
                      issue_number=str(job.number), attempts=str(config.max_gate_attempts),
                      report=data_block("failure_report", report.model_dump_json(indent=1)),
                      test_output=data_block("test_output", before.report))
        run = run_job_agent(context, job, config, "repair", root, folder, task)
        result = run.result
        weakened = weakened_tests(tests_before, kept_tests(root / folder))
        if weakened and result.status is AgentStatus.PASSED:
            result = run.result = AgentResult(
                AgentStatus.GAVE_UP, result.attempts, result.turns, last_gate=result.last_gate,
                reason="the repair deleted or weakened tests: " + "; ".join(weakened))
        run.record(context, job)
        if result.status is AgentStatus.ASKED:
            comment(gh, repo, job.number, questions_comment(
                result.questions, REPAIR_QUESTIONS).replace(
                    "Reply here and I will continue.",
                    "I stopped without a pull request. Answers here are for whoever fixes the "
                    "flow; `/retry` runs the repair again from the start (it does not read "
                    "them)."))
            status(Phase.WAITING, "Waiting for answers to the questions above.")
            return JobState.WAITING
        stopped = stopped_comment(result)
        if stopped is not None or weakened:
            comment(gh, repo, job.number, stopped or (
                f"I refused the repair the model made: {result.reason}. The regression test "
                "and the earlier tests must stay as they were. Nothing was pushed."))
            status(Phase.FAILED, "Stopped; see the comment above.")
            react_to_issue(gh, repo, job.number, "confused")
            return JobState.FAILED
        passed = result.status is AgentStatus.PASSED
        work_record = run.work(context.settings.model)
        work.commit(folder, f"Repair {report.flow} for #{job.number}",
                    trailers={"Flowbot-Job": str(job.id), "Flowbot-Issue": f"#{job.number}"})
        if not push_or_explain(work, token, gh, repo, job.number,
                               gate=host.run_gate if passed else None):
            status(Phase.FAILED, "Nothing was pushed; see the comment above.")
            return JobState.FAILED
        permalink = f"{repository.html_url}/blob/{test_sha}/{fixture}"
        gate_report = result.last_gate.report if result.last_gate else before.report
        body = render_pull_request_body(PullRequestContent(
            kind="repair", issue_number=job.number, spec=load_spec(root / folder),
            flow_folder=folder, gate_passed=passed, gate_report=gate_report,
            work=work_record,
            summary=result.summary, packet_permalink=permalink))
        pull = open_or_update_pull(gh, repo, branch=branch, base=repository.default_branch,
                                   title=f"Repair {report.flow}: {report.error.type} in "
                                         f"{report.step}", body=body, draft=not passed)
        gate_check_run(gh, repo, pull.head_sha, passed=passed, report=gate_report)
        status(Phase.DONE if passed else Phase.FAILED, f"Pull request #{pull.number}: {pull.url}")
        react_to_issue(gh, repo, job.number, "rocket" if passed else "confused")
        return JobState.SUCCEEDED if passed else JobState.FAILED
    finally:
        work.remove()


def _write_regression(root: Path, folder: str, fixture: str, number: int, step: str,
                      error: str, packet: dict[str, object]) -> None:
    sensitive = set(load_spec(root / folder).sensitive_fields)
    safe = {key: (REDACTED if key in sensitive and value is not None else value)
            for key, value in packet.items()}
    (root / fixture).parent.mkdir(parents=True, exist_ok=True)
    (root / fixture).write_text(json.dumps(safe, indent=2, sort_keys=True) + "\n")
    tests = root / folder / "test_flow.py"
    marker = f"def test_the_packet_of_issue_{number}_no_longer_fails"
    text = tests.read_text()
    if "from flowkit.testing import FlowTest" not in text:
        text = "from flowkit.testing import FlowTest\n" + text
    if marker not in text:
        tests.write_text(text + regression_test(number, step, error))
