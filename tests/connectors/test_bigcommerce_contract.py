"""BigCommerce connector against the BigCommerce emulator: the shared contract plus its quirks.

The module starts a sandbox of its own with only the BigCommerce emulator: the contract injects
faults and counts requests, which must not disturb the session sandbox's other users.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest

from connectors.bigcommerce import BigCommerceClient, BigCommerceSettings, models
from connectors.http import ApiUsage
from connectors.records import Failure
from connectors.settings import load_settings
from sandbox.runner import Sandbox
from sandbox.seed import SeedConfig
from tests.connectors.contract import ConnectorContract, FakeSleep

ANCHOR = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
YEAR = (dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2026, 12, 31, tzinfo=dt.UTC))


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """A sandbox of the BigCommerce emulator alone (overrides the session sandbox here)."""
    workdir: Path = tmp_path_factory.mktemp("bigcommerce")
    with Sandbox(workdir, systems=("bigcommerce",), seed=SeedConfig(anchor=ANCHOR)) as sb:
        yield sb


def settings(sandbox: Sandbox, **overrides: Any) -> BigCommerceSettings:
    env = {
        k.removeprefix("STOREBRIDGE_BIGCOMMERCE_").lower(): v
        for k, v in sandbox.env().items()
        if k.startswith("STOREBRIDGE_BIGCOMMERCE_")
    }
    return load_settings(BigCommerceSettings, **{**env, **overrides})


def read_orders(
    client: BigCommerceClient, since: dt.datetime, until: dt.datetime, **options: Any
) -> tuple[list[models.Order], list[Failure]]:
    """Every order of the window, following the cursor to the 204."""
    orders: list[models.Order] = []
    failures: list[Failure] = []
    cursor: Any = None
    while True:
        page = client.orders_page(since, until, cursor, **options)
        orders += page.records
        failures += page.failures
        cursor = page.next
        if cursor is None:
            return orders, failures


def listed(sandbox: Sandbox) -> list[dict[str, Any]]:
    """The emulator's orders as the API renders them, minus incomplete and archived ones."""
    rows = sandbox.emulator("bigcommerce").records()["Order"]
    return [r for r in rows if r["status_id"] != 0 and not r.get("is_deleted")]


def modified(row: dict[str, Any]) -> dt.datetime:
    return parsedate_to_datetime(row["date_modified"])


class TestBigCommerceContract(ConnectorContract):
    system = "bigcommerce"

    def client(self, sandbox: Sandbox, sleep: FakeSleep, **overrides: Any) -> BigCommerceClient:
        # A read of every order is ~130 requests here (coupon reads included), not the handful
        # of the other stores: under 40% injected 503s five attempts would give up on some
        # request, so the contract client may try twelve times (the count checks still hold).
        options = {"orders_page_size": 100, "payments_from": "order", "max_attempts": 12}
        return BigCommerceClient(
            settings(sandbox, **{**options, **overrides}),
            sleep=sleep,
            usage=ApiUsage("bigcommerce"),  # fresh counters: the checks compare them
        )

    def read_all(self, client: BigCommerceClient) -> list[str]:
        orders, failures = read_orders(client, *YEAR)
        assert not failures
        return [str(o.id) for o in orders]

    def expected_ids(self, sandbox: Sandbox) -> list[str]:
        return [str(r["id"]) for r in listed(sandbox)]

    def read_changed(
        self, client: BigCommerceClient, since: dt.datetime, until: dt.datetime
    ) -> list[str]:
        return [str(o.id) for o in read_orders(client, since, until)[0]]

    def expected_changed(
        self, sandbox: Sandbox, since: dt.datetime, until: dt.datetime
    ) -> list[str]:
        return [str(r["id"]) for r in listed(sandbox) if since <= modified(r) <= until]

    def bad_request(self, client: BigCommerceClient) -> None:
        client.create_product({"name": "", "type": "physical"})  # no weight, no price: 422

    def write_twice(self, client: BigCommerceClient, sandbox: Sandbox) -> tuple[int, int]:
        row = listed(sandbox)[0]
        emulator = sandbox.emulator("bigcommerce")
        client.set_order_status(row["id"], 11)
        first = len(emulator.records()["Order"])
        again = client.set_order_status(row["id"], 11)
        second = len(emulator.records()["Order"])
        assert again.status_id == 11
        client.set_order_status(row["id"], row["status_id"])
        return first, second

    def wrong_credentials(self) -> dict[str, Any]:
        return {"access_token": "not-the-token"}


@pytest.fixture
def client(sandbox: Sandbox) -> BigCommerceClient:
    return BigCommerceClient(settings(sandbox), sleep=FakeSleep())


def test_calls_per_order_are_one_list_call_per_page_plus_coupons_and_payments(
    sandbox: Sandbox, client: BigCommerceClient
) -> None:
    emulator = sandbox.emulator("bigcommerce")
    emulator.reset_counts()
    orders, failures = read_orders(client, *YEAR)
    assert not failures
    assert orders
    calls = emulator.count()
    with_coupon = sum(1 for o in orders if o.coupon_discount > 0)
    paid = sum(1 for o in orders if (o.payment_status or "") != "")
    pages = -(-len(orders) // client.settings.orders_page_size) + 1  # the last answers 204
    # a coupon read is its page and the 204 after it; transactions are one V3 page
    assert calls == pages + 2 * with_coupon + paid
    per_order = calls / len(orders)
    print(
        f"\nbigcommerce calls per order (payments from transactions): {per_order:.3f} "
        f"({calls} calls, {len(orders)} orders, {with_coupon} with coupons, {paid} paid)"
    )
    cheap = BigCommerceClient(settings(sandbox, payments_from="order"), sleep=FakeSleep())
    emulator.reset_counts()
    again, _ = read_orders(cheap, *YEAR)
    assert emulator.count() == pages + 2 * with_coupon
    cheap_rate = emulator.count() / len(again)
    print(f"bigcommerce calls per order (payments from the order): {cheap_rate:.3f}")
    assert all(o.products for o in orders), "every order carries its lines (embedded)"
    assert all(o.coupons for o in orders if o.coupon_discount > 0)


def test_orders_decode_with_the_spec_statuses(client: BigCommerceClient) -> None:
    from transforms.bigcommerce import DecodeError, decode_order

    statuses = {
        str(s.id): {"status": "processing", "label": s.name} for s in client.order_statuses()
    }
    orders, _ = read_orders(client, *YEAR)
    decoded, errors = 0, []
    for o in orders:
        try:
            order = decode_order(o, guest_key=lambda e: "h-test", statuses=statuses)
        except DecodeError as exc:
            errors.append(str(exc))
            continue
        decoded += 1
        assert order.total.amount == o.total_inc_tax
        assert all(isinstance(ln.quantity, Decimal) for ln in order.lines)
    assert decoded > len(orders) * 0.9, errors[:3]


def test_customers_read_by_window_id_and_email(client: BigCommerceClient, sandbox: Sandbox) -> None:
    page = client.customers_page(*YEAR, None)
    assert page.records
    assert not page.failures
    first = page.records[0]
    assert first.email
    (same,) = client.customers_by_email([first.email.upper()])
    assert same.id == first.id
    by_id = client.customers_by_id([first.id, 987654])
    assert [c.id for c in by_id.records] == [first.id]
    assert [f.error_class for f in by_id.failures] == ["NotFoundError"]


def test_customer_batches_over_the_maximum_are_split(client: BigCommerceClient) -> None:
    page = client.customers_page(*YEAR, None)
    items = [{"id": c.id, "notes": "storebridge contract"} for c in page.records[:12]]
    assert len(items) == 12
    results = client.update_customers(items)
    assert [r.id for r in results] == [i["id"] for i in items]
    assert all(r.ok for r in results), [r.message for r in results if not r.ok]
    big = BigCommerceClient(settings_of(client, customers_batch=12), sleep=FakeSleep())
    results = big.update_customers(items)  # 413 from the emulator: halved and sent again
    assert all(r.ok for r in results), [r.message for r in results if not r.ok]


def settings_of(client: BigCommerceClient, **overrides: Any) -> BigCommerceSettings:
    return client.settings.model_copy(update=overrides)


def test_catalog_and_inventory_reads(client: BigCommerceClient) -> None:
    locations = client.locations()
    assert locations
    products = client.products_by_sku([])
    assert products == []
    items = client.inventory_items([])
    assert items == []
