"""Settings of a Sage 300 company connection: `STOREBRIDGE_SAGE300_*`.

Two ways in: the Web API (HTTP Basic with a Sage 300 user) for writes and the company database
over ODBC (a read-only SQL login) for reads and change capture. The ODBC connection string is a
secret as a whole (it holds the SQL password and names the server): it never appears in a log, an
error or a `repr`, and neither does the Web API password.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from connectors.sage300 import resources
from connectors.settings import ConnectionSettings

_COMPANY = re.compile(r"^[A-Za-z0-9]{1,6}$")


def odbc_attributes(connection_string: str) -> dict[str, str]:
    """The ``key=value`` attributes of an ODBC connection string, keys upper-cased.

    Values may be braced (``DRIVER={ODBC Driver 18 for SQL Server}``, ``PWD={a;b}``, a ``}``
    doubled inside braces); the braces are removed.

    Raises:
        ValueError: an attribute has no ``=`` or a brace is not closed (the text is never quoted
            in the message: it may hold a password).
    """
    out: dict[str, str] = {}
    i, text = 0, connection_string
    while i < len(text):
        while i < len(text) and text[i] in "; \t\r\n":
            i += 1
        if i >= len(text):
            break
        eq = text.find("=", i)
        if eq < 0:
            raise ValueError(f"attribute {len(out) + 1} has no '='")
        key = text[i:eq].strip().upper()
        i = eq + 1
        while i < len(text) and text[i] in " \t":
            i += 1
        if i < len(text) and text[i] == "{":
            value, i = _braced(text, i + 1, key)
        else:
            end = text.find(";", i)
            end = len(text) if end < 0 else end
            value, i = text[i:end].strip(), end
        out[key] = value
    return out


def _braced(text: str, i: int, key: str) -> tuple[str, int]:
    chars: list[str] = []
    while i < len(text):
        if text[i] == "}":
            if text[i + 1 : i + 2] == "}":
                chars.append("}")
                i += 2
                continue
            return "".join(chars), i + 1
        chars.append(text[i])
        i += 1
    raise ValueError(f"the value of {key} opens a brace it does not close")


class Sage300Settings(ConnectionSettings):
    """One Sage 300 company: its Web API (writes) and its database over ODBC (reads).

    The Web API root of the company (`base_url`) is derived:
    ``{url}/-/{company}`` (resources are then ``AR/ARCustomers``, ``OE/OEOrders``, ...).
    """

    model_config = SettingsConfigDict(env_prefix="STOREBRIDGE_SAGE300_", hide_input_in_errors=True)

    base_url: str = Field(default="", description="derived from url and company; not set by hand")
    url: str = Field(
        description="the Web API root, e.g. https://sage.example.com/Sage300WebApi/v1.0 (a bare "
        "host gets /Sage300WebApi/v1.0 appended)"
    )
    company: str = Field(description="the company's org id (database id), e.g. SAMINC")
    user: str = Field(min_length=1, max_length=8, description="the Sage 300 user of the Web API")
    password: SecretStr = Field(
        description="the Sage 300 user's password (empty when system security is off)"
    )
    odbc: SecretStr = Field(
        description="ODBC connection string of the company database, read-only login, e.g. "
        "DRIVER={ODBC Driver 18 for SQL Server};SERVER=...;DATABASE=SAMINC;UID=...;PWD=..."
    )
    timezone: str = Field(
        default="UTC",
        description="IANA zone of the Sage server: AUDTDATE/AUDTTIME and document dates are "
        "local to it",
    )
    page_size: int = Field(
        default=resources.DEFAULT_PAGE_SIZE,
        ge=1,
        le=resources.MAX_PAGE_SIZE,
        description="rows per Web API page ($top); the server's PageSize may cap it",
    )
    odbc_login_timeout_s: int = Field(
        default=15, ge=1, le=600, description="seconds to wait for the database login"
    )
    odbc_query_timeout_s: int = Field(
        default=120, ge=0, le=3600, description="seconds one query may run (0: no limit)"
    )
    odbc_fetch_size: int = Field(
        default=resources.DEFAULT_FETCH_SIZE,
        ge=1,
        le=resources.MAX_SCAN_PAGE,
        description="rows per cursor.fetchmany",
    )
    odbc_scan_page: int = Field(
        default=resources.DEFAULT_SCAN_PAGE,
        ge=1,
        le=resources.MAX_SCAN_PAGE,
        description="rows per keyset page of a table scan",
    )

    # The merchant's Sage codes. Defaults live in the mapping YAML (transforms/mappings/sage300:
    # order.yaml / customer.yaml `tables.merchant`); a setting given here overrides it
    # (`merchant()`).
    location: str | None = Field(
        default=None, max_length=6, description="I/C location every order line ships from"
    )
    price_list: str | None = Field(
        default=None, max_length=6, description="I/C price list of orders, customers, products"
    )
    currency: str | None = Field(
        default=None, pattern=r"^[A-Z]{3}$", description="currency code of new customers"
    )
    customer_group: str | None = Field(
        default=None, max_length=6, description="A/R customer group of new customers"
    )
    account_set: str | None = Field(
        default=None, max_length=6, description="A/R account set of new customers"
    )
    billing_cycle: str | None = Field(
        default=None, max_length=6, description="A/R billing cycle of new customers"
    )
    terms: str | None = Field(default=None, max_length=6, description="A/R terms of new customers")
    tax_group: str | None = Field(
        default=None, max_length=12, description="tax group of new customers and orders"
    )
    shipping_charge: str | None = Field(
        default=None, max_length=6, description="O/E miscellaneous charge code of shipping"
    )
    tax_charge: str | None = Field(
        default=None, max_length=6, description="O/E miscellaneous charge code of tax"
    )

    @model_validator(mode="before")
    @classmethod
    def _derive_base_url(cls, data: Any) -> Any:
        if (
            isinstance(data, dict)
            and str(data.get("url") or "").startswith(("https://", "http://"))
            and data.get("company")
        ):
            url = _api_root(str(data["url"]))
            company = str(data["company"]).strip().upper()
            data = {**data, "url": url, "base_url": f"{url}/-/{company}"}
        return data

    @field_validator("url")
    @classmethod
    def _http_root(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (or http:// for a local test server)")
        return _api_root(value)

    @field_validator("company")
    @classmethod
    def _org_id(cls, value: str) -> str:
        value = value.strip()
        if not _COMPANY.match(value):
            raise ValueError("a company org id is 1 to 6 letters or digits (e.g. SAMINC)")
        return value.upper()

    @field_validator("odbc")
    @classmethod
    def _connection_string(cls, value: SecretStr) -> SecretStr:
        text = value.get_secret_value().strip()
        if not text:
            raise ValueError("is empty: give the ODBC connection string of the company database")
        try:
            attributes = odbc_attributes(text)
        except ValueError as exc:
            raise ValueError(f"is not an ODBC connection string: {exc}") from None
        if not ({"DRIVER", "DSN", "FILEDSN"} & attributes.keys()):
            raise ValueError(
                "names no DRIVER={...} or DSN=... (attribute names: "
                + ", ".join(sorted(attributes))
                + ")"
            )
        return SecretStr(text)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from None
        return value

    @field_validator(
        "location",
        "price_list",
        "customer_group",
        "account_set",
        "billing_cycle",
        "terms",
        "tax_group",
        "shipping_charge",
        "tax_charge",
        mode="before",
    )
    @classmethod
    def _code(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    def merchant(self) -> dict[str, str]:
        """The merchant's codes set here, under the keys of the mappings' `tables.merchant`
        (``location``, ``price_list``, ``currency``, ``group``, ``account_set``,
        ``billing_cycle``, ``terms``, ``tax_group``, ``shipping_charge``, ``tax_charge``): pass
        it as the `merchant` overrides of the Sage 300 codecs."""
        names = {
            "location": self.location,
            "price_list": self.price_list,
            "currency": self.currency,
            "group": self.customer_group,
            "account_set": self.account_set,
            "billing_cycle": self.billing_cycle,
            "terms": self.terms,
            "tax_group": self.tax_group,
            "shipping_charge": self.shipping_charge,
            "tax_charge": self.tax_charge,
        }
        return {k: v for k, v in names.items() if v is not None}

    @property
    def zone(self) -> ZoneInfo:
        """The Sage server's time zone."""
        return ZoneInfo(self.timezone)


def _api_root(url: str) -> str:
    url = url.strip().rstrip("/")
    if urlparse(url).path in ("", "/"):
        return url + resources.API_ROOT
    return url
