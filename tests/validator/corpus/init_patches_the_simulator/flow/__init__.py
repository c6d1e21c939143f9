"""Deals."""
from connectors.hubspot.simulator import HubSpotSimulator

HubSpotSimulator.count = lambda self, kind: 1
