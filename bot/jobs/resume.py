"""The resume job: an answer on an intent issue waiting for answers (`needs-info`) resumes it.

The questions flowbot asked and the answer are given to the model as context (delimited data),
and the generate job runs again from the top — its steps are all safe to repeat.
"""

from __future__ import annotations

from collections.abc import Iterator

from githubkit_schemas.latest.models import IssueComment

from bot.agent.sanitize import data_block
from bot.github.issues import permission_of, remove_label
from bot.github.labels import WAITING_LABEL
from bot.jobs.context import JobContext
from bot.jobs.generate import QUESTIONS_OPENING, generate
from bot.jobs.rules import WRITERS
from bot.store import Job, JobState


def resume(job: Job, context: JobContext) -> JobState:
    """Resume the issue's generate job with the questions and this answer."""
    gh, repo = context.client_for(job)
    issue = gh.rest.issues.get(repo.owner, repo.name, job.number).parsed_data
    author = issue.user.login if issue.user else None
    if job.sender != author and permission_of(gh, repo, job.sender) not in WRITERS:
        return JobState.REFUSED  # only the author or a collaborator answers for the issue
    comments: Iterator[IssueComment] = gh.rest.paginate(
        gh.rest.issues.list_comments, owner=repo.owner, repo=repo.name, issue_number=job.number,
        per_page=100)
    asked = [c.body for c in comments
             if isinstance(c.body, str) and c.body.startswith(QUESTIONS_OPENING)]
    if not asked:
        return JobState.SUCCEEDED  # nothing was asked: a plain comment
    remove_label(gh, repo, job.number, WAITING_LABEL)
    answers = ("flowbot asked the author, and they answered:\n"
               + data_block("questions", asked[-1])
               + "\n" + data_block("answer", str(job.request.get("text", "")),
                                   author=job.sender))
    return generate(job, context, answers=answers)
