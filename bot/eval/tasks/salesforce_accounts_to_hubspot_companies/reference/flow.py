"""Salesforce accounts become HubSpot companies, matched by erp_company_id (the account Id)."""

from collections.abc import Iterator

from connectors.hubspot import Company, CompanyInput, HubSpot
from connectors.salesforce import Account, Salesforce
from flowkit import BadRecord, Context, Flow

flow = Flow("salesforce-accounts-to-hubspot-companies")


@flow.source(key="Id", cursor="LastModifiedDate")
def changed_accounts(ctx: Context, sf: Salesforce) -> Iterator[Account]:
    """Accounts changed since the last run, oldest change first."""
    yield from sf.accounts.list(modified_since=ctx.since)


@flow.step
def to_company(account: Account) -> CompanyInput:
    """The company that stands for one account."""
    domain = domain_of(account.Website or "")
    if not domain:
        raise BadRecord(f"account {account.Id} has no website")
    return CompanyInput(
        name=account.Name,
        domain=domain,
        phone=account.Phone,
        city=account.BillingCity,
        country=account.BillingCountry,
        industry=account.Industry,
        extra_properties={"erp_company_id": account.Id},
    )


@flow.sink
def upsert_company(company: CompanyInput, crm: HubSpot) -> Company:
    """Create the company, or update the one with this account's Id."""
    return crm.companies.upsert(company, id_property="erp_company_id")


def domain_of(website: str) -> str:
    """The host of a website, lower case, without scheme, path or a leading www."""
    host = website.strip().lower()
    host = host.split("://", 1)[-1]
    host = host.split("/", 1)[0].split("?", 1)[0]
    return host.removeprefix("www.")
