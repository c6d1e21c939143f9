"""HubSpot CRM (v3 objects API): contacts, companies and deals.

A flow annotates a parameter `crm: HubSpot` and calls `crm.deals.upsert(deal,
id_property="shopify_order_id")`. The simulator lives in `connectors.hubspot.simulator`.
"""

from connectors.hubspot.client import HubSpot, HubSpotSettings
from connectors.hubspot.records import (
    Company,
    CompanyInput,
    Contact,
    ContactInput,
    CrmInput,
    CrmRecord,
    Deal,
    DealInput,
)

__all__ = [
    "Company",
    "CompanyInput",
    "Contact",
    "ContactInput",
    "CrmInput",
    "CrmRecord",
    "Deal",
    "DealInput",
    "HubSpot",
    "HubSpotSettings",
]
