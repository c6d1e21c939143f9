"""How a job's model did its work: kept on the job's row, shown in the pull request body.

One record per job that ran the agent — model, prompt version, gate attempts, whether the gate
ended clean, tokens and cost — so that an operator (and `flowbot eval`) can read what each job
cost without parsing pull request bodies.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy.orm import Session, sessionmaker

from bot.agent.model import Usage
from bot.store import Job


@dataclass(frozen=True)
class WorkRecord:
    """How the job got its result."""

    model: str
    prompt_version: str
    attempts: int
    input_tokens: int
    """Every kind of input token: uncached, cache writes and cache reads."""
    output_tokens: int
    cost_usd: float
    gate_passed: bool = False

    @classmethod
    def of(cls, model: str, prompt_version: str, attempts: int, usage: Usage, *,
           gate_passed: bool) -> WorkRecord:
        """The record of a job whose model calls are in `usage`."""
        return cls(model=model, prompt_version=prompt_version, attempts=attempts,
                   input_tokens=sum(c.input_tokens + c.cache_read_tokens
                                    + c.cache_creation_tokens for c in usage.calls),
                   output_tokens=sum(c.output_tokens for c in usage.calls),
                   cost_usd=usage.cost_usd, gate_passed=gate_passed)


def record_work(sessions: sessionmaker[Session], job_id: int, work: WorkRecord) -> None:
    """Keep `work` on the job's row."""
    with sessions.begin() as session:
        job = session.get(Job, job_id)
        if job is not None:
            job.work = asdict(work)
