"""The revise job: `/revise <what to change>` on the app's pull request becomes a new commit.

The job works on the pull request's own branch — building on whatever is there, a person's
commits included — with the command's text as the request, runs the gate again, pushes a new
commit and answers the command with what changed.
"""

from __future__ import annotations

from collections.abc import Iterator

from githubkit_schemas.latest.models import ReviewComment

from bot.agent.host import CheckoutHost
from bot.agent.loop import AgentStatus
from bot.agent.prompts import PROMPTS, render
from bot.agent.sanitize import data_block
from bot.github.client import InstallationClient
from bot.github.git import BRANCH_PREFIX
from bot.github.issues import Repo, comment, react_to_comment
from bot.github.push import push_or_explain
from bot.jobs.agent_run import questions_comment, run_job_agent, stopped_comment
from bot.jobs.context import JobContext, refused, repo_config_or_comment
from bot.store import Job, JobState

REVISE_QUESTIONS = "Before I make this change, I need to know:"


def _review_comments(gh: InstallationClient, repo: Repo, job: Job) -> str:
    """The inline comments of the review that started the job, as delimited data."""
    review_id = job.request.get("review_id")
    if review_id is None:
        return ""
    comments: Iterator[ReviewComment] = gh.rest.paginate(
        gh.rest.pulls.list_comments_for_review, owner=repo.owner, repo=repo.name,
        pull_number=job.number, review_id=int(review_id), per_page=100)
    blocks = [data_block("review_comment", f"{c.path} line {c.line or c.original_line or '?'}"
                         f":\n{c.body}\n\n{c.diff_hunk}", author=c.user.login if c.user else None)
              for c in comments]
    return ("The review's comments on lines of the diff:\n" + "\n".join(blocks)) if blocks else ""


def revise(job: Job, context: JobContext) -> JobState:
    """Run the revise job for `job` (a command on the app's pull request)."""
    gh, repo = context.client_for(job)
    comment_id = job.request.get("comment_id")
    if refused(gh, repo, job, "steer flowbot's pull requests", context):
        return JobState.REFUSED
    if comment_id is not None:
        react_to_comment(gh, repo, int(comment_id), "eyes")
    pull = gh.rest.pulls.get(repo.owner, repo.name, job.number).parsed_data
    branch = pull.head.ref
    if not branch.startswith(BRANCH_PREFIX):
        comment(gh, repo, job.number, "flowbot revises only the pull requests it opened.")
        return JobState.FAILED
    folder = "flows/" + branch.removeprefix(BRANCH_PREFIX).split("-", 1)[-1].replace("-", "_")
    checked_out = context.check_out(job, gh, branch)
    work, token = checked_out.work, checked_out.token
    try:
        config = repo_config_or_comment(gh, repo, job.number, work.path)
        if config is None:
            return JobState.FAILED
        task = render("revise", PROMPTS, flow_folder=folder, pull_number=str(job.number),
                      attempts=str(config.max_gate_attempts),
                      request=data_block("revise_command", str(job.request.get("text", "")),
                                         author=job.sender),
                      review_comments=_review_comments(gh, repo, job))
        run = run_job_agent(context, job, config, "revise", work.path, folder, task)
        run.record(context, job)
        result = run.result
        if result.status is AgentStatus.ASKED:
            comment(gh, repo, job.number, questions_comment(
                result.questions, REVISE_QUESTIONS).replace(
                    "Reply here and I will continue.",
                    "Answer with a new `/revise …` that settles them; nothing was pushed."))
            return JobState.SUCCEEDED
        stopped = stopped_comment(result)
        if stopped is not None:
            comment(gh, repo, job.number, stopped)
            if comment_id is not None:
                react_to_comment(gh, repo, int(comment_id), "confused")
            return JobState.FAILED
        if result.status is not AgentStatus.PASSED:
            report = result.last_gate.report if result.last_gate else "(no gate run)"
            comment(gh, repo, job.number, f"I could not make that change pass the gate in "
                    f"{result.attempts} attempt(s); nothing was pushed. The last report:\n\n"
                    f"```text\n{report[:3000]}\n```")
            if comment_id is not None:
                react_to_comment(gh, repo, int(comment_id), "confused")
            return JobState.FAILED
        sha = work.commit(folder, f"Revise {folder.split('/')[-1]}: "
                                  f"{str(job.request.get('text', ''))[:60]}",
                          trailers={"Flowbot-Job": str(job.id),
                                    "Flowbot-Pull-Request": f"#{job.number}"})
        if sha is None:
            comment(gh, repo, job.number, "The gate is clean and nothing needed to change.")
        else:
            if not push_or_explain(work, token, gh, repo, job.number,
                                   gate=CheckoutHost(work.path, folder).run_gate):
                if comment_id is not None:
                    react_to_comment(gh, repo, int(comment_id), "confused")
                return JobState.FAILED
            comment(gh, repo, job.number, f"Done in {sha[:7]}: {result.summary}\n\nThe gate is "
                                          f"clean ({result.attempts} attempt(s)).")
        if comment_id is not None:
            react_to_comment(gh, repo, int(comment_id), "rocket")
        return JobState.SUCCEEDED
    finally:
        work.remove()
