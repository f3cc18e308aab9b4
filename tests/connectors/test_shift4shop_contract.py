"""Shift4Shop connector against the Shift4Shop emulator: the shared contract plus its quirks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from connectors.http import ConfigError, IncompletePaginationError
from connectors.records import Failure
from connectors.settings import load_settings
from connectors.shift4shop import Shift4ShopClient, Shift4ShopSettings, models
from sandbox.runner import Sandbox
from sandbox.seed import NOT_COMPLETED
from tests.connectors.contract import ConnectorContract, FakeSleep

YEAR = (dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2026, 12, 31, tzinfo=dt.UTC))


def read_orders(
    client: Shift4ShopClient, since: dt.datetime, until: dt.datetime, **options: Any
) -> tuple[list[models.Order], list[Failure]]:
    """Every order of the window, following the cursor to the last page."""
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


def settings(sandbox: Sandbox, **overrides: Any) -> Shift4ShopSettings:
    env = {
        k.removeprefix("STOREBRIDGE_SHIFT4SHOP_").lower(): v
        for k, v in sandbox.env().items()
        if k.startswith("STOREBRIDGE_SHIFT4SHOP_")
    }
    return load_settings(Shift4ShopSettings, **{**env, **overrides})


class TestShift4ShopContract(ConnectorContract):
    system = "shift4shop"

    def client(self, sandbox: Sandbox, sleep: FakeSleep, **overrides: Any) -> Shift4ShopClient:
        return Shift4ShopClient(settings(sandbox, orders_page_size=100, **overrides), sleep=sleep)

    def read_all(self, client: Shift4ShopClient) -> list[str]:
        orders, failures = read_orders(client, *YEAR)
        assert not failures
        return [str(o.order_id) for o in orders]

    def expected_ids(self, sandbox: Sandbox) -> list[str]:
        return [str(o.order_id) for o in sandbox.world.orders if o.status_id != NOT_COMPLETED]

    def read_changed(
        self, client: Shift4ShopClient, since: dt.datetime, until: dt.datetime
    ) -> list[str]:
        return [str(o.order_id) for o in read_orders(client, since, until)[0]]

    def expected_changed(
        self, sandbox: Sandbox, since: dt.datetime, until: dt.datetime
    ) -> list[str]:
        return [
            str(o.order_id)
            for o in sandbox.world.orders
            if since <= o.last_update <= until and o.status_id != NOT_COMPLETED
        ]

    def bad_request(self, client: Shift4ShopClient) -> None:
        client.http.request("GET", "/Orders", params={"limit": 5000})

    def write_twice(self, client: Shift4ShopClient, sandbox: Sandbox) -> tuple[int, int]:
        order = sandbox.world.orders[0]
        emulator = sandbox.emulator("shift4shop")
        client.set_order_status(order.order_id, 2)
        first = len(emulator.records()["Order"])
        client.set_order_status(order.order_id, 2)
        second = len(emulator.records()["Order"])
        (raw,) = client.orders_by_id([order.order_id]).records
        assert raw.order_status_id == 2
        client.set_order_status(order.order_id, order.status_id)
        return first, second

    def wrong_credentials(self) -> dict[str, Any]:
        return {"token": "not-the-token"}


@pytest.fixture
def client(sandbox: Sandbox) -> Shift4ShopClient:
    return Shift4ShopClient(settings(sandbox, orders_page_size=100), sleep=FakeSleep())


def test_offsets_start_at_one_and_stop_at_the_count(
    client: Shift4ShopClient, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[dict[str, Any]] = []
    real = client.http.request

    def record(method: str, url: Any, **kwargs: Any) -> Any:
        if str(url).endswith("/Orders"):
            sent.append(dict(kwargs.get("params") or {}))
        return real(method, url, **kwargs)

    monkeypatch.setattr(client.http, "request", record)
    emulator = sandbox.emulator("shift4shop")
    emulator.reset_counts()
    orders = len(sandbox.world.orders)  # abandoned checkouts are counted and read, then dropped
    pages: list[Any] = []
    cursor: Any = None
    while True:
        page = client.orders_page(*YEAR, cursor)
        assert page.total == orders
        pages.append(page)
        cursor = page.next
        if cursor is None:
            break

    assert sent[0]["countonly"] == 1
    assert [p["offset"] for p in sent[1:]] == list(range(1, orders + 1, 100))
    assert {p["limit"] for p in sent[1:]} == {100}
    assert len(pages) == -(-orders // 100)
    assert emulator.counts["GET /3dCartWebAPI/v1/Orders"] == len(pages) + 1


def test_an_empty_window_is_one_call_and_no_page(
    client: Shift4ShopClient, sandbox: Sandbox
) -> None:
    emulator = sandbox.emulator("shift4shop")
    emulator.reset_counts()
    long_ago = dt.datetime(2001, 1, 1, tzinfo=dt.UTC)
    page = client.orders_page(long_ago, long_ago + dt.timedelta(days=1), None)
    assert (page.records, page.failures, page.next, page.total) == ([], [], None, 0)
    assert emulator.counts["GET /3dCartWebAPI/v1/Orders"] == 1


def test_a_short_page_is_never_taken_for_the_end(
    client: Shift4ShopClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = client.count
    monkeypatch.setattr(client, "count", lambda path, params: real(path, params) + 7)
    with pytest.raises(IncompletePaginationError):
        read_orders(client, *YEAR)


def test_orders_sharing_a_second_are_all_read(client: Shift4ShopClient, sandbox: Sandbox) -> None:
    same = sandbox.world.orders[100].last_update
    twins = {str(o.order_id) for o in sandbox.world.orders if o.last_update == same}
    assert len(twins) >= 3
    up_to = {str(o.order_id) for o in read_orders(client, same - dt.timedelta(hours=1), same)[0]}
    from_ = {str(o.order_id) for o in read_orders(client, same, same + dt.timedelta(hours=1))[0]}
    assert twins <= up_to
    assert twins <= from_


def test_times_are_converted_to_the_store_zone_and_back(client: Shift4ShopClient) -> None:
    winter = dt.datetime(2026, 11, 2, 5, 30, tzinfo=dt.UTC)
    summer = dt.datetime(2026, 10, 31, 5, 30, tzinfo=dt.UTC)
    assert client.to_store_time(winter) == dt.datetime(2026, 11, 2, 0, 30)  # EST, UTC-5
    assert client.to_store_time(summer) == dt.datetime(2026, 10, 31, 1, 30)  # EDT, UTC-4
    assert client.to_utc(dt.datetime(2026, 11, 2, 0, 30)) == winter


def test_abandoned_checkouts_are_left_out_unless_asked(
    client: Shift4ShopClient, sandbox: Sandbox
) -> None:
    default, _ = read_orders(client, *YEAR)
    everything, _ = read_orders(client, *YEAR, include_abandoned=True)
    assert all(o.order_status_id != NOT_COMPLETED for o in default)
    abandoned = sum(o.order_status_id == NOT_COMPLETED for o in everything)
    assert abandoned == sandbox.world.config.abandoned > 0
    assert len(everything) == len(default) + abandoned


def test_orders_by_id_reports_unknown_ids(client: Shift4ShopClient) -> None:
    page = client.orders_by_id([1001, 999999, 1001])
    assert [o.order_id for o in page.records] == [1001]
    assert page.failures == [
        Failure(
            "shift4shop", "order", "999999", "NotFoundError", "shift4shop:order:999999: not found"
        )
    ]


def test_customers_are_paged_by_their_last_change(
    client: Shift4ShopClient, sandbox: Sandbox
) -> None:
    emulator = sandbox.emulator("shift4shop")
    with emulator.lock:
        stamps = {c.customer_id: c.last_update for c in emulator.state.customers.values()}
    ordered = sorted(stamps.values())
    since, until = ordered[10], ordered[-10]
    read: list[int] = []
    cursor: Any = None
    while True:
        page = client.customers_page(since, until, cursor)
        assert not page.failures
        read += [c.customer_id for c in page.records]
        cursor = page.next
        if cursor is None:
            break
    expected = {
        cid
        for cid, at in stamps.items()
        if since.replace(microsecond=0) <= at <= until.replace(microsecond=0)
    }
    assert sorted(read) == sorted(expected)
    assert 0 < len(expected) < len(stamps)


def test_customers_by_id_and_by_email(client: Shift4ShopClient, sandbox: Sandbox) -> None:
    emulator = sandbox.emulator("shift4shop")
    with emulator.lock:
        first = min(emulator.state.customers.values(), key=lambda c: c.customer_id)
        cid, email = first.customer_id, first.email
    page = client.customers_by_id([cid, 999999])
    assert [c.customer_id for c in page.records] == [cid]
    assert [(f.external_id, f.error_class) for f in page.failures] == [("999999", "NotFoundError")]
    found = client.customers_by_email(email.upper())
    assert [c.customer_id for c in found] == [cid]
    assert client.customers_by_email("nobody-at-all@example.invalid") == []


def test_missing_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("TOKEN", "PRIVATE_KEY", "SECURE_URL", "STORE_TIMEZONE"):
        monkeypatch.delenv(f"STOREBRIDGE_SHIFT4SHOP_{var}", raising=False)
    with pytest.raises(ConfigError, match="STOREBRIDGE_SHIFT4SHOP_TOKEN is missing"):
        load_settings(Shift4ShopSettings, _env_file=None)


def test_secrets_never_print(sandbox: Sandbox) -> None:
    s = settings(sandbox)
    assert s.token.get_secret_value() not in repr(s)
    assert s.private_key.get_secret_value() not in str(s.model_dump())


def test_untrusted_certificate_is_a_config_error(sandbox: Sandbox) -> None:
    client = Shift4ShopClient(
        settings(sandbox).model_copy(update={"ca_bundle": None}), sleep=FakeSleep()
    )
    with pytest.raises(ConfigError, match="CA_BUNDLE"):
        client.count("/Orders", {})
