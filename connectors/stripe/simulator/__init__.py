"""The Stripe double tests use: the app (`app`), its wire format, expansion, idempotency, seed.

What it reproduces is listed beside the client, in `connectors.stripe.simulator_coverage`.
"""

from connectors.stripe.simulator.app import (
    SIMULATOR_SECRET_KEY,
    StripeSimulator,
)

__all__ = ["SIMULATOR_SECRET_KEY", "StripeSimulator"]
