"""The webhook gateway: verify, bound, validate, store before the 2xx, route per subscription."""

from __future__ import annotations

import asyncio
import gc
import io
import json
import logging
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

from connectors.state import StateStore
from deployments.gateway import create_app, server
from deployments.logmask import SecretMask
from deployments.settings import GatewaySettings

SECRET = "s3cret-token-for-tests-0123456789"
O2C = ("order-to-cash", "shift4shop", "salesforce")


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


NOT_AN_ID = "must be a whole number of 1 to 18 digits 0-9"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"{not json", 400, "body is not JSON"),
        (b"", 400, "body is not JSON"),
        ({"OrderStatusID": 2}, 400, "item 0: no OrderID, CustomerID or CatalogID"),
        ([{"OrderID": 1}, {"OrderID": "abc"}], 400, f"item 1: OrderID {NOT_AN_ID}"),
        ({"OrderID": "²"}, 400, f"item 0: OrderID {NOT_AN_ID}, got a string of 1 character"),
        ({"OrderID": "1" * 40}, 400, NOT_AN_ID),
        ({"OrderID": -5}, 400, NOT_AN_ID),
        ({"OrderID": 1.5}, 400, NOT_AN_ID),
        ({"CatalogID": False}, 400, f"item 0: CatalogID {NOT_AN_ID}, got false"),
        ({"OrderID": 1, "OrderStatusID": "2"}, 400, "item 0: OrderStatusID must be null or"),
        ({"OrderID": 1, "OrderStatusID": 2**40}, 400, "item 0: OrderStatusID must be null or"),
        ([], 400, "empty array"),
        ([7], 400, "item 0: expected a JSON object, got a number"),
        (b"[" * 100_000 + b"]" * 100_000, 413, "is over the limit of 50000"),
    ],
)
def test_bad_deliveries_name_the_item_and_field(
    client: TestClient, state: StateStore, body: Any, status: int, message: str
) -> None:
    response = post(client, body)
    assert response.status_code == status
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


# --- bounds: events per request, body size while it streams, body read deadline -------------


def test_events_per_request_are_bounded_with_413(state: StateStore) -> None:
    settings = GatewaySettings(shift4shop_secret=SECRET, max_events_per_request=5, _env_file=None)
    client = TestClient(create_app(settings, state, dispatch=False))
    refused = post(client, [{"OrderID": n} for n in range(1, 7)])
    assert refused.status_code == 413
    assert "more than 5 events in one request (max_events_per_request)" in refused.text
    assert pending(state) == 0
    accepted = post(client, [{"OrderID": n} for n in range(1, 6)])
    assert accepted.json() == {"accepted": 5, "duplicates": 0, "unrouted": 0}


def test_the_parser_stops_after_the_limit() -> None:
    from flows.systems.shift4shop.webhooks import parse

    body = json.dumps([{"OrderID": n} for n in range(1, 11)] + [{"no id": 1}]).encode()
    assert [e.resource_id for e in parse(body, stop_after=3)] == ["1", "2", "3"]
    with pytest.raises(ValueError, match="item 10: no OrderID"):
        parse(body)


def asgi_post(
    app: Any, headers: list[tuple[bytes, bytes]], chunks: Iterator[bytes]
) -> tuple[int, dict[bytes, bytes], dict[str, Any], int]:
    """POST straight to the ASGI app: (status, headers, JSON body, body bytes it pulled)."""
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    path = f"/webhooks/shift4shop/{SECRET}"
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"gw"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("gw", 80),
    }
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], dict(start["headers"]), json.loads(body), pulled


def test_a_streamed_body_is_cut_off_at_the_limit_not_read_to_its_end(
    settings: GatewaySettings, state: StateStore
) -> None:
    app = create_app(settings, state, dispatch=False)
    twenty_mb = (b"x" * 65_536 for _ in range(320))  # chunked: no Content-Length to check
    status, _, body, pulled = asgi_post(app, [(b"transfer-encoding", b"chunked")], twenty_mb)
    assert status == 413
    assert "body is over the limit of 50000 bytes (max_body_bytes)" in body["detail"]
    assert pulled <= 50_000 + 65_536  # it stopped at the first chunk past the limit
    assert pending(state) == 0


def test_an_announced_20_mb_body_is_refused_before_any_of_it_is_read(
    settings: GatewaySettings, state: StateStore
) -> None:
    app = create_app(settings, state, dispatch=False)
    chunks = (b"x" * 65_536 for _ in range(320))
    status, _, body, pulled = asgi_post(app, [(b"content-length", b"20971520")], chunks)
    assert status == 413
    assert "body of 20971520 bytes is over the limit of 50000" in body["detail"]
    assert pulled == 0


@pytest.mark.parametrize("length", ["²", "12a", "-1", "1" * 30])
def test_a_content_length_that_is_no_number_is_a_400(
    settings: GatewaySettings, state: StateStore, length: str
) -> None:
    app = create_app(settings, state, dispatch=False)
    chunks = iter([b'{"OrderID": 1}'])
    status, headers, body, _ = asgi_post(app, [(b"content-length", length.encode())], chunks)
    assert status == 400
    assert "Content-Length header is not a number of bytes" in body["detail"]
    assert headers[b"connection"] == b"close"
    assert pending(state) == 0


@contextmanager
def serving(
    settings: GatewaySettings, state: StateStore, log_level: str = "warning"
) -> Iterator[Any]:
    """The gateway as `storebridge gateway` runs it (`server()`), on a free loopback port."""
    srv = server(settings, state, dispatch=False, log_level=log_level, freeze_heap=False)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # + NODELAY
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


def read_all(conn: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (or the socket times out)."""
    data = b""
    while chunk := conn.recv(65_536):
        data += chunk
    return data


def test_an_announced_body_that_never_comes_is_answered_408_and_closed(state: StateStore) -> None:
    settings = GatewaySettings(shift4shop_secret=SECRET, body_read_timeout_s=1, _env_file=None)
    with serving(settings, state) as port, socket.create_connection(("127.0.0.1", port)) as conn:
        conn.settimeout(30)  # a deadline for the test only: the server must answer on its own
        conn.sendall(
            f"POST /webhooks/shift4shop/{SECRET} HTTP/1.1\r\nHost: gw\r\n"
            "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n".encode()
        )
        answer = read_all(conn)  # returns only once the server closed the connection
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"body not received within 1 s (body_read_timeout_s)" in answer
    assert SECRET.encode() not in answer
    assert pending(state) == 0


# --- the URL token never reaches a log ---------------------------------------------------------


def test_the_access_log_masks_the_url_token(settings: GatewaySettings, state: StateStore) -> None:
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    access = logging.getLogger("uvicorn.access")
    with serving(settings, state, log_level="info") as port:
        access.addHandler(handler)  # next to uvicorn's own handler, after its dictConfig
        try:
            base = f"http://127.0.0.1:{port}/webhooks/shift4shop"
            ok = httpx.post(f"{base}/{SECRET}", json={"OrderID": 1001}, timeout=30)
            wrong = httpx.post(f"{base}/{SECRET[:-1]}x", json={"OrderID": 1}, timeout=30)
            query = httpx.post(f"{base}/{SECRET}?token={SECRET}", json={"OrderID": 2}, timeout=30)
        finally:
            access.removeHandler(handler)
    assert (ok.status_code, wrong.status_code, query.status_code) == (202, 401, 202)
    log = captured.getvalue()
    assert log.count('"POST /webhooks/shift4shop/*** HTTP/1.1" 202') == 1
    assert '"POST /webhooks/shift4shop/***?token=*** HTTP/1.1" 202' in log
    assert '"POST /webhooks/shift4shop/*** HTTP/1.1" 401' in log  # a near-miss may be a real one
    assert SECRET not in log
    assert SECRET[:-1] not in log


def test_the_mask_covers_arguments_messages_and_tracebacks() -> None:
    mask = SecretMask([SECRET], ["/webhooks/shift4shop/{secret}", "/webhooks/bigcommerce"])
    logger = logging.getLogger("test.gateway.mask")
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    logger.addHandler(handler)
    logger.addFilter(mask)
    logger.propagate = False
    try:
        path = f"/webhooks/shift4shop/{SECRET}"
        logger.warning('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "POST", path, "1.1", 202)
        logger.warning("token %(token)s seen", {"token": SECRET})
        logger.warning(f"inline {SECRET} in the message")
        try:
            raise RuntimeError(f"failed on {path}")
        except RuntimeError:
            logger.exception("storing failed")
    finally:
        logger.removeHandler(handler)
        logger.removeFilter(mask)
    log = captured.getvalue()
    assert '"POST /webhooks/shift4shop/*** HTTP/1.1" 202' in log
    assert "token *** seen" in log
    assert "inline *** in the message" in log
    assert "RuntimeError: failed on /webhooks/shift4shop/***" in log
    assert SECRET not in log


def test_settings_name_every_secret_to_mask() -> None:
    settings = GatewaySettings(shift4shop_secret=SECRET, _env_file=None)
    assert settings.secret_values() == [SECRET]
    assert SECRET not in repr(settings)


# --- group commit: concurrent deliveries share a transaction, each answered after it ---------


async def _post_async(client: httpx.AsyncClient, order_id: int) -> httpx.Response:
    return await client.post(f"/webhooks/shift4shop/{SECRET}", json={"OrderID": order_id})


async def _until(condition: Any, what: str) -> None:
    deadline = time.monotonic() + 20
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


def test_concurrent_deliveries_share_one_commit_and_wait_for_it(
    settings: GatewaySettings, state: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(settings, state, dispatch=False)
    calls: list[int] = []
    release = threading.Event()
    add_events = state.add_events

    def held(events: Any) -> Any:
        calls.append(len(events))
        if len(calls) == 1:
            assert release.wait(20), "never released"  # hold the first transaction open
        return add_events(events)

    monkeypatch.setattr(state, "add_events", held)

    async def scenario() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            first = asyncio.create_task(_post_async(client, 1))
            await _until(lambda: calls == [1], "the first transaction")
            others = [asyncio.create_task(_post_async(client, n)) for n in range(2, 11)]
            await _until(lambda: app.state.writer.waiting == 9, "9 queued deliveries")
            assert not first.done()  # not answered before its transaction committed
            assert pending(state) == 0
            release.set()
            return await asyncio.gather(first, *others)

    responses = asyncio.run(scenario())
    assert [r.status_code for r in responses] == [202] * 10
    assert calls == [1, 9]  # the nine that arrived meanwhile: one transaction
    assert pending(state) == 10


def test_a_delivery_failing_in_a_group_fails_alone(
    settings: GatewaySettings, state: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(settings, state, dispatch=False)
    release = threading.Event()
    add_events = state.add_events
    calls: list[list[str | None]] = []

    def flaky(events: Any) -> Any:
        ids = [e.resource_id for e in events]
        calls.append(ids)
        if len(calls) == 1:
            assert release.wait(20), "never released"
        if "13" in ids:
            raise RuntimeError("disk I/O error")
        return add_events(events)

    monkeypatch.setattr(state, "add_events", flaky)

    async def scenario() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            first = asyncio.create_task(_post_async(client, 1))
            await _until(lambda: len(calls) == 1, "the first transaction")
            others = [asyncio.create_task(_post_async(client, n)) for n in (12, 13, 14)]
            await _until(lambda: app.state.writer.waiting == 3, "3 queued deliveries")
            release.set()
            return await asyncio.gather(first, *others)

    statuses = [r.status_code for r in asyncio.run(scenario())]
    assert statuses == [202, 202, 503, 202]
    assert calls[1] == ["12", "13", "14"]  # tried together, then one by one
    assert sorted(e.resource_id for e in state.claim_events(*O2C, "run-1")) == ["1", "12", "14"]


def test_the_server_freezes_the_startup_heap_unless_told_not_to(
    settings: GatewaySettings, state: StateStore
) -> None:
    gc.unfreeze()
    server(settings, state, dispatch=False, log_level="warning", freeze_heap=False)
    assert gc.get_freeze_count() == 0
    try:
        server(settings, state, dispatch=False, log_level="warning")
        assert gc.get_freeze_count() > 0  # no full collection walks the import-time heap
    finally:
        gc.unfreeze()  # give this test process its collector back
