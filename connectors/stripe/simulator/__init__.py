"""The Stripe double tests use: the app (`app`), its wire format, expansion, idempotency, seed.

`coverage` says what the simulator reproduces and is read by the catalog without FastAPI: the
app's names below are imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.core.lazy import lazy_exports

if TYPE_CHECKING:
    from connectors.stripe.simulator.app import (
        SIMULATOR_SECRET_KEY,
        StripeSimulator,
    )

__all__ = ["SIMULATOR_SECRET_KEY", "StripeSimulator"]

__getattr__ = lazy_exports(__name__, "connectors.stripe.simulator.app", __all__)
