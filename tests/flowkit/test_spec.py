"""spec.yaml: the examples validate; every kind of mistake says where it is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from flowkit.spec import SpecError, load_spec, parse_spec, spec_json_schema
from flowkit.validator import flow_folders

REPOSITORY = Path(__file__).resolve().parents[2]
EXAMPLE = (REPOSITORY / "flows" / "shopify_orders_to_hubspot_deals" / "spec.yaml").read_text()


@pytest.mark.parametrize("folder", flow_folders(REPOSITORY), ids=lambda p: p.name)
def test_every_example_spec_validates(folder: Path) -> None:
    spec = load_spec(folder)

    assert spec.folder_name == folder.name


def _changed(**changes: object) -> str:
    data = yaml.safe_load(EXAMPLE)
    data.update(changes)
    return yaml.safe_dump(data)


@pytest.mark.parametrize(("text", "location", "says"), [
    ("name: [unclosed", "line 1", "not valid YAML"),
    ("- a list", "", "YAML mapping"),
    (_changed(title=None), "title", "string"),
    (_changed(trigger={"schedule": "*/5 * * * *", "manual": True}), "trigger", "exactly one"),
    (_changed(trigger={"schedule": "every hour"}), "trigger", "five-field cron"),
    (_changed(trigger={"webhook": "orders/paid"}), "trigger",
     "trigger.webhook is not supported; use schedule"),
    (_changed(intent="https://github.com/acme/x/pull/3"), "intent", "pattern"),
    (_changed(mapping=[{"target": "a"}, {"target": "a"}]), "", "twice"),
    (_changed(source={"connector": "shopify", "operation": "orders"}), "source.operation",
     "pattern"),
    (_changed(on_bad_record={"action": "ignore", "when": "x"}), "on_bad_record.action",
     "skip"),
    (_changed(surprise=1), "surprise", "Extra inputs"),
])
def test_a_bad_spec_says_what_and_where(text: str, location: str, says: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec(text)

    assert any(where.startswith(location) and says in message
               for where, message in caught.value.problems), caught.value.problems


def test_a_missing_spec_asks_for_one(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="write the spec first"):
        load_spec(tmp_path)


def test_the_published_schema_is_the_models() -> None:
    published = json.loads((REPOSITORY / "flowkit" / "spec.schema.json").read_text())

    assert published == spec_json_schema()
