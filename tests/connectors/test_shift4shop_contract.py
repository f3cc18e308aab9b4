"""Shift4Shop connector against the Shift4Shop emulator: the shared contract plus its quirks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from connectors.http import ConfigError
from connectors.settings import load_settings
from connectors.shift4shop import Shift4ShopClient, Shift4ShopSettings
from sandbox.runner import Sandbox
from sandbox.seed import NOT_COMPLETED
from tests.connectors.contract import ConnectorContract, FakeSleep


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
        extracted = client.orders_changed(
            dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2026, 12, 31, tzinfo=dt.UTC)
        )
        assert not extracted.rejected
        return [str(o.order_id) for o in extracted.records]

    def expected_ids(self, sandbox: Sandbox) -> list[str]:
        return [str(o.order_id) for o in sandbox.world.orders if o.status_id != NOT_COMPLETED]

    def read_changed(
        self, client: Shift4ShopClient, since: dt.datetime, until: dt.datetime
    ) -> list[str]:
        return [str(o.order_id) for o in client.orders_changed(since, until).records]

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
        (raw,), _ = client.orders_by_id([order.order_id])[0].records, None
        assert raw.order_status_id == 2
        client.set_order_status(order.order_id, order.status_id)
        return first, second

    def wrong_credentials(self) -> dict[str, Any]:
        return {"token": "not-the-token"}


@pytest.fixture
def client(sandbox: Sandbox) -> Shift4ShopClient:
    return Shift4ShopClient(settings(sandbox, orders_page_size=100), sleep=FakeSleep())


def test_offsets_start_at_one_and_stop_at_the_count(
    client: Shift4ShopClient, sandbox: Sandbox
) -> None:
    emulator = sandbox.emulator("shift4shop")
    emulator.reset_counts()
    n = len(
        client.orders_changed(
            dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2026, 12, 31, tzinfo=dt.UTC)
        ).records
    )
    pages = -(-(n + 5) // 100)  # abandoned checkouts are read, then dropped
    assert emulator.counts["GET /3dCartWebAPI/v1/Orders"] == pages + 1  # + the countonly call


def test_orders_sharing_a_second_are_all_read(client: Shift4ShopClient, sandbox: Sandbox) -> None:
    same = sandbox.world.orders[100].last_update
    twins = {str(o.order_id) for o in sandbox.world.orders if o.last_update == same}
    assert len(twins) >= 3
    up_to = {
        str(o.order_id) for o in client.orders_changed(same - dt.timedelta(hours=1), same).records
    }
    from_ = {
        str(o.order_id) for o in client.orders_changed(same, same + dt.timedelta(hours=1)).records
    }
    assert twins <= up_to
    assert twins <= from_


def test_times_are_converted_to_the_store_zone_and_back(client: Shift4ShopClient) -> None:
    winter = dt.datetime(2026, 11, 2, 5, 30, tzinfo=dt.UTC)
    summer = dt.datetime(2026, 10, 31, 5, 30, tzinfo=dt.UTC)
    assert client.to_store_time(winter) == dt.datetime(2026, 11, 2, 0, 30)  # EST, UTC-5
    assert client.to_store_time(summer) == dt.datetime(2026, 10, 31, 1, 30)  # EDT, UTC-4
    assert client.to_utc(dt.datetime(2026, 11, 2, 0, 30)) == winter


def test_abandoned_checkouts_are_left_out_unless_asked(client: Shift4ShopClient) -> None:
    window = (dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2026, 12, 31, tzinfo=dt.UTC))
    default = client.orders_changed(*window).records
    everything = client.orders_changed(*window, include_abandoned=True).records
    assert all(o.order_status_id != NOT_COMPLETED for o in default)
    assert sum(o.order_status_id == NOT_COMPLETED for o in everything) == 5


def test_orders_by_id_reports_unknown_ids(client: Shift4ShopClient) -> None:
    extracted, missing = client.orders_by_id([1001, 999999, 1001])
    assert [o.order_id for o in extracted.records] == [1001]
    assert missing == [999999]


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
