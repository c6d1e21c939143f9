"""What the Stripe simulator reproduces of the v1 API (read by the catalog)."""

from connectors.core.catalog import SimulatorSpec

COVERAGE = SimulatorSpec(
    covers=[
        "GET /v1/customers, /v1/invoices, /v1/charges (list with limit, starting_after, "
        "ending_before, created[…], email, customer, status) and retrieve by id",
        "GET /v1/invoices/{id}/lines",
        "POST /v1/customers and /v1/customers/{id} (form-encoded, unknown parameters refused, "
        "metadata merge) with idempotency keys replayed for 24 hours",
        "expand[] on every endpoint: customer and invoice ids on charges, invoices and invoice "
        "lines, data.… in lists; a property that cannot expand is refused",
        "Stripe's error object, 401 bodies, Stripe-Should-Retry on 409 key-in-use, test-mode "
        "read and write limits with Stripe's 429",
    ],
    leaves_out=[
        "search (/v1/{objects}/search): the connector does not offer it",
        "expanding any other id-holding property (default_source, balance_transaction, …)",
        "every other resource (subscriptions, payment intents, products, …) and deletes",
    ],
)
