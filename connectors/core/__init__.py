"""The connector core: what every connector shares, done once.

Auth, pagination, throttling, retries, idempotency keys, the error taxonomy, normalised records, the
catalog and the simulator base, one module each: a connector imports a name from the module that
defines it (`connectors.core.errors`, `connectors.core.records`…). Flows never import from here.
"""
