"""`.github/flowbot.yml`: what one repository wants from flowbot, with sensible defaults.

Read from the default branch of the job's checkout. A file that does not validate is not
guessed at: the job stops and the issue gets a comment that says what is wrong and where.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

CONFIG_PATH = ".github/flowbot.yml"


class RepoConfig(BaseModel):
    """The repository's settings for flowbot."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_gate_attempts: int = Field(
        default=4, ge=1, le=10, description="How many times a job runs the gate on the model's "
                                            "work before it stops (1 to 10).")
    token_budget: int = Field(
        default=400_000, ge=10_000, le=5_000_000,
        description="The most model tokens one job may spend (10000 to 5000000).")
    reviewers: list[str] = Field(default_factory=list,
                                 description="Also asked to review every flowbot PR.")
    allowed_connectors: list[str] | None = Field(
        default=None, description="Connectors flows may use (default: all of the catalog).")
    draft_on_failure: bool = Field(default=True, description="A PR whose gate still fails is "
                                                             "opened as a draft (else: no PR).")
    thinking: Literal["adaptive", "between_tools"] | None = Field(
        default=None, description="How the model thinks (default: the app's FLOWBOT_THINKING).")
    effort: dict[Literal["generate", "repair", "revise"],
                 Literal["low", "medium", "high", "xhigh", "max"]] = Field(
        default_factory=dict, description="Effort per job kind, e.g. `{revise: medium}` "
                                          "(default: the app's FLOWBOT_EFFORT).")
    dollar_budget: float | None = Field(
        default=None, gt=0, description="US$ one job may spend (capped by FLOWBOT_JOB_MAX_USD).")
    deadline_minutes: float | None = Field(
        default=None, gt=0, description="Minutes one job's agent may take (capped by "
                                        "FLOWBOT_JOB_DEADLINE_MINUTES).")


class RepoConfigError(ValueError):
    """An invalid `.github/flowbot.yml`; `comment` is the Markdown to post on the issue."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        listed = "\n".join(f"- {problem}" for problem in problems)
        self.comment = (f"flowbot cannot use `{CONFIG_PATH}`:\n\n{listed}\n\nFix the file on "
                        "the default branch, then comment `/retry` or re-apply the label.")
        super().__init__(self.comment)


def _line(text: str, key: str) -> str:
    for number, line in enumerate(text.splitlines(), 1):
        if line.split(":", 1)[0].strip() == key:
            return f" (line {number})"
    return ""


def load_repo_config(root: Path) -> RepoConfig:
    """The checkout's config, or the defaults when it has none."""
    path = root / CONFIG_PATH
    if not path.is_file():
        return RepoConfig()
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise RepoConfigError([f"it is not valid YAML{where}"]) from None
    if data is None:
        return RepoConfig()
    if not isinstance(data, dict):
        raise RepoConfigError(["it must be a mapping of settings, such as "
                               "`max_gate_attempts: 3`"])
    try:
        return RepoConfig.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            key = ".".join(str(part) for part in item["loc"])
            top = str(item["loc"][0]) if item["loc"] else ""
            known = ", ".join(RepoConfig.model_fields)
            message = (f"`{key}` is not a setting (the settings are {known})"
                       if item["type"] == "extra_forbidden" else f"`{key}`: {item['msg']}")
            problems.append(message + _line(text, top))
        raise RepoConfigError(problems) from None
