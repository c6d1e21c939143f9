"""The Stripe double tests use: the app (`app`), its wire format, idempotency layer and seed."""

from connectors.stripe.simulator.app import SIMULATOR_SECRET_KEY, StripeSimulator

__all__ = ["SIMULATOR_SECRET_KEY", "StripeSimulator"]
