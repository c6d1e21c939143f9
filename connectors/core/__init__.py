"""The connector core: what every connector shares, done once.

Auth, pagination, throttling, retries, idempotency keys, the error taxonomy, normalised records, the
catalog and the simulator base. Connectors import from here; flows import records and errors.
"""

from connectors.core.auth import (
    ApiKeyAuth,
    BasicAuth,
    BearerAuth,
    Credentials,
    NoAuth,
    OAuth2ClientCredentials,
    OAuth2RefreshToken,
)
from connectors.core.client import HttpClient, VendorConventions
from connectors.core.clock import SYSTEM_CLOCK, Clock
from connectors.core.connector import Connector, ConnectorSettings, Resource
from connectors.core.errors import (
    AuthError,
    ConfigurationError,
    Conflict,
    ConnectorError,
    FieldError,
    NotFound,
    PermissionDenied,
    ProtocolError,
    RateLimited,
    TransientError,
    ValidationFailed,
)
from connectors.core.idempotency import idempotency_key
from connectors.core.operations import Idempotency, operation
from connectors.core.records import Money, Record, StrId, UtcDateTime

__all__ = [
    "SYSTEM_CLOCK",
    "ApiKeyAuth",
    "AuthError",
    "BasicAuth",
    "BearerAuth",
    "Clock",
    "ConfigurationError",
    "Conflict",
    "Connector",
    "ConnectorError",
    "ConnectorSettings",
    "Credentials",
    "FieldError",
    "HttpClient",
    "Idempotency",
    "Money",
    "NoAuth",
    "NotFound",
    "OAuth2ClientCredentials",
    "OAuth2RefreshToken",
    "PermissionDenied",
    "ProtocolError",
    "RateLimited",
    "Record",
    "Resource",
    "StrId",
    "TransientError",
    "UtcDateTime",
    "ValidationFailed",
    "VendorConventions",
    "idempotency_key",
    "operation",
]
