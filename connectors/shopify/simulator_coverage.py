"""What the Shopify simulator reproduces of the Admin REST API (read by the catalog)."""

from connectors.core.catalog import SimulatorSpec

COVERAGE = SimulatorSpec(
    covers=[
        "GET /admin/api/{version}/orders.json, customers.json, products.json: Link-header "
        "pagination with page_info, limit, the documented filters and fields",
        "GET /admin/api/{version}/{orders|customers|products}/{id}.json and shop.json",
        "POST customers.json and orders.json, PUT customers/{id}.json and orders/{id}.json: "
        "400 for a missing root key, 422 {\"errors\": {field: [...]}} for a malformed or taken "
        "email or phone, missing line items, an unknown variant or customer",
        "X-Shopify-Access-Token (401), the leaky bucket (40, 2/s) with "
        "X-Shopify-Shop-Api-Call-Limit and Shopify's 429 with Retry-After",
    ],
    leaves_out=[
        "DELETE of any record; writes of products and any other resource",
        "every other Admin REST resource (webhooks, inventory, fulfillments, …) and GraphQL",
        "the validation rules beyond those listed (addresses, tax, inventory, discounts)",
    ],
)
