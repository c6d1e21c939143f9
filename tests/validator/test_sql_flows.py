"""Flows on the SQL connector pass the gate: a row's columns are known only at run time, a
table upsert names its key as a list, and the flow's tests get a throwaway SQLite database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from connectors.sql.simulator import SqlSimulator
from flowkit.validator import validate_flow
from tests.validator.conftest import checkout_with

GOOD = Path(__file__).resolve().parent / "good"


@pytest.mark.parametrize("flow", ["sql_customers_to_contacts", "stripe_invoices_to_sql"])
def test_a_sql_flow_passes_the_static_stages(flow: str, checkout_template: Path,
                                             tmp_path: Path) -> None:
    folder = checkout_with(checkout_template, tmp_path / "checkout", GOOD / flow)

    report = validate_flow(folder, last_stage=4)

    assert report.clean, report.as_text()


def test_a_table_upsert_by_another_key_than_the_spec_says_is_caught(
        checkout_template: Path, tmp_path: Path) -> None:
    flow = Path(shutil.copytree(GOOD / "stripe_invoices_to_sql", tmp_path / "flow"))
    code = flow / "flow.py"
    code.write_text(code.read_text().replace('key=["id"]', 'key=["amount_paid"]'))
    folder = checkout_with(checkout_template, tmp_path / "checkout", flow)

    report = validate_flow(folder, last_stage=4)

    assert [(f.rule, f.message) for f in report.findings] == [
        ("FK421", "the sink upserts by `amount_paid` but the spec's idempotency_key is `id`")]


@pytest.mark.sandbox
@pytest.mark.parametrize("flow", ["sql_customers_to_contacts", "stripe_invoices_to_sql"])
def test_a_sql_flow_passes_the_whole_gate_with_its_tests_on_sqlite(
        flow: str, checkout_template: Path, tmp_path: Path, bwrap_path: str) -> None:
    folder = checkout_with(checkout_template, tmp_path / "checkout", GOOD / flow)

    report = validate_flow(folder)

    assert report.could_not_run is None
    assert report.clean, report.as_text()


def test_the_sql_simulator_is_a_real_database_and_refuses_unknown_types() -> None:
    db = SqlSimulator()
    try:
        db.create_table("t", {"id": "integer", "at": "timestamp"}, key=["id"])
        db.insert("t", {"id": 1, "at": "2026-11-02T10:00:00+00:00"})
        with db.connect() as connector:
            [row] = list(connector.tables.select_incremental("t", cursor_column="at"))
            connector.tables.upsert("t", [{"id": 2, "at": row.at}], key=["id"])

        assert [(r["id"], r["at"].isoformat()) for r in db.rows("t")] == [
            (1, "2026-11-02T10:00:00+00:00"), (2, "2026-11-02T10:00:00+00:00")]
        with pytest.raises(ValueError, match="unknown column types varchar; use integer"):
            db.create_table("u", {"id": "varchar"}, key=["id"])
        with pytest.raises(ValueError, match="the key must name columns of the table"):
            db.create_table("v", {"id": "integer"}, key=["uuid"])
    finally:
        db.close()
