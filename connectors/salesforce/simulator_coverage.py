"""What the Salesforce simulator reproduces of the REST API (read by the catalog)."""

from connectors.core.catalog import SimulatorSpec

COVERAGE = SimulatorSpec(
    covers=[
        "POST /services/oauth2/token: client-credentials and refresh-token grants, client "
        "credentials in the body or as HTTP Basic (RFC 6749 §2.3.1)",
        "GET /services/data/vXX.X/query (a SOQL subset) and query locators "
        "(nextRecordsUrl, done); Sforce-Query-Options batchSize=200-2000",
        "sObject create, get, update; get and upsert by external id (201 created; 200 updated "
        "from v46.0, 204 up to v45.0; 300 for several matches)",
        "PATCH /composite/sobjects/{type}/{field} (collection upsert with allOrNone)",
        "session expiry (401 INVALID_SESSION_ID), the daily allocation with Sforce-Limit-Info "
        "and 403 REQUEST_LIMIT_EXCEEDED, Salesforce's JSON-array errors",
    ],
    leaves_out=[
        "describe, delete, queryAll, search, limits, Bulk API, other composite requests",
        "SOQL beyond the subset in soql.py; triggers, validation rules, sharing",
    ],
)
