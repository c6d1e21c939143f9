"""Synthetic CRM data for the simulator: realistic, deterministic from a seed, and fake.

Names are drawn from short lists, emails and domains use the reserved `.example` top-level domain,
and every time is counted from a fixed date, so two simulators with the same seed hold the same
records.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from connectors.hubspot.simulator.schema import DEAL_STAGES, LIFECYCLE_STAGES, instant_text

EPOCH = datetime(2024, 6, 1, tzinfo=UTC)
"""The simulated account's 'now' when a simulator starts; seeded records are older."""

_FIRST = ("Ada", "Bruno", "Chiara", "Dmitri", "Elif", "Farah", "Gustav", "Hana", "Ines", "Jonas",
          "Kemal", "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Soren", "Tomoko")
_LAST = ("Lovelace", "Moreau", "Rossi", "Ivanov", "Yilmaz", "Haddad", "Lindqvist", "Sato",
         "Ferreira", "Becker", "Demir", "Novak", "Garcia", "Okafor", "Berg", "Raman", "Dubois",
         "Costa", "Jensen", "Tanaka")
_COMPANY_WORDS = ("Alder", "Birch", "Cedar", "Delta", "Ember", "Fjord", "Granite", "Harbor",
                  "Iris", "Juniper", "Kestrel", "Lumen")
_COMPANY_KINDS = ("Logistics", "Foods", "Analytics", "Textiles", "Robotics", "Studios")
_CITIES = (("Lisbon", "Portugal"), ("Lyon", "France"), ("Austin", "United States"),
           ("Osaka", "Japan"), ("Leeds", "United Kingdom"), ("Toronto", "Canada"))
_TITLES = ("Head of Operations", "Buyer", "CFO", "Office Manager", "Founder", "Data Analyst")


def contacts(rng: random.Random, count: int) -> list[dict[str, str]]:
    """`count` contacts with distinct emails, created an hour apart before `EPOCH`."""
    records = []
    for n in range(count):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        records.append({
            "email": f"{first}.{last}.{n + 1}@mail.example".lower(),
            "firstname": first, "lastname": last,
            "company": f"{rng.choice(_COMPANY_WORDS)} {rng.choice(_COMPANY_KINDS)}",
            "jobtitle": rng.choice(_TITLES),
            "phone": f"+1-555-{rng.randrange(1000, 10000)}",
            "lifecyclestage": rng.choice(LIFECYCLE_STAGES),
            "createdate": instant_text(EPOCH - timedelta(hours=count - n)),
        })
    return records


def companies(rng: random.Random, count: int) -> list[dict[str, str]]:
    """`count` companies with distinct domains, created a day apart before `EPOCH`."""
    records = []
    for n in range(count):
        name = f"{rng.choice(_COMPANY_WORDS)} {rng.choice(_COMPANY_KINDS)} {n + 1}"
        city, country = rng.choice(_CITIES)
        records.append({
            "name": name, "domain": f"{name.lower().replace(' ', '-')}.example",
            "city": city, "country": country,
            "numberofemployees": str(rng.randrange(5, 5000)),
            "createdate": instant_text(EPOCH - timedelta(days=count - n)),
        })
    return records


def deals(rng: random.Random, count: int) -> list[dict[str, str]]:
    """`count` deals for Shopify orders, with amounts in cents-exact decimals."""
    records = []
    for n in range(count):
        order = 5001 + n
        created = EPOCH - timedelta(hours=6 * (count - n))
        records.append({
            "dealname": f"Order #{order}", "shopify_order_id": str(4_400_000_000 + order),
            "shopify_order_name": f"#{order}",
            "amount": f"{rng.randrange(1_000, 250_000) / 100:.2f}",
            "deal_currency_code": rng.choice(("USD", "EUR", "GBP")),
            "dealstage": rng.choice(DEAL_STAGES), "pipeline": "default",
            "closedate": instant_text(created + timedelta(days=rng.randrange(1, 30))),
            "createdate": instant_text(created),
        })
    return records
