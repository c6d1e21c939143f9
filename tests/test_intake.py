"""The issue forms' rendered bodies, parsed back: the labels are the contract."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.intake import NO_RESPONSE, form_sections, integration_request

FORMS = Path(__file__).resolve().parent.parent / ".github" / "ISSUE_TEMPLATE"


def render(form: dict[str, Any], answers: dict[str, str]) -> str:
    """The body GitHub renders from an issue form: `### <label>`, a blank line, the answer
    (`_No response_` when empty; fenced in the field's `render` language when it has one)."""
    parts = []
    for element in form["body"]:
        if element["type"] == "markdown":
            continue
        label = element["attributes"]["label"]
        answer = answers.get(element["id"], "")
        if answer and element["attributes"].get("render"):
            answer = f"```{element['attributes']['render']}\n{answer}\n```"
        parts.append(f"### {label}\n\n{answer or NO_RESPONSE}")
    return "\n\n".join(parts)


def load(name: str) -> dict[str, Any]:
    form: dict[str, Any] = yaml.safe_load((FORMS / name).read_text())
    return form


def test_an_integration_request_rendered_from_the_form_parses_back() -> None:
    body = render(load("integration-request.yml"), {
        "source": "Shopify", "target": "HubSpot",
        "what": "Every paid order becomes a deal.\nGuest orders too.",
        "when": "every 15 minutes", "mapping": "order name -> deal name"})

    request = integration_request(body)

    assert request.source == "Shopify"
    assert request.target == "HubSpot"
    assert request.what == "Every paid order becomes a deal.\nGuest orders too."
    assert request.when == "every 15 minutes"
    assert request.mapping == "order name -> deal name"
    assert request.edge_cases is None
    assert request.from_form


def test_the_forms_apply_their_labels() -> None:
    assert load("integration-request.yml")["labels"] == ["integration-request"]
    assert load("flow-failure.yml")["labels"] == ["flow-failure"]


@pytest.mark.parametrize("name", ["integration-request.yml", "flow-failure.yml"])
def test_every_field_of_the_form_comes_back_by_its_label(name: str) -> None:
    form = load(name)
    fields = [e for e in form["body"] if e["type"] != "markdown"]
    body = render(form, {e["id"]: f"answer to {e['id']}" for e in fields})

    sections = form_sections(body)

    assert sections == {e["attributes"]["label"]: f"answer to {e['id']}" for e in fields}


def test_a_fenced_answer_is_unwrapped_and_empty_answers_are_none() -> None:
    form = {"body": [
        {"type": "textarea", "id": "logs", "attributes": {"label": "Logs", "render": "shell"}},
        {"type": "input", "id": "note", "attributes": {"label": "Note"}}]}
    body = render(form, {"logs": "line 1\nline 2"})

    sections = form_sections(body)

    assert sections == {"Logs": "line 1\nline 2", "Note": None}


def test_a_body_written_by_hand_is_not_mistaken_for_the_form() -> None:
    request = integration_request("Please sync paid Shopify orders into HubSpot deals.")

    assert not request.from_form
