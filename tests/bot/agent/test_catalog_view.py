"""Catalog details read like a stub file, records first, and a cut names what to ask for next."""

from __future__ import annotations

import re

from bot.agent.catalog_view import catalog_details
from connectors.registry import catalog


def test_a_long_connector_keeps_every_record_and_names_what_was_cut() -> None:
    text = catalog_details(catalog(), "salesforce", limit=6_000)

    records = sorted(catalog().connector("salesforce").records)  # type: ignore[union-attr]
    assert all(f"class {name}:" in text for name in records)
    assert text.index("class ContactInput:") < text.index("salesforce.contacts.")
    asked = re.findall(r'catalog_details\("([^"]+)"\)', text)
    assert asked
    for name in asked:  # every name the cut gives is one the tool answers
        assert catalog_details(catalog(), name).startswith(("salesforce.", "class "))


def test_a_record_reads_as_a_stub_with_optional_fields_marked() -> None:
    text = catalog_details(catalog(), "hubspot.DealInput")

    assert text.startswith("class DealInput:  # hubspot.DealInput")
    assert re.search(r"\n    \w+: .+ = None", text)


def test_an_unknown_name_lists_the_known_ones() -> None:
    assert "the connectors are hubspot" in catalog_details(catalog(), "crm")
    assert "salesforce.ContactInput" in catalog_details(catalog(), "salesforce.Nope")
