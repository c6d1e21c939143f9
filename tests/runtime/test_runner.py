"""Running flows for real: each packet once, re-runs write nothing, failures kept and replayed."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from bot.cli import app
from connectors.core.connector import Connector
from connectors.hubspot import HubSpot
from connectors.hubspot.simulator import HubSpotSimulator
from connectors.shopify.simulator import ShopifySimulator
from connectors.stripe import Stripe
from connectors.stripe.simulator import StripeSimulator
from flowkit.loading import load_flow
from flowkit.runtime.runner import FlowRunner
from flowkit.runtime.session import open_flow
from flowkit.runtime.store import AuditEntry, FailedMessage, LedgerEntry, Run
from flowkit.spec import load_spec
from tests.runtime.conftest import REPOSITORY

SCENARIO = REPOSITORY / "bot" / "demo" / "scenario"


def test_every_paid_order_is_delivered_once_and_a_rerun_writes_nothing(
        store_url: str, sessions: sessionmaker[Session]) -> None:
    flow = open_flow(REPOSITORY, "shopify-orders-to-hubspot-deals", simulate=True, seed=3,
                     sessions=sessions)
    shop = flow.simulators["shopify"]
    crm = flow.simulators["hubspot"]
    assert isinstance(shop, ShopifySimulator)
    assert isinstance(crm, HubSpotSimulator)
    paid = [order for order in shop.orders.values()
            if order["financial_status"] == "paid" and not order["test"]]
    deals_before = crm.count("deals")

    first = flow.runner.run(concurrency=4)
    writes_after_first = sum(crm.stats.writes.values())
    second = flow.runner.run(concurrency=4)

    assert first.counts["delivered"] == len(paid) > 0
    assert crm.count("deals") == deals_before + len(paid)
    assert writes_after_first == len(paid)
    assert second.counts["delivered"] == 0
    assert second.counts["already_done"] >= 1  # inclusive bounds: the newest is read again
    assert sum(crm.stats.writes.values()) == writes_after_first
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(LedgerEntry)) == len(paid)
        audit = list(session.scalars(select(AuditEntry)))
        runs = list(session.scalars(select(Run)))
    assert {entry.outcome for entry in audit} == {"delivered"}
    assert all(entry.version != "" and entry.source_ref for entry in audit)
    assert [run.status for run in runs] == ["finished", "finished"]
    flow.close()


def _scenario_flow(checkout: Path, version: str) -> Path:
    folder = checkout / "flows" / "stripe_customers_to_hubspot_contacts"
    if not folder.exists():
        shutil.copytree(SCENARIO, folder, ignore=shutil.ignore_patterns("flow_*.py"))
    shutil.copy2(SCENARIO / f"flow_{version}.py", folder / "flow.py")
    return folder


def test_a_failed_packet_is_kept_shown_and_delivered_by_replay_after_the_fix(
        checkout: Path, store_url: str, sessions: sessionmaker[Session]) -> None:
    folder = _scenario_flow(checkout, "attempt_2")
    stripe = StripeSimulator(customers=0, invoices=0, charges=0)
    crm = HubSpotSimulator(contacts=0)
    stripe.add_customer(email="cher@example.com", name="Cher")
    stripe.add_customer(email="ada@example.com", name="Ada Lovelace")
    connectors: dict[type[Connector], Connector] = {Stripe: stripe.connect(),
                                                    HubSpot: crm.connect()}
    spec = load_spec(folder)

    broken = FlowRunner(load_flow(folder), spec, connectors, sessions, version="v1",
                        sink_idempotent=True)
    summary = broken.run()

    assert summary.counts == {"delivered": 1, "failed": 1}
    [failure_id] = summary.failure_ids
    with sessions() as session:
        failure = session.get(FailedMessage, failure_id)
        assert failure is not None
    assert (failure.unit, failure.error_type) == ("to_contact", "ValueError")
    assert failure.packet["email"] == "[redacted]"
    assert failure.unit_input["value"]["email"] == "cher@example.com"  # kept for replay only
    shown = CliRunner().invoke(app, ["failures", "show", str(failure_id), "--database",
                                     store_url])
    assert shown.exit_code == 0
    assert "not enough values to unpack" in shown.output
    assert "cher@example.com" not in shown.output

    _scenario_flow(checkout, "repaired")
    fixed = FlowRunner(load_flow(folder), spec, connectors, sessions, version="v2",
                       sink_idempotent=True)
    outcome, _ = fixed.replay(failure_id)
    again, _ = fixed.replay(failure_id)

    assert outcome == "delivered"
    assert again == "already_resolved"
    assert crm.find("contacts", "email", "cher@example.com") is not None
    assert crm.count("contacts") == 2
    assert sum(crm.stats.writes.values()) == 2


def test_a_stored_input_that_no_longer_fits_its_unit_fails_the_replay_with_a_reason(
        checkout: Path, sessions: sessionmaker[Session]) -> None:
    folder = _scenario_flow(checkout, "attempt_2")
    stripe = StripeSimulator(customers=0, invoices=0, charges=0)
    stripe.add_customer(email="cher@example.com", name="Cher")
    connectors: dict[type[Connector], Connector] = {
        Stripe: stripe.connect(), HubSpot: HubSpotSimulator(contacts=0).connect()}
    runner = FlowRunner(load_flow(folder), load_spec(folder), connectors, sessions,
                        version="v1", sink_idempotent=True)
    [failure_id] = runner.run().failure_ids
    with sessions.begin() as session:
        failure = session.get(FailedMessage, failure_id)
        assert failure is not None
        failure.unit_input = {"value": {"email": ["not", "an", "email"]}}

    outcome, result = runner.replay(failure_id)

    assert outcome == "failed"
    assert result is not None
    assert result.error_type == "StoredInputMismatch"
    assert "the stored input of to_contact no longer fits" in (result.message or "")


def test_a_bad_record_is_skipped_or_kept_as_the_spec_says(
        sessions: sessionmaker[Session]) -> None:
    flow = open_flow(REPOSITORY, "stripe-invoices-to-salesforce", simulate=True,
                     sessions=sessions)
    stripe = flow.simulators["stripe"]
    assert isinstance(stripe, StripeSimulator)
    customer = stripe.add_customer(email="billing@acme.example")["id"]
    stripe.add_invoice(customer, id="in_zero", status="paid", total=0, amount_due=0,
                       amount_paid=0, subtotal=0)

    summary = flow.runner.run()

    assert summary.counts["bad"] == 1
    assert len(summary.failure_ids) == 1  # on_bad_record: fail — kept for a person
    with sessions() as session:
        kept = session.scalar(select(FailedMessage).where(FailedMessage.packet_key == "in_zero"))
    assert kept is not None
    assert kept.error_type == "BadRecord"
    flow.close()
