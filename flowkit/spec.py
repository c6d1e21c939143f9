"""The flow spec: the intent as a structured, reviewable artifact, written before the code.

`spec.yaml` is what a reviewer reads first and what the gate holds the code to: which connector
operations move the data, when, which source field becomes which target field, what makes a re-run
land on the same target record, and what happens to a record that cannot be moved. Its JSON schema
is published (`flowbot spec schema`) so editors and the model can check a spec before the gate does.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal, Self

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

SPEC_FILE = "spec.yaml"

FlowName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$",
                                            max_length=80)]
"""A flow's name: lower-case words joined by dashes; its folder is the same with underscores."""

OperationPath = Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")]
"""`resource.operation` as the catalog names it, e.g. `orders.list`."""

FieldName = Annotated[str, StringConstraints(
    pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")]
"""A record field, dotted for nested ones (`customer.email`)."""

IssueUrl = Annotated[str, StringConstraints(
    pattern=r"^https?://[^\s/]+/[^\s/]+/[^\s/]+/issues/[0-9]+$")]
"""The URL of the intent issue, e.g. https://github.com/acme/integrations/issues/12."""

WEBHOOK_UNSUPPORTED = ("trigger.webhook is not supported; use schedule (a five-field cron, "
                       "e.g. '*/15 * * * *') or manual: true")
"""Why a spec naming a webhook trigger is refused: no runner receives vendors' events."""

_CRON_FIELD = re.compile(r"^(\*|[0-9]+(-[0-9]+)?)(/[0-9]+)?(,(\*|[0-9]+(-[0-9]+)?)(/[0-9]+)?)*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Endpoint(_Strict):
    """A connector operation, named as the catalog names it."""

    connector: str = Field(description="The connector's catalog name, e.g. `shopify`.")
    operation: OperationPath = Field(description="`resource.operation`, e.g. `orders.list`.")


class Source(Endpoint):
    """Where packets come from, and how each is identified and ordered."""

    key: FieldName = Field(description="The source record field that identifies a packet (the "
                                       "ledger key: one packet is never written twice).")
    cursor: FieldName | None = Field(
        default=None, description="The source record field incremental runs resume after "
                                  "(usually an update time); omitted for full reads.")


class Target(Endpoint):
    """Where packets go."""


class Trigger(_Strict):
    """When the flow runs: exactly one of a cron schedule, or by hand.

    A webhook trigger (the source's event starting a run) is not offered: the runner has no
    endpoint that receives vendors' events, so a flow that declared one would never run by
    itself. A spec that still names `webhook` is refused with that explanation.
    """

    schedule: str | None = Field(default=None, description="Five-field cron, in UTC.",
                                 examples=["*/15 * * * *"])
    manual: bool = Field(default=False, description="Runs only when someone starts it.")

    @model_validator(mode="before")
    @classmethod
    def _no_webhook(cls, data: object) -> object:
        if isinstance(data, dict) and "webhook" in data:
            raise PydanticCustomError("webhook_unsupported", WEBHOOK_UNSUPPORTED)
        return data

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        chosen = [name for name, value in (("schedule", self.schedule),
                                           ("manual", self.manual)) if value]
        if len(chosen) != 1:
            raise ValueError("give exactly one of schedule or manual: true "
                             f"(got {', '.join(chosen) or 'none'})")
        if self.schedule is not None:
            fields = self.schedule.split()
            if len(fields) != 5 or not all(_CRON_FIELD.match(field) for field in fields):
                raise ValueError(f"schedule {self.schedule!r} is not five-field cron (minute "
                                 "hour day-of-month month day-of-week), e.g. '*/15 * * * *'")
        return self


class FieldMapping(_Strict):
    """One row of the mapping table: which target field gets what."""

    target: FieldName = Field(description="The field of the target operation's input record.")
    source: FieldName | None = Field(
        default=None, description="The source record field it comes from; omitted for a value "
                                  "that does not come from one field (a constant, a combination).")
    rule: str = Field(default="copied as is", description="How the value is made, in words.")


class BadRecordPolicy(_Strict):
    """What happens to a record the flow cannot move (the flow raises `BadRecord` for it)."""

    action: Literal["skip", "fail"] = Field(
        description="skip: record it in the audit trail and go on; fail: keep it as a failed "
                    "message (with the packet) for repair, and go on with the others.")
    when: str = Field(description="Which records count as bad, in words.")


class FlowSpec(_Strict):
    """The whole spec of one flow."""

    spec_version: Literal[1] = 1
    name: FlowName
    title: str = Field(min_length=5, max_length=120)
    intent: IssueUrl
    description: str = Field(default="", description="What moves, and why, in a few sentences.")
    source: Source
    target: Target
    trigger: Trigger
    mapping: list[FieldMapping] = Field(min_length=1)
    idempotency_key: FieldName | None = Field(
        default=None,
        description="What makes a re-run land on the same target record: for an upsert, the "
                    "target field it matches on (e.g. `shopify_order_id`); for a create that "
                    "takes an idempotency key, the source field the key is derived from. A sink "
                    "that is not idempotent by itself is refused without one.")
    on_bad_record: BadRecordPolicy
    sensitive_fields: list[FieldName] = Field(
        default_factory=list, description="Source record fields redacted from failure reports.")
    edge_cases: list[str] = Field(default_factory=list)
    open_questions: list[str] = Field(
        default_factory=list, description="Decisions the intent left open; each must be answered "
                                          "before the flow is merged.")

    @model_validator(mode="after")
    def _mapping_targets_unique(self) -> Self:
        seen: set[str] = set()
        for row in self.mapping:
            if row.target in seen:
                raise ValueError(f"mapping sets target field {row.target!r} twice")
            seen.add(row.target)
        return self

    @property
    def folder_name(self) -> str:
        """The flow's package folder under `flows/`."""
        return self.name.replace("-", "_")


class SpecError(ValueError):
    """A spec that cannot be read or does not validate; each problem says where."""

    def __init__(self, path: Path, problems: list[tuple[str, str]]) -> None:
        self.path = path
        self.problems = problems
        """(location, message) pairs; location is a dotted key path such as `mapping.2.target`."""
        lines = "\n".join(f"  {location or '(top level)'}: {message}"
                          for location, message in problems)
        super().__init__(f"{path}: the spec is not valid:\n{lines}")


def parse_spec(text: str, path: Path = Path(SPEC_FILE)) -> FlowSpec:
    """Validate spec text; raises `SpecError` with every problem and where it is."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise SpecError(path, [(where, f"not valid YAML: {problem}")]) from None
    if not isinstance(data, dict):
        raise SpecError(path, [("", "a spec is a YAML mapping of keys such as name, title, source, "
                                    "target, trigger, mapping, on_bad_record")])
    try:
        return FlowSpec.model_validate(data)
    except ValidationError as error:
        raise SpecError(path, [(".".join(str(part) for part in item["loc"]), item["msg"])
                               for item in error.errors()]) from None


def load_spec(folder: Path) -> FlowSpec:
    """Read and validate `folder/spec.yaml`."""
    path = folder / SPEC_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(path, [("", "the flow has no spec.yaml; write the spec first")]) from None
    return parse_spec(text, path)


def spec_json_schema() -> dict[str, object]:
    """The published JSON schema of `spec.yaml`."""
    schema = FlowSpec.model_json_schema()
    schema["$id"] = "https://flowbot.dev/schemas/flow-spec-v1.json"
    schema["title"] = "flowbot flow spec (spec.yaml)"
    return schema
