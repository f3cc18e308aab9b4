"""Helpers of the Sage 300 emulator tests: a sage300-only sandbox, Web API clients, bodies.

The sandbox runs the registered emulator (`sandbox.sage300:Sage300Emulator`) over HTTPS with the
sandbox CA; its business clock is pinned (`CLOCK`) and its server zone set (`TIMEZONE`) so audit
stamps are known values.
"""

from __future__ import annotations

import datetime as dt
import json
import ssl
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, cast

import httpx
import pytest

from sandbox.runner import Sandbox
from sandbox.sage300 import COMPANY, PASSWORD, USER, Sage300Emulator
from sandbox.seed import SeedConfig
from tests.conftest import ANCHOR

SLUG = "sage300"
# 03:30 UTC on the anchor day is 22:30 the evening before in New York (EST, UTC-5)
CLOCK = ANCHOR + dt.timedelta(hours=3, minutes=30)
TIMEZONE = "America/New_York"
LOCAL_DATE = 20261122
LOCAL_TIME = 22300000
JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


def sandbox_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """Body of the module-scoped `sb` fixtures: a started sage300-only sandbox."""
    sb = Sandbox(tmp_path_factory.mktemp(SLUG), systems=[SLUG], seed=SeedConfig(anchor=ANCHOR))
    emu = emulator(sb)
    emu.clock = lambda: CLOCK
    emu.timezone = TIMEZONE
    with sb:
        yield sb


def emulator(sb: Sandbox) -> Sage300Emulator:
    return cast(Sage300Emulator, sb.emulator(SLUG))


def client(
    sb: Sandbox, *, auth: tuple[str, str] | None = (USER, PASSWORD), json_type: bool = True
) -> httpx.Client:
    """An httpx client on ``{url}/-/SAMINC/`` trusting the sandbox CA."""
    env = sb.env()
    return httpx.Client(
        base_url=f"{env['STOREBRIDGE_SAGE300_URL']}/-/{COMPANY}/",
        auth=auth,
        headers=JSON_HEADERS if json_type else {"Accept": "application/json"},
        verify=ssl.create_default_context(cafile=env["STOREBRIDGE_SAGE300_CA_BUNDLE"]),
        timeout=30,
        trust_env=False,
    )


def body(response: httpx.Response) -> Any:
    """The response JSON with numbers as Decimal."""
    return json.loads(response.text, parse_float=Decimal)


def error(response: httpx.Response) -> tuple[int, str, str]:
    """(status, code, message) of a Sage error response."""
    err = body(response)["error"]
    assert err["message"]["lang"] == "en-US"
    return response.status_code, err["code"], err["message"]["value"]


def values(api: httpx.Client, path: str, **params: str) -> list[dict[str, Any]]:
    """The ``value`` rows of a list GET (asserting 200)."""
    r = api.get(path, params=params)
    assert r.status_code == 200, r.text
    rows: list[dict[str, Any]] = body(r)["value"]
    return rows


def order_payload(reference: str, **header: Any) -> dict[str, Any]:
    """An OEOrders body for seeded customer 1100: two item lines and a freight charge."""
    return {
        "CustomerNumber": "1100",
        "PurchaseOrderNumber": reference.rsplit(":", 1)[-1],
        "OrderReference": reference,
        "OrderDescription": "storebridge test order",
        "OrderDate": "2026-11-20",
        **header,
        "OrderDetails": [
            {
                "LineType": "Item",
                "Item": "SB-BAG-004",
                "Location": "MAIN",
                "QuantityOrdered": 2,
                "PricingUnitPrice": 19.5,
                "PriceOverride": True,
                "DiscountPercent": 10,
            },
            {"LineType": "Item", "Item": "SB-MUG-002", "QuantityOrdered": 3},
            {
                "LineType": "Miscellaneous",
                "MiscellaneousChargesCode": "FRT",
                "ExtendedAmount": 5.95,
            },
        ],
        "OrderOptionalFields": [{"OptionalField": "STORE", "Value": "shift4shop"}],
    }
