"""docs/gate-rules.md lists exactly the rules the gate has."""

from __future__ import annotations

from flowkit.validator import RULES
from tests.validator.conftest import REPOSITORY


def test_the_rules_page_has_every_rule_as_the_code_states_it() -> None:
    page = (REPOSITORY / "docs" / "gate-rules.md").read_text()
    rows = [line for line in page.splitlines() if line.startswith("| FK")]

    assert rows == [f"| {r.id} | {r.name} | {r.stage} | {r.summary} |" for r in RULES.values()]
