"""Stories that never touch the flow under review."""

from connectors.hubspot.simulator import HubSpotSimulator


def test_the_simulator_starts_empty() -> None:
    simulator = HubSpotSimulator(contacts=0, companies=0, deals=0)
    assert simulator.count("deals") == 0
