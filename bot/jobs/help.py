"""The help job: `/help`, or a command flowbot does not know, gets the list of commands."""

from __future__ import annotations

from bot.github.issues import comment
from bot.jobs.context import JobContext
from bot.store import Job, JobState

HELP = """flowbot's commands, each as the first line of a paragraph of a new comment on its pull
requests (not in a quote, a list or code):

- `/revise <what to change>` — make that change on this pull request's branch, run the gate,
  and push a new commit
- `/cancel` — stop the job queued or running on this pull request or its issue
- `/retry` — run the last job again, if it failed or was cancelled
- `/help` — this list

On an `integration-request` or `flow-failure` issue, `/approve` (by someone with write access)
lets flowbot work on a request it refused and accept its author's answers.

Only people with write access can steer flowbot."""


def help_reply(job: Job, context: JobContext) -> JobState:
    """Answer with the list of commands (naming the unknown one, if that is what was sent)."""
    gh, repo = context.client_for(job)
    asked = str(job.request.get("command", "help"))
    opening = "" if asked == "help" else f"I do not know `/{asked}`. "
    comment(gh, repo, job.number, opening + HELP)
    return JobState.SUCCEEDED
