"""Signed BigCommerce callbacks through the gateway: Standard Webhooks signature over the raw
body, replay window, custom header, store hash; dedupe by `hash`, routing by scope, 400s that
name the field; and a burst of 500 concurrent callbacks with duplicates and forgeries.

Callbacks are signed here by a small signer written from the Standard Webhooks spec (not by the
gateway's own code), on a fixed clock: nothing depends on the wall clock.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import json
import random
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from connectors.state import StateStore
from connectors.state.models import InboxRow
from deployments.gateway import create_app, server
from deployments.settings import GatewaySettings
from flows.systems import bigcommerce
from flows.systems.bigcommerce.webhooks import parse
from flows.webhook_auth import WebhookAuthError, standard_signature, verify_standard_webhooks

# The official example callbacks, copied into the repository (tests/fixtures/bigcommerce).
CALLBACKS = Path(__file__).resolve().parents[1] / "fixtures/bigcommerce/webhook-callbacks/data"
STORE = "sbx4e7k2q"
OTHER_STORE = "zz9other1"
CLIENT_SECRET = "sbx-bc-client-secret-0123456789abcdef"
HEADER, HEADER_VALUE = "X-Storebridge-Hook", "hook-header-value-0123456789"
NOW = 1_800_000_000  # the gateway's fixed clock (2027-01-15), far from this machine's clock
VERIFIER = "flows.systems.bigcommerce.webhooks:verifier"
SPEC = bigcommerce.SPEC
assert SPEC.webhooks is not None
assert SPEC.webhooks.verifier == VERIFIER
O2C = ("order-to-cash", "bigcommerce", "salesforce")


# --- a signer, from the Standard Webhooks spec ------------------------------------------------


def sign(body: bytes, msg_id: str, timestamp: int, secret: str = CLIENT_SECRET) -> str:
    """`v1,` + base64(HMAC-SHA256(key=secret's UTF-8 bytes, "{id}.{timestamp}." + body))."""
    mac = hmac.new(secret.encode(), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def signed_headers(
    body: bytes, *, msg_id: str = "msg_1", ts: int = NOW, secret: str = CLIENT_SECRET
) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": sign(body, msg_id, ts, secret),
    }


def callback(
    scope: str = "store/order/created",
    data: dict[str, Any] | None = None,
    *,
    store: str = STORE,
    digest: str | None = None,
) -> dict[str, Any]:
    data = data if data is not None else {"type": "order", "id": 250}
    canonical = json.dumps(data, sort_keys=True).encode()
    return {
        "scope": scope,
        "store_id": "1001789",
        "data": data,
        "hash": digest or hashlib.sha1(scope.encode() + canonical).hexdigest(),  # noqa: S324
        "created_at": NOW - 5,
        "producer": f"stores/{store}",
    }


def sample(name: str, store: str = STORE) -> bytes:
    """An official callback sample, for our store."""
    return (CALLBACKS / f"{name}.json").read_text().replace("{store_hash}", store).encode()


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def state(tmp_path: Path) -> Iterator[StateStore]:
    store = StateStore(f"sqlite:///{tmp_path / 'state.db'}")
    store.upgrade()
    yield store
    store.dispose()


def gateway_settings(**overrides: Any) -> GatewaySettings:
    values: dict[str, Any] = {
        "pairs": ["bigcommerce->salesforce", "shift4shop->salesforce"],
        "bigcommerce_client_secret": CLIENT_SECRET,
        "bigcommerce_store_hashes": [STORE, OTHER_STORE],
        "shift4shop_secret": "s3cret-token-for-tests-0123456789",
        "_env_file": None,
    }
    return GatewaySettings(**{**values, **overrides})


def make_client(state: StateStore, **overrides: Any) -> TestClient:
    app = create_app(gateway_settings(**overrides), state, dispatch=False, clock=lambda: NOW)
    return TestClient(app)


@pytest.fixture
def client(state: StateStore) -> TestClient:
    return make_client(state)


def deliver(
    client: TestClient,
    payload: dict[str, Any] | bytes,
    *,
    store: str = STORE,
    headers: dict[str, str] | None = None,
    **signing: Any,
) -> httpx.Response:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    sent = signed_headers(body, **signing) if headers is None else headers
    return client.post(f"/webhooks/bigcommerce/{store}", content=body, headers=sent)


def stored(state: StateStore) -> int:
    return sum(state.inbox_counts().values())


# --- the signature ------------------------------------------------------------------------------


def test_the_signer_follows_the_standard_webhooks_test_vector() -> None:
    # The Standard Webhooks reference libraries' vector (key = the base64 part of whsec_...).
    key = base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    body = b'{"test": 2432232314}'
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert standard_signature(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == expected
    headers = {"webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp": "1614265330"}
    headers["webhook-signature"] = expected
    assert (
        verify_standard_webhooks(headers, body, key, now=1614265330 + 299) == headers["webhook-id"]
    )
    with pytest.raises(WebhookAuthError, match="no signature"):
        verify_standard_webhooks(headers, body + b" ", key, now=1614265330)


def test_a_signed_callback_is_stored_and_routed(client: TestClient, state: StateStore) -> None:
    answer = deliver(client, sample("store_order_created"))
    assert (answer.status_code, answer.json()) == (
        202,
        {"accepted": 1, "duplicates": 0, "unrouted": 0},
    )
    [event] = state.claim_events(*O2C, "run-1")
    assert (event.topic, event.resource_id) == ("order", "250")
    assert event.payload["scope"] == "store/order/created"


def forged_cases() -> list[tuple[str, dict[str, Any]]]:
    body = json.dumps(callback()).encode()
    good = signed_headers(body)
    without = {name: {k: v for k, v in good.items() if k != name} for name in good}
    return [
        ("another key", signed_headers(body, secret="not-the-client-secret-0123456789")),
        ("signed other bytes", {**good, "webhook-signature": sign(body + b"\n", "msg_1", NOW)}),
        ("other id than signed", {**good, "webhook-id": "msg_2"}),
        ("other timestamp than signed", {**good, "webhook-timestamp": str(NOW - 1)}),
        ("no signature", without["webhook-signature"]),
        ("no id", without["webhook-id"]),
        ("no timestamp", without["webhook-timestamp"]),
        ("unsigned", {"content-type": "application/json"}),
        ("empty signature", {**good, "webhook-signature": ""}),
        ("not v1", {**good, "webhook-signature": good["webhook-signature"].replace("v1,", "v1a,")}),
        ("timestamp no number", {**good, "webhook-timestamp": "soon"}),
        ("stale by 301 s", signed_headers(body, ts=NOW - 301)),
        ("future by 301 s", signed_headers(body, ts=NOW + 301)),
        ("a day old", signed_headers(body, ts=NOW - 86_400)),
    ]


@pytest.mark.parametrize(("case", "headers"), forged_cases(), ids=[c for c, _ in forged_cases()])
def test_forged_unsigned_and_replayed_callbacks_are_401_and_nothing_is_stored(
    client: TestClient, state: StateStore, case: str, headers: dict[str, str]
) -> None:
    answer = deliver(client, callback(), headers=headers)
    assert answer.status_code == 401, case
    assert stored(state) == 0
    assert CLIENT_SECRET not in answer.text


@pytest.mark.parametrize("offset", [-300, -299, 0, 299, 300])
def test_timestamps_within_the_window_pass_both_ways(
    client: TestClient, state: StateStore, offset: int
) -> None:
    answer = deliver(client, callback(data={"type": "order", "id": 300 + offset}), ts=NOW + offset)
    assert answer.status_code == 202
    assert stored(state) == 1


def test_the_replay_window_is_a_setting(state: StateStore) -> None:
    client = make_client(state, replay_window_s=30)
    assert deliver(client, callback(), ts=NOW - 31).status_code == 401
    assert deliver(client, callback(), ts=NOW - 29).status_code == 202


def test_any_valid_signature_of_several_passes(client: TestClient, state: StateStore) -> None:
    body = json.dumps(callback()).encode()
    headers = signed_headers(body)
    wrong = sign(body, "msg_1", NOW, "an-old-rotated-secret-0123456789")
    headers["webhook-signature"] = f"v1a,bm90IHRoaXMgb25l {wrong} {headers['webhook-signature']}"
    assert deliver(client, body, headers=headers).status_code == 202
    headers["webhook-signature"] = f"{wrong} v1,{'A' * 44}"
    assert (
        deliver(client, callback(data={"type": "order", "id": 9}), headers=headers).status_code
        == 401
    )
    assert stored(state) == 1


def test_unknown_store_hash_and_a_foreign_producer_are_401(
    client: TestClient, state: StateStore
) -> None:
    unknown = deliver(client, callback(store="notastore"), store="notastore")
    assert unknown.status_code == 401
    assert "bigcommerce_store_hashes" in unknown.json()["detail"]
    # validly signed (same app, same client secret) but about another store than the URL's
    foreign = deliver(client, callback(store=OTHER_STORE), store=STORE)
    assert foreign.status_code == 401
    assert "producer" in foreign.json()["detail"]
    assert stored(state) == 0
    assert deliver(client, callback(store=OTHER_STORE), store=OTHER_STORE).status_code == 202


def test_without_a_client_secret_every_callback_is_401(state: StateStore) -> None:
    client = make_client(state, bigcommerce_client_secret=None)
    assert deliver(client, callback()).status_code == 401
    assert stored(state) == 0


def test_the_custom_header_is_checked_where_configured(state: StateStore) -> None:
    client = make_client(
        state, bigcommerce_webhook_header=HEADER, bigcommerce_webhook_header_value=HEADER_VALUE
    )
    body = json.dumps(callback()).encode()
    missing = deliver(client, body)
    wrong = deliver(client, body, headers={**signed_headers(body), HEADER: HEADER_VALUE[:-1] + "x"})
    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert HEADER_VALUE not in missing.text + wrong.text
    assert stored(state) == 0
    right = deliver(client, body, headers={**signed_headers(body), HEADER.lower(): HEADER_VALUE})
    assert right.status_code == 202
    # the header alone is no signature
    assert deliver(client, body, headers={HEADER: HEADER_VALUE}).status_code == 401


def test_the_shift4shop_token_route_still_works(client: TestClient, state: StateStore) -> None:
    token = "s3cret-token-for-tests-0123456789"
    assert client.post("/webhooks/shift4shop/guess", json={"OrderID": 1}).status_code == 401
    assert client.post(f"/webhooks/shift4shop/{token}", json={"OrderID": 1}).status_code == 202
    assert stored(state) == 1


# --- dedupe and routing -----------------------------------------------------------------------


def test_a_refired_event_is_one_row(client: TestClient, state: StateStore) -> None:
    body = sample("store_order_statusUpdated")
    first = deliver(client, body, msg_id="msg_a", ts=NOW - 60)
    again = deliver(client, body, msg_id="msg_b", ts=NOW)  # a retry: new id and stamp, same hash
    assert first.json()["accepted"] == 1
    assert again.json() == {"accepted": 0, "duplicates": 1, "unrouted": 0}
    assert stored(state) == 1
    [event] = state.claim_events(*O2C, "run-1")
    assert event.payload["new_status_id"] == 11


def test_the_same_hash_of_another_store_or_scope_is_another_event(
    client: TestClient, state: StateStore
) -> None:
    digest = "dd70c0976e06b67aaf671e73f49dcb79230ebf9d"  # the samples share hashes
    deliver(client, callback(digest=digest))
    deliver(client, callback("store/order/updated", digest=digest))
    deliver(client, callback(store=OTHER_STORE, digest=digest), store=OTHER_STORE)
    assert stored(state) == 3


ROUTING = [
    ("store_order_created", "order", "250", "order-to-cash", {}),
    ("store_order_statusUpdated", "order", "250", "order-to-cash", {"previous_status_id": 0}),
    ("store_order_archived", "order", "250", "order-to-cash", {}),
    ("store_order_refund_created", "order", "250", "order-to-cash", {"refund_id": 3}),
    ("store_shipment_created", "order", "251", "order-to-cash", {"shipment_id": 12}),
    ("store_shipment_deleted", "order", "251", "order-to-cash", {"shipment_id": 12}),
    ("store_customer_created", "customer", "32", "customers", {}),
    ("store_customer_address_created", "customer", "32", "customers", {"address_id": 60}),
    ("store_customer_address_updated", "customer", "32", "customers", {"address_id": 60}),
    ("store_product_updated", "product", "205", None, {}),
    ("store_sku_created", "product", "206", None, {"variant_id": 509, "sku_id": 461}),
    ("store_product_inventory_updated", "inventory", "167", None, {}),
    ("store_sku_inventory_order_updated", "inventory", "206", None, {"variant_id": 509}),
]


ROUTE_IDS = {"previous_status_id", "new_status_id", "refund_id", "shipment_id", "address_id"}
KEPT = {"scope", "store_hash", "id", "created_at", "variant_id", "sku_id", *ROUTE_IDS}


@pytest.mark.parametrize(("name", "topic", "rid", "use_case", "kept"), ROUTING)
def test_each_scope_is_routed_to_the_use_cases_of_its_topic(
    client: TestClient,
    state: StateStore,
    name: str,
    topic: str,
    rid: str,
    use_case: str | None,
    kept: dict[str, int],
) -> None:
    answer = deliver(client, sample(name))
    assert answer.json() == {"accepted": 1, "duplicates": 0, "unrouted": int(use_case is None)}
    [(source, stored_topic, resource_id, _, payload)] = events(state)
    assert (source, stored_topic, resource_id) == ("bigcommerce", topic, rid)
    assert kept.items() <= payload.items()
    assert set(payload) <= KEPT  # ids, statuses and the scope only
    claimed = {
        uc: state.claim_events(uc, "bigcommerce", "salesforce", f"run-{uc}")
        for uc in ("order-to-cash", "customers")
    }
    routed = [(uc, e.resource_id) for uc, found in claimed.items() for e in found]
    assert routed == ([(use_case, rid)] if use_case else [])


def test_an_uninstall_is_accepted_logged_and_not_stored(
    client: TestClient, state: StateStore, caplog: pytest.LogCaptureFixture
) -> None:
    payload = callback("store/app/uninstalled", {"type": "app"})
    with caplog.at_level("WARNING", logger="storebridge.gateway.bigcommerce"):
        answer = deliver(client, payload)
    assert (answer.status_code, answer.json()["accepted"]) == (202, 0)
    assert stored(state) == 0
    assert f"store {STORE} uninstalled the app" in caplog.text
    ignored = deliver(client, callback("store/cart/created", {"type": "cart", "id": "c-1"}))
    assert (ignored.status_code, ignored.json()["accepted"]) == (202, 0)
    assert stored(state) == 0


def events(state: StateStore) -> list[tuple[str, str, str | None, str, Any]]:
    with state.engine.connect() as connection:
        rows = connection.execute(
            select(
                InboxRow.source,
                InboxRow.topic,
                InboxRow.resource_id,
                InboxRow.delivery_key,
                InboxRow.payload,
            ).order_by(InboxRow.id)
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


# --- malformed bodies: 400 naming the field, never the value ---------------------------------

PII = "kira.example@example.com"
MALFORMED = [
    (b"{not json", "body is not JSON"),
    (b"[]", "body: expected a JSON object"),
    (json.dumps([callback()]).encode(), "body: expected a JSON object"),
    ({**callback(), "scope": None}, "scope must be a scope like store/order/created"),
    ({**callback(), "scope": PII}, "scope must be"),
    ({**callback(), "producer": None}, "producer must be stores/<store hash>"),  # a string: 401
    ({**callback(), "hash": None}, "hash must be the event's hash"),
    ({**callback(), "hash": PII}, "hash must be"),
    ({**callback(), "data": [1]}, "data must be a JSON object"),
    (callback(data={"type": "order"}), "data.id must be a whole number"),
    (callback(data={"type": "order", "id": PII}), "data.id must be a whole number"),
    (callback(data={"type": "order", "id": -3}), "data.id must be a whole number"),
    (callback(data={"type": "order", "id": True}), "data.id must be a whole number"),
    (callback("store/shipment/created", {"type": "shipment", "id": 1}), "data.orderId must"),
    (callback("store/sku/updated", {"type": "sku", "id": 1, "sku": {}}), "data.sku.product_id"),
    (
        callback("store/customer/address/created", {"id": 1, "address": {"customer_id": "x"}}),
        "data.address.customer_id must",
    ),
    (
        callback("store/sku/created", {"id": 1, "sku": {"product_id": 2, "variant_id": PII}}),
        "data.sku.variant_id",
    ),
]


@pytest.mark.parametrize(("payload", "message"), MALFORMED)
def test_malformed_callbacks_are_400_naming_the_field_not_its_value(
    client: TestClient, state: StateStore, payload: Any, message: str
) -> None:
    answer = deliver(
        client, payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    )
    assert answer.status_code == 400
    assert message in answer.json()["detail"]
    assert PII not in answer.text
    assert stored(state) == 0


def test_the_parser_keeps_no_personal_data() -> None:
    payload = callback(data={"type": "customer", "id": 32, "email": PII, "first_name": "Kira"})
    [event] = parse(json.dumps({**payload, "scope": "store/customer/updated"}).encode())
    assert PII not in json.dumps(event.fields)
    assert "Kira" not in json.dumps(event.fields)
    assert parse(json.dumps(payload).encode(), stop_after=0) == []


# --- a burst: 500 concurrent callbacks, 10% duplicates, 5% forged, out of order ---------------


def burst(seed: int = 8) -> tuple[list[tuple[dict[str, str], bytes, str]], set[tuple[str, str]]]:
    """(headers, body, kind) per request, shuffled, and the (scope, id) of every genuine event."""
    rng = random.Random(seed)
    genuine: list[dict[str, Any]] = []
    genuine += [callback(data={"type": "order", "id": 1000 + n}) for n in range(300)]
    genuine += [
        callback(
            "store/order/statusUpdated",
            {
                "type": "order",
                "id": 1000 + n,
                "status": {"previous_status_id": 1, "new_status_id": 2},
            },
        )
        for n in range(50)
    ]
    genuine += [
        callback("store/customer/updated", {"type": "customer", "id": n}) for n in range(40)
    ]
    genuine += [
        callback("store/shipment/created", {"type": "shipment", "id": n, "orderId": 1000 + n})
        for n in range(20)
    ]
    genuine += [
        callback("store/sku/updated", {"type": "sku", "id": n, "sku": {"product_id": n + 1}})
        for n in range(15)
    ]
    assert len(genuine) == 425
    requests: list[tuple[dict[str, str], bytes, str]] = []

    def signed(payload: dict[str, Any], n: int, secret: str = CLIENT_SECRET) -> dict[str, str]:
        ts = NOW - rng.randint(0, 200) + rng.randint(0, 100)
        return signed_headers(body_of(payload), msg_id=f"msg_{n}", ts=ts, secret=secret)

    for n, payload in enumerate(genuine):
        requests.append((signed(payload, n), body_of(payload), "genuine"))
    for n, payload in enumerate(rng.sample(genuine, 50)):  # re-fired: new id and stamp
        requests.append((signed(payload, 1000 + n), body_of(payload), "duplicate"))
    for n in range(15):  # events nobody genuine sent
        payload = callback(data={"type": "order", "id": 9000 + n})
        requests.append(
            (signed(payload, 2000 + n, "a-guessed-secret-0123456789ab"), body_of(payload), "forged")
        )
    for n, payload in enumerate(rng.sample(genuine, 10)):  # a genuine signature, altered body
        headers = signed(payload, 3000 + n)
        tampered = {**payload, "data": {**payload["data"], "id": 9500 + n}}
        requests.append((headers, body_of(tampered), "forged"))
    assert len(requests) == 500
    rng.shuffle(requests)
    expected = {(p["scope"], str(scope_id(p))) for p in genuine}
    return requests, expected


def body_of(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


def scope_id(payload: dict[str, Any]) -> int:
    data = payload["data"]
    return data.get("orderId") or (data.get("sku") or {}).get("product_id") or data["id"]


def test_a_burst_of_500_leaves_exactly_the_distinct_genuine_events(state: StateStore) -> None:
    app = create_app(gateway_settings(), state, dispatch=False, clock=lambda: NOW)
    requests, expected = burst()

    async def send_all() -> list[httpx.Response]:
        gate = asyncio.Semaphore(50)  # 50 deliveries in flight at a time
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:

            async def one(headers: dict[str, str], body: bytes) -> httpx.Response:
                async with gate:
                    return await client.post(
                        f"/webhooks/bigcommerce/{STORE}", content=body, headers=headers
                    )

            return await asyncio.gather(*(one(h, b) for h, b, _ in requests))

    answers = asyncio.run(send_all())
    by_kind: dict[str, list[int]] = {}
    for (_, _, kind), answer in zip(requests, answers, strict=True):
        by_kind.setdefault(kind, []).append(answer.status_code)
    assert by_kind["forged"] == [401] * 25
    assert by_kind["genuine"] + by_kind["duplicate"] == [202] * 475
    counts = [a.json() for a in answers if a.status_code == 202]
    assert sum(c["accepted"] for c in counts) == 425
    assert sum(c["duplicates"] for c in counts) == 50
    inbox = events(state)
    assert len(inbox) == 425
    assert {(payload["scope"], rid) for _, _, rid, _, payload in inbox} == expected
    orders = state.claim_events(*O2C, "run-o", limit=1000)
    customers = state.claim_events("customers", "bigcommerce", "salesforce", "run-c", limit=1000)
    assert len(orders) == 300 + 50 + 20  # each order event routed once
    assert len(customers) == 40
    assert not {e.resource_id for e in orders} & {str(9000 + n) for n in range(15)}
    assert not {e.resource_id for e in orders} & {str(9500 + n) for n in range(10)}


# --- the emulator's webhook sender delivers to the gateway ------------------------------------


@contextmanager
def serving(state: StateStore, **overrides: Any) -> Iterator[int]:
    """The gateway as `storebridge gateway` runs it, on a free loopback port, fixed clock."""
    settings = gateway_settings(**overrides)
    srv = server(
        settings, state, dispatch=False, log_level="warning", freeze_heap=False, clock=lambda: NOW
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert thread.is_alive(), "the gateway did not start"
        assert time.monotonic() < deadline, "the gateway did not start within 20 s"
        time.sleep(0.02)
    try:
        yield sock.getsockname()[1]
    finally:
        srv.should_exit = True
        thread.join(timeout=20)
        sock.close()


def test_the_emulators_sender_delivers_signed_callbacks_to_the_gateway(state: StateStore) -> None:
    delivery = pytest.importorskip("sandbox.bigcommerce.delivery")
    at = dt.datetime.fromtimestamp(NOW, dt.UTC)  # the events' time (business clock): fixed
    signing = {"clock": lambda: at, "signing_clock": lambda: float(NOW)}  # and the signatures'
    genuine = delivery.WebhookSender(CLIENT_SECRET, "1001789", STORE, **signing)
    deactivated: list[int] = []
    forger = delivery.WebhookSender(
        "a-guessed-secret-0123456789ab",
        "1001789",
        STORE,
        **signing,
        on_exhausted=deactivated.append,
    )
    forger.policy = delivery.DeliveryPolicy(compression=1e-6)
    genuine.set_chaos(delivery.DeliveryChaos(duplicate_share=0.3, shuffle=True, seed=3))
    try:
        with serving(
            state, bigcommerce_webhook_header=HEADER, bigcommerce_webhook_header_value=HEADER_VALUE
        ) as port:
            url = f"http://127.0.0.1:{port}/webhooks/bigcommerce/{STORE}"
            hook = {"id": 7, "destination": url, "headers": {HEADER: HEADER_VALUE}}
            fired = [
                genuine.event("store/order/created", {"type": "order", "id": n}, at, [hook])
                for n in range(100, 140)
            ]
            fired += [
                genuine.event(
                    "store/shipment/created",
                    {"type": "shipment", "id": 5, "orderId": 100},
                    at,
                    [hook],
                )
            ]
            genuine.enqueue(fired)
            genuine.enqueue(fired[:5], copies=2)  # re-fired: same hash
            forged = forger.event("store/order/created", {"type": "order", "id": 999}, at, [hook])
            forger.enqueue([forged])
            assert genuine.wait(60), "the sender did not finish"
            assert forger.wait(60), "the forger did not finish"
    finally:
        genuine.close()
        forger.close()
    log = genuine.deliveries()
    assert {entry["status"] for entry in log} == {202}
    assert sum(entry["duplicate"] for entry in log) > 0  # the chaos did send duplicates
    forged_log = forger.deliveries()
    assert {entry["status"] for entry in forged_log} == {401}
    assert deactivated == [7]  # its retries ran out on 401s
    inbox = events(state)
    orders = sorted(int(str(rid)) for _, topic, rid, _, _ in inbox if topic == "order")
    assert orders == sorted([*range(100, 140), 100])  # 40 orders and the shipment's order
    assert len(inbox) == 41  # every distinct genuine event once, the forged one never
