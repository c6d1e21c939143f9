"""The Salesforce double tests use: the app (`app`), its org store, SOQL engine and seed.

What it reproduces is listed beside the client, in `connectors.salesforce.simulator_coverage`.
"""

from connectors.salesforce.simulator.app import (
    SIM_CLIENT_SECRET,
    SIM_REFRESH_TOKEN,
    SalesforceSimulator,
)

__all__ = ["SIM_CLIENT_SECRET", "SIM_REFRESH_TOKEN", "SalesforceSimulator"]
