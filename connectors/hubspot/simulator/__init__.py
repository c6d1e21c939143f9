"""The HubSpot double tests use: the app (`app`), its store, schema and synthetic seed.

What it reproduces is listed beside the client, in `connectors.hubspot.simulator_coverage`.
"""

from connectors.hubspot.simulator.app import (
    HUBSPOT_READ_ONLY_TOKEN,
    HUBSPOT_TEST_TOKEN,
    HubSpotSimulator,
)

__all__ = ["HUBSPOT_READ_ONLY_TOKEN", "HUBSPOT_TEST_TOKEN", "HubSpotSimulator"]
