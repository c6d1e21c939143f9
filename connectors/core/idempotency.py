"""Idempotency keys derived from what is written, so a re-run sends the same key again.

A random key per attempt defeats the purpose: after a crash, the second run must present the key
of the first so the vendor recognises the write. The key is a hash of the caller's scope (flow and
operation) and the packet's identity — never of secret values, and short enough for every vendor.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def idempotency_key(scope: str, *identity: Any) -> str:
    """A stable key for one write: the same scope and identity always give the same key.

    `identity` is anything JSON can encode in a canonical form (ids, numbers, dicts with sorted
    keys); values that are not JSON are encoded by their `str()`.
    """
    if not scope:
        raise ValueError("an idempotency key needs a scope, such as 'flow-name:operation'")
    canonical = json.dumps([scope, *identity], sort_keys=True, separators=(",", ":"), default=str)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
