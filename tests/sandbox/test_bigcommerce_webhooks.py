"""Hooks management and signed webhook callbacks of the BigCommerce emulator: CRUD, visibility,
light payloads and hashes, Standard Webhooks signatures, retries on a compressed schedule and
deactivation, duplicates and out-of-order delivery, bursts."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator

import httpx
import pytest

from sandbox.bigcommerce import CLIENT_SECRET, OTHER_TOKEN, STORE_ID
from sandbox.bigcommerce.delivery import DeliveryChaos, DeliveryPolicy
from sandbox.bigcommerce.seed_orders import order_id
from tests.sandbox.bc_helpers import V2, V3, Receiver, Running, running_fixture

WAIT_S = 20.0


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    yield from running_fixture(tmp_path_factory)


@pytest.fixture(scope="module")
def api(running: Running) -> Iterator[httpx.Client]:
    with running.client() as client:
        yield client


@pytest.fixture
def hooks(running: Running) -> Iterator[Running]:
    """A clean store and log each test; afterwards drain and reset chaos and policy."""
    snapshot = running.emu.dump()
    running.emu.webhook_sender.clear()
    yield running
    running.emu.webhook_sender.set_chaos(DeliveryChaos())
    running.emu.webhook_sender.policy = DeliveryPolicy(compression=1e-6)
    running.emu.flush_webhooks(WAIT_S)
    running.emu.webhook_sender.policy = DeliveryPolicy()
    running.emu.load(snapshot)
    running.emu.webhook_sender.clear()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def _hook(api: httpx.Client, scope: str, url: str, **extra: object) -> dict:
    r = api.post(f"{V3}/hooks", json={"scope": scope, "destination": url, **extra})
    assert r.status_code == 200, r.text
    return r.json()["data"]


def _verify(request: dict) -> bool:
    h = {k.lower(): v for k, v in request["headers"].items()}
    message = f"{h['webhook-id']}.{h['webhook-timestamp']}.".encode() + request["raw"]
    expected = base64.b64encode(
        hmac.new(CLIENT_SECRET.encode(), message, hashlib.sha256).digest()
    ).decode()
    return any(sig == f"v1,{expected}" for sig in h["webhook-signature"].split())


def test_hooks_crud_visibility_and_errors(
    api: httpx.Client, running: Running, hooks: Running, receiver: Receiver
) -> None:
    hook = _hook(api, "store/order/*", receiver.url(), headers={"X-Secret": "abc"})
    assert hook["client_id"]
    assert hook["is_active"]
    assert hook["headers"] == {"X-Secret": "abc"}
    listed = api.get(f"{V3}/hooks", params={"scope": "store/order/*"}).json()["data"]
    assert [h["id"] for h in listed] == [hook["id"]]
    with running.client(headers={"X-Auth-Token": OTHER_TOKEN}) as other:
        assert other.get(f"{V3}/hooks").json()["data"] == []
        assert other.get(f"{V3}/hooks/{hook['id']}").status_code == 404
    dup = api.post(f"{V3}/hooks", json={"scope": "store/order/*", "destination": receiver.url()})
    assert dup.status_code == 422
    missing = api.post(f"{V3}/hooks", json={"scope": "store/order/created"})
    assert missing.status_code == 422
    assert missing.json() == {
        "status": 422,
        "title": "JSON data is missing or invalid",
        "type": "/api-docs/getting-started/api-status-codes",
        "errors": {"destination": "error.path.missing."},
    }
    bad = api.post(f"{V3}/hooks", json={"scope": "store/nothing", "destination": receiver.url()})
    assert bad.status_code == 400
    assert bad.json()["title"] == "Input is invalid."
    off = api.put(f"{V3}/hooks/{hook['id']}", json={"is_active": False}).json()["data"]
    assert off["is_active"] is False
    assert api.get(f"{V3}/hooks", params={"is_active": "true"}).json()["data"] == []
    running.emu.strict_destinations = True
    try:
        strict = api.post(
            f"{V3}/hooks", json={"scope": "store/sku/*", "destination": receiver.url()}
        )
        assert strict.status_code == 400
    finally:
        running.emu.strict_destinations = False
    assert api.delete(f"{V3}/hooks/{hook['id']}").json()["data"]["id"] == hook["id"]
    assert api.get(f"{V3}/hooks/{hook['id']}").status_code == 404


def test_signed_light_payloads_with_custom_headers(
    api: httpx.Client, running: Running, hooks: Running, receiver: Receiver
) -> None:
    _hook(api, "store/order/*", receiver.url(), headers={"X-Shared": "s3"})
    _hook(api, "store/shipment/created", receiver.url())
    seed = next(o for o in running.world.orders if o.status_id == 2)
    oid = order_id(seed.order_id)
    assert api.put(f"{V2}/orders/{oid}", json={"status_id": 9}).is_success
    running.emu.ship_order(oid, tracking="1ZHOOK")
    assert running.emu.flush_webhooks(WAIT_S)
    bodies = [r["body"] for r in receiver.requests]
    scopes = [b["scope"] for b in bodies]
    assert "store/order/statusUpdated" in scopes
    assert "store/shipment/created" in scopes
    status = next(b for b in bodies if b["scope"] == "store/order/statusUpdated")
    assert status["data"] == {
        "type": "order",
        "id": oid,
        "status": {"previous_status_id": 11, "new_status_id": 9},
    }
    shipment = next(b for b in bodies if b["scope"] == "store/shipment/created")
    assert shipment["data"]["type"] == "shipment"
    assert shipment["data"]["orderId"] == oid
    for b in bodies:
        assert set(b) == {"scope", "store_id", "data", "hash", "created_at", "producer"}
        assert b["store_id"] == STORE_ID
        assert isinstance(b["created_at"], int)
        assert len(b["hash"]) == 40
        assert b["producer"] == f"stores/{running.emu.store_hash}"
    assert all(_verify(r) for r in receiver.requests)
    order_calls = [r for r in receiver.requests if r["body"]["scope"].startswith("store/order/")]
    assert all(r["headers"].get("X-Shared") == "s3" for r in order_calls)
    tampered = dict(receiver.requests[0], raw=receiver.requests[0]["raw"] + b" ")
    assert not _verify(tampered)
    assert len({b["hash"] for b in bodies}) == len(bodies)  # distinct events, distinct hashes


def test_retries_on_compressed_schedule_then_deactivation(
    api: httpx.Client, running: Running, hooks: Running
) -> None:
    failing = Receiver(default=500)
    try:
        running.emu.webhook_sender.policy = DeliveryPolicy(compression=1e-5)
        hook = _hook(api, "store/customer/updated", failing.url())
        running.emu.edit_customer(5, phone="555-1234")
        assert running.emu.flush_webhooks(WAIT_S)
    finally:
        failing.close()
    attempts = [r for r in failing.requests if r["body"]["scope"] == "store/customer/updated"]
    assert len(attempts) == 12  # the first try and 11 retries
    assert len({r["body"]["hash"] for r in attempts}) == 1
    assert len({r["headers"]["webhook-id"] for r in attempts}) == 1
    log = running.emu.webhook_sender.deliveries()
    assert [e["attempt"] for e in log] == list(range(1, 13))
    assert log[-1]["outcome"] == "deactivated"
    assert "/webhooks" not in log[-1]["url"]
    assert api.get(f"{V3}/hooks/{hook['id']}").json()["data"]["is_active"] is False


def test_a_retry_succeeds_after_a_failure(
    api: httpx.Client, running: Running, hooks: Running
) -> None:
    flaky = Receiver(statuses=(503, 502))
    try:
        running.emu.webhook_sender.policy = DeliveryPolicy(compression=1e-5)
        _hook(api, "store/product/updated", flaky.url())
        running.emu.set_price(111, __import__("decimal").Decimal("9.99"))
        assert running.emu.flush_webhooks(WAIT_S)
    finally:
        flaky.close()
    assert len(flaky.requests) == 3
    assert running.emu.webhook_sender.deliveries()[-1]["outcome"] == "delivered"


def test_duplicates_shuffle_and_burst(
    api: httpx.Client, running: Running, hooks: Running, receiver: Receiver
) -> None:
    _hook(api, "store/order/created", receiver.url())
    running.emu.webhook_sender.set_chaos(DeliveryChaos(duplicate_share=0.3, shuffle=True, seed=7))
    admin = running.client(headers={})
    try:
        r = admin.post(
            "/__admin/hooks/fire", json={"scope": "store/order/created", "id": 101, "count": 60}
        )
        assert r.json()["events"] == 60
        assert admin.post("/__admin/hooks/flush", params={"timeout": WAIT_S}).json()["flushed"]
    finally:
        admin.close()
    hashes = [r["body"]["hash"] for r in receiver.requests]
    assert len(set(hashes)) == 60
    assert len(hashes) > 60
    ids: dict[str, set[str]] = {}
    for req in receiver.requests:
        ids.setdefault(req["body"]["hash"], set()).add(req["headers"]["webhook-id"])
    assert all(len(v) == 1 for v in ids.values())  # a duplicate repeats hash and webhook-id
    numbers = [
        int(req["headers"]["webhook-id"].split("bc")[1].split("h")[0]) for req in receiver.requests
    ]
    assert numbers != sorted(numbers)  # out of order


def test_refire_without_distinct_repeats_the_hash(
    api: httpx.Client, running: Running, hooks: Running, receiver: Receiver
) -> None:
    _hook(api, "store/product/*", receiver.url())
    assert running.emu.fire_event("store/product/updated", 111, 3, False, None) == 1
    assert running.emu.flush_webhooks(WAIT_S)
    assert len(receiver.requests) == 3
    assert len({r["body"]["hash"] for r in receiver.requests}) == 1
    assert receiver.requests[0]["body"]["data"] == {"type": "product", "id": 111}
