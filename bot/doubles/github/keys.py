"""App private keys for simulated worlds, in the form GitHub hands them out (PKCS#1 PEM)."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def new_app_key() -> str:
    """A fresh 2048-bit RSA key as `-----BEGIN RSA PRIVATE KEY-----` PEM, like a key downloaded
    from an app's settings page or returned by the manifest flow's code conversion."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()
