"""Where one shop's Admin REST API is, the token to reach it, and its rate limit."""

from __future__ import annotations

from pydantic import Field, SecretStr, ValidationInfo, field_validator

from connectors.core.connector import ConnectorSettings

DEFAULT_API_VERSION = "2024-10"


class ShopifySettings(ConnectorSettings):
    """How to reach one shop's Admin REST API."""

    shop: str = Field(description="The shop's myshopify name: 'acme' for acme.myshopify.com.")
    access_token: SecretStr = Field(description="An Admin API access token (shpat_…).")
    api_version: str = Field(default=DEFAULT_API_VERSION, pattern=r"^(\d{4}-\d{2}|unstable)$",
                             description="The Admin API version, e.g. '2024-10'.")
    base_url: str = Field(default="", validate_default=True,
                          description="The shop's origin; https://{shop}.myshopify.com unless "
                                      "set (e.g. to a simulator's address).")
    bucket_size: int = Field(default=40, gt=0,
                             description="Requests the leaky bucket holds: 40 (Advanced: 80).")
    leak_per_second: float = Field(default=2.0, gt=0,
                                   description="Requests it drains per second: 2 (Advanced: 4, "
                                               "Plus: 20).")

    @field_validator("shop")
    @classmethod
    def _shop_name(cls, value: str) -> str:
        name = value.strip().lower().removeprefix("https://").removesuffix("/")
        name = name.removesuffix(".myshopify.com")
        if not name or not all(c.isalnum() or c == "-" for c in name):
            raise ValueError(f"{value!r} is not a shop name like 'acme' or 'acme.myshopify.com'")
        return name

    @field_validator("base_url")
    @classmethod
    def _shop_origin(cls, value: str, info: ValidationInfo) -> str:
        shop = info.data.get("shop")
        return value.rstrip("/") or (f"https://{shop}.myshopify.com" if shop else "")

    @property
    def api_root(self) -> str:
        """Where the versioned Admin REST API lives: `{base_url}/admin/api/{api_version}`."""
        return f"{self.base_url}/admin/api/{self.api_version}"
