"""The webhook gateway: verify, bound, validate, store before the 2xx, route per subscription."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from connectors.state import StateStore
from deployments.gateway import create_app
from deployments.settings import GatewaySettings

SECRET = "s3cret-token-for-tests-0123456789"


@pytest.fixture
def state(tmp_path: Path) -> Iterator[StateStore]:
    store = StateStore(f"sqlite:///{tmp_path / 'state.db'}")
    store.upgrade()
    yield store
    store.dispose()


@pytest.fixture
def settings() -> GatewaySettings:
    return GatewaySettings(shift4shop_secret=SECRET, max_body_bytes=50_000, _env_file=None)


@pytest.fixture
def client(settings: GatewaySettings, state: StateStore) -> TestClient:
    return TestClient(create_app(settings, state, dispatch=False))


def post(client: TestClient, body: Any, secret: str = SECRET) -> Any:
    raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(
        f"/webhooks/shift4shop/{secret}", content=raw, headers={"Content-Type": "application/json"}
    )


def pending(state: StateStore) -> int:
    return state.inbox_counts()["pending"]


def test_wrong_secret_is_refused_and_nothing_is_stored(
    client: TestClient, state: StateStore
) -> None:
    response = post(client, {"OrderID": 1001}, secret="guessing")
    assert response.status_code == 401
    assert pending(state) == 0


def test_a_store_without_a_secret_has_no_open_door(state: StateStore) -> None:
    app = create_app(GatewaySettings(_env_file=None), state, dispatch=False)
    response = TestClient(app).post("/webhooks/shift4shop/anything", json={"OrderID": 1})
    assert response.status_code == 401
    assert pending(state) == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "body is not JSON"),
        ({"OrderStatusID": 2}, "item 0: no OrderID, CustomerID or CatalogID"),
        ([{"OrderID": 1}, {"OrderID": "abc"}], "item 1: OrderID 'abc' is not a number"),
        ({"OrderID": "²"}, "item 0: OrderID '²' is not a number"),
        ({"OrderID": "1" * 40}, "is not a number"),
        ([], "empty array"),
        ([7], "item 0: expected a JSON object"),
        (b"[" * 100_000 + b"]" * 100_000, "is over the limit of 50000"),
    ],
)
def test_bad_deliveries_name_the_item_and_field(
    client: TestClient, state: StateStore, body: Any, message: str
) -> None:
    response = post(client, body)
    assert response.status_code in (400, 413)
    assert message in response.json()["detail"]
    assert pending(state) == 0  # all-or-nothing per delivery


def test_deeply_nested_json_is_a_400_not_a_500(state: StateStore) -> None:
    app = create_app(
        GatewaySettings(shift4shop_secret=SECRET, max_body_bytes=1_000_000, _env_file=None),
        state,
        dispatch=False,
    )
    response = post(TestClient(app), b"[" * 100_000 + b"]" * 100_000)
    assert response.status_code == 400
    assert "body is not JSON" in response.json()["detail"]


def test_events_are_stored_before_the_answer_and_duplicates_collapse(
    client: TestClient, state: StateStore
) -> None:
    order = {
        "OrderID": 1001,
        "OrderStatusID": 2,
        "LastUpdate": "2026-11-20T10:00:00",
        "BillingEmail": "kira@example.com",
    }
    first = post(client, order)
    assert first.status_code == 202
    assert first.json() == {"accepted": 1, "duplicates": 0, "unrouted": 0}
    assert pending(state) == 1  # stored (and routed) by the time the 202 arrived
    again = post(client, order)
    assert again.json() == {"accepted": 0, "duplicates": 1, "unrouted": 0}
    changed = post(client, [{**order, "OrderStatusID": 4}, {"orderid": 1002}])
    assert changed.json() == {"accepted": 2, "duplicates": 0, "unrouted": 0}
    subs = state.pending_subscriptions()
    assert [(s.use_case, s.target, len(s.route_ids)) for s in subs] == [
        ("order-to-cash", "salesforce", 3)
    ]
    routed = state.claim_events("order-to-cash", "shift4shop", "salesforce", "run-1")
    assert [e.resource_id for e in routed] == ["1001", "1001", "1002"]
    assert all("kira" not in json.dumps(e.payload) for e in routed)  # ids only, no PII


def test_each_event_is_routed_to_the_use_cases_of_its_topic(
    client: TestClient, state: StateStore
) -> None:
    answer = post(client, [{"OrderID": 1001}, {"CustomerID": 7}, {"SKUInfo": {"CatalogID": 3}}])
    assert answer.json() == {"accepted": 3, "duplicates": 0, "unrouted": 1}  # no product sync
    orders = state.claim_events("order-to-cash", "shift4shop", "salesforce", "run-o")
    customers = state.claim_events("customers", "shift4shop", "salesforce", "run-c")
    assert [(e.topic, e.resource_id) for e in orders] == [("order", "1001")]
    assert [(e.topic, e.resource_id) for e in customers] == [("customer", "7")]


def test_prefect_down_leaves_events_pending(
    settings: GatewaySettings, state: StateStore, client: TestClient
) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    post(client, {"OrderID": 1001})
    dispatcher = client.app.state.dispatcher  # type: ignore[attr-defined]
    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        runs = asyncio.run(dispatcher.dispatch_once())
    assert runs == {}
    assert dispatcher.last_error is not None
    assert pending(state) == 1
    health = client.get("/healthz").json()
    assert health["status"] == "degraded"
    assert health["inbox"]["pending"] == 1
    assert health["prefect_error"]


def test_bad_pairs_are_named() -> None:
    with pytest.raises(ValueError, match="'shift4shop' is not a pair"):
        GatewaySettings(pairs=["shift4shop"], _env_file=None)
