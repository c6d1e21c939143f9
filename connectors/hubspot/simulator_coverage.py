"""What the HubSpot simulator reproduces of the CRM v3 objects API (read by the catalog)."""

from connectors.core.catalog import SimulatorSpec

COVERAGE = SimulatorSpec(
    covers=[
        "GET /crm/v3/objects/{contacts|companies|deals}: paging.next.after, limit, properties",
        "GET, PATCH /crm/v3/objects/{type}/{id} (also by idProperty) and POST to create",
        "POST /crm/v3/objects/{type}/batch/create, batch/update, batch/upsert: all or nothing, "
        "up to 100 inputs, the 409 on a taken unique value",
        "bearer private-app tokens (401, 403 MISSING_SCOPES), HubSpot's error envelope and "
        "VALIDATION_ERROR details, the ten-second and daily limits with X-HubSpot-RateLimit-*",
    ],
    leaves_out=[
        "search, associations, archive (DELETE), batch read and archive, property history",
        "pipelines other than the default one; properties beyond the fixed schema",
    ],
)
