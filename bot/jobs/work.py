"""How a job's model did its work: kept on the job's row, shown in the pull request body.

One record per job that ran the agent — model, thinking and effort, prompt version, gate
attempts, whether the gate ended clean, tokens (with the share of input read from the cache and
the first request's size) and cost — so that an operator (and `flowbot eval`) can read what each
job cost without parsing pull request bodies.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy.orm import Session, sessionmaker

from bot.agent.model import Thinking, Usage
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
    thinking: str = "adaptive"
    effort: str = "high"
    cached_share: float = 0.0
    """The share of input tokens read from the prompt cache (0-1)."""
    first_request_tokens: int = 0
    """Input tokens of the job's first request: the prompt prefix and the task."""
    calls: int = 0

    @classmethod
    def of(cls, model: str, prompt_version: str, attempts: int, usage: Usage, *,
           gate_passed: bool, thinking: Thinking | None = None) -> WorkRecord:
        """The record of a job whose model calls are in `usage`."""
        thinking = thinking or Thinking()
        total = sum(c.input_tokens + c.cache_read_tokens + c.cache_creation_tokens
                    for c in usage.calls)
        read = sum(c.cache_read_tokens for c in usage.calls)
        first = usage.calls[0] if usage.calls else None
        return cls(model=model, prompt_version=prompt_version, attempts=attempts,
                   input_tokens=total, output_tokens=sum(c.output_tokens for c in usage.calls),
                   cost_usd=round(usage.cost_usd, 6), gate_passed=gate_passed,
                   thinking=thinking.type, effort=thinking.effort,
                   cached_share=round(read / total, 3) if total else 0.0,
                   first_request_tokens=(first.input_tokens + first.cache_read_tokens
                                         + first.cache_creation_tokens) if first else 0,
                   calls=len(usage.calls))


def record_work(sessions: sessionmaker[Session], job_id: int, work: WorkRecord) -> None:
    """Keep `work` on the job's row."""
    with sessions.begin() as session:
        job = session.get(Job, job_id)
        if job is not None:
            job.work = asdict(work)
