"""The pull request body: the issue link, the spec as tables, the gate, how it was made."""

from __future__ import annotations

from pathlib import Path

from bot.github.pr_body import PR_MARKER, PullRequestContent, render_pull_request_body
from bot.jobs.work import WorkRecord
from flowkit.spec import load_spec

EXAMPLE = Path(__file__).resolve().parents[3] / "flows" / "shopify_orders_to_hubspot_deals"
WORK = WorkRecord(model="claude-sonnet-5-5", prompt_version="generate@abc123", attempts=2,
                  input_tokens=12_345, output_tokens=678, cost_usd=0.0471, effort="medium",
                  cached_share=0.81)


def content(**changes: object) -> PullRequestContent:
    base = PullRequestContent(kind="generate", issue_number=12, spec=load_spec(EXAMPLE),
                              flow_folder="flows/shopify_orders_to_hubspot_deals",
                              gate_passed=True, gate_report="stage 1 ok", work=WORK)
    return PullRequestContent(**{**vars(base), **changes})  # type: ignore[arg-type]


def test_a_generated_flow_closes_its_issue_and_shows_the_spec() -> None:
    body = render_pull_request_body(content())

    assert body.startswith(PR_MARKER)
    assert "Closes #12" in body
    assert "| Source | `shopify.orders.list` (key `id`, cursor `updated_at`) |" in body
    assert "| `dealname` | `name` | 'Shopify order ' + the order's name" in body
    assert "✅ the gate passed" in body
    assert "(thinking `adaptive`, effort `medium`)" in body
    assert "2 gate attempts, 12,345 input (81% read from the prompt cache) and 678 output " \
           "tokens, $0.0471" in body


def test_a_repair_fixes_its_issue_and_links_the_packet_at_the_commit() -> None:
    link = "https://github.com/acme/flows/blob/0123abc/flows/x/fixtures/failures/7.json"
    body = render_pull_request_body(content(kind="repair", issue_number=7,
                                            packet_permalink=link))

    assert "Fixes #7" in body
    assert f"[7.json]({link})" in body


def test_a_failing_gate_says_a_person_is_needed() -> None:
    body = render_pull_request_body(content(gate_passed=False, gate_report="FK302 …"))

    assert "❌ the gate still fails" in body
    assert "FK302 …" in body
