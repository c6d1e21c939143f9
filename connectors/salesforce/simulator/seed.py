"""Synthetic org data for the simulator: realistic, deterministic from a seed, and fake.

Names come from short lists, websites and emails use the reserved `.example` top-level domain,
Stripe ids are made up, and every time is counted from a fixed date, so two simulators with the
same seed hold the same records.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from connectors.salesforce.simulator.schema import (
    INVOICE_STATUSES,
    OPPORTUNITY_STAGES,
    ORG_CURRENCIES,
)
from connectors.salesforce.simulator.store import OrgStore

SEED_START = datetime(2024, 1, 1, tzinfo=UTC)
"""The first seeded record's CreatedDate."""
EPOCH = datetime(2024, 6, 1, tzinfo=UTC)
"""The simulated org's 'now' when a simulator starts; seeded records are older."""

_FIRST = ("Ada", "Bruno", "Chiara", "Dmitri", "Elif", "Farah", "Gustav", "Hana", "Ines", "Jonas",
          "Kemal", "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Rosa", "Soren", "Tomoko")
_LAST = ("Lovelace", "Moreau", "Rossi", "Ivanov", "Yilmaz", "Haddad", "Lindqvist", "Sato",
         "Ferreira", "Becker", "Novak", "Garcia", "Okafor", "Berg", "Raman", "Dubois", "Jensen")
_WORDS = ("Alder", "Birch", "Cedar", "Delta", "Ember", "Fjord", "Granite", "Harbor", "Iris",
          "Juniper", "Kestrel", "Lumen")
_KINDS = ("Logistics", "Foods", "Analytics", "Textiles", "Robotics", "Studios")
_INDUSTRIES = ("Transportation", "Food & Beverage", "Technology", "Apparel", "Manufacturing",
               "Media")
_CITIES = (("Lisbon", "Portugal"), ("Lyon", "France"), ("Austin", "United States"),
           ("Osaka", "Japan"), ("Leeds", "United Kingdom"), ("Toronto", "Canada"))
_TITLES = ("Head of Operations", "Buyer", "CFO", "Office Manager", "Founder", "Data Analyst")
_ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _times(rng: random.Random, n: int) -> tuple[datetime, datetime]:
    created = SEED_START + timedelta(minutes=7 * n, seconds=rng.randrange(60))
    return created, created + timedelta(hours=rng.randrange(1, 72),
                                        milliseconds=rng.randrange(1000))


def _amount(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randrange(low * 100, high * 100)).scaleb(-2)


def seed_org(store: OrgStore, rng: random.Random, count: int, *, multi_currency: bool) -> None:
    """`count` accounts, each with a contact, an opportunity and an invoice."""
    for n in range(count):
        currency = {"CurrencyIsoCode": rng.choice(ORG_CURRENCIES[:3])} if multi_currency else {}
        city, country = rng.choice(_CITIES)
        name = f"{rng.choice(_WORDS)} {rng.choice(_KINDS)} {n + 1}"
        created, modified = _times(rng, n)
        account = store.insert("Account", {
            "Name": name, "AccountNumber": f"CUST-{10000 + n}", "Type": "Customer - Direct",
            "Industry": rng.choice(_INDUSTRIES), "Website": f"https://{name.split()[0].lower()}"
                                                            f"{n + 1}.example",
            "Phone": f"+1 555 01{n % 100:02d}", "BillingCity": city, "BillingCountry": country,
            "AnnualRevenue": _amount(rng, 100_000, 9_000_000),
            "NumberOfEmployees": rng.randrange(5, 5000), "External_Id__c": f"cus_{_token(rng)}",
            **currency}, created=created, modified=modified)
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        store.insert("Contact", {
            "FirstName": first, "LastName": last,
            "Email": f"{first}.{last}.{n + 1}@mail.example".lower(), "Title": rng.choice(_TITLES),
            "AccountId": account["Id"], "External_Id__c": f"person-{n + 1}", **currency},
            created=created, modified=modified)
        store.insert("Opportunity", {
            "Name": f"{name} — renewal", "StageName": rng.choice(OPPORTUNITY_STAGES),
            "CloseDate": date(2024, 7, 1) + timedelta(days=rng.randrange(180)),
            "Amount": _amount(rng, 500, 90_000), "AccountId": account["Id"],
            "External_Id__c": f"deal-{n + 1}", **currency}, created=created, modified=modified)
        store.insert("Invoice__c", {
            "Name": f"INV-{20000 + n}", "Stripe_Invoice_Id__c": f"in_{_token(rng)}",
            "Account__c": account["Id"], "Amount__c": _amount(rng, 20, 5_000),
            "Status__c": rng.choice(INVOICE_STATUSES),
            "Due_Date__c": date(2024, 2, 1) + timedelta(days=rng.randrange(150)), **currency},
            created=created, modified=modified)


def _token(rng: random.Random) -> str:
    return "".join(rng.choice(_ALPHANUMERIC) for _ in range(14))
