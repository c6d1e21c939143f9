"""Reading the issues people file through the issue forms in `.github/ISSUE_TEMPLATE/`.

GitHub renders an issue form as one `### <label>` section per field, the answer below it, and
`_No response_` for a field left empty; a field with `render:` is wrapped in a code fence. The
labels are the contract between the forms and this parser, so the tests render bodies from the
very form files and parse them back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NO_RESPONSE = "_No response_"

_HEADING = re.compile(r"^### (?P<label>.+?)\s*$", re.MULTILINE)
_FENCED = re.compile(r"^```[\w-]*\n(?P<body>.*?)\n?```$", re.DOTALL)


def form_sections(body: str) -> dict[str, str | None]:
    """The answers of a rendered issue form by field label; None for `_No response_`.

    Text before the first heading is ignored; a label that appears twice keeps its first answer.
    """
    sections: dict[str, str | None] = {}
    matches = list(_HEADING.finditer(body.replace("\r\n", "\n")))
    text = body.replace("\r\n", "\n")
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        answer = text[match.end():end].strip()
        fenced = _FENCED.match(answer)
        if fenced:
            answer = fenced.group("body").strip()
        label = match.group("label").strip()
        if label not in sections:
            sections[label] = None if answer in ("", NO_RESPONSE) else answer
    return sections


@dataclass(frozen=True)
class IntegrationRequest:
    """An integration request as the form asked for it (free text stays free text)."""

    source: str | None
    target: str | None
    what: str | None
    when: str | None
    mapping: str | None
    edge_cases: str | None

    @property
    def from_form(self) -> bool:
        """Whether the body came from the form (otherwise the whole body is the request)."""
        return any(value is not None for value in vars(self).values())


def integration_request(body: str) -> IntegrationRequest:
    """The fields of the `integration-request` form found in `body` (None where absent)."""
    sections = form_sections(body)
    return IntegrationRequest(
        source=sections.get("Source system"), target=sections.get("Target system"),
        what=sections.get("What should move"), when=sections.get("When"),
        mapping=sections.get("Field mapping"), edge_cases=sections.get("Edge cases"))
