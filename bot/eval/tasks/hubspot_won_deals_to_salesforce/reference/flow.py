"""Won HubSpot deals become Salesforce opportunities, upserted by the HubSpot deal id."""

from collections.abc import Iterator

from connectors.hubspot import Deal, HubSpot
from connectors.salesforce import OpportunityInput, Salesforce, UpsertResult
from flowkit import BadRecord, Context, Flow, Skip

flow = Flow("hubspot-won-deals-to-salesforce")

COMPANY_CURRENCY = "USD"
"""The HubSpot account's company currency: a deal without a currency code is in it."""


@flow.source(key="id", cursor="updated_at")
def changed_deals(ctx: Context, crm: HubSpot) -> Iterator[Deal]:
    """Deals changed since the last run (HubSpot's list cannot filter, so the flow does)."""
    for deal in crm.deals.list():
        if ctx.since is None or deal.updated_at >= ctx.since:
            yield deal


@flow.step
def to_opportunity(deal: Deal) -> OpportunityInput:
    """The opportunity that stands for one won deal."""
    if deal.dealstage != "closedwon":
        raise Skip(f"the deal is in stage {deal.dealstage}, not closedwon")
    if deal.amount is None:
        raise BadRecord(f"won deal {deal.id} has no amount")
    if deal.closedate is None:
        raise BadRecord(f"won deal {deal.id} has no close date")
    return OpportunityInput(
        External_Id__c=deal.id,
        Name=deal.dealname or f"HubSpot deal {deal.id}",
        StageName="Closed Won",
        CloseDate=deal.closedate.date(),
        Amount=deal.amount,
        CurrencyIsoCode=deal.deal_currency_code or COMPANY_CURRENCY,
    )


@flow.sink
def upsert_opportunity(opportunity: OpportunityInput, sf: Salesforce) -> UpsertResult:
    """Create the opportunity, or update the one already made for this deal."""
    return sf.opportunities.upsert(opportunity, external_id_field="External_Id__c")
