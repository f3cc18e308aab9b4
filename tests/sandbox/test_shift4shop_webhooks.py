"""Shift4Shop (3dcart) REST API v1 emulator: webhook registrations and outbound deliveries.

CRUD of `/Webhooks` and `/Webhooks/Events`, then real deliveries to a tiny receiver on
127.0.0.1 (plain HTTP, or HTTPS with the sandbox's certificate): the payload, retries after a
500, the deliveries record (origin only, never the path token). Which writes fire which event,
the admin helpers and the chaos switches: `test_shift4shop_events.py`. Waiting is deterministic:
`wait_for_deliveries` / `flush` with a deadline, never a sleep.
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from sandbox.runner import Sandbox
from sandbox.shift4shop import Shift4ShopEmulator
from sandbox.shift4shop.delivery import DeliveryChaos, DeliveryPolicy
from sandbox.shift4shop.events import EVENTS
from tests.sandbox import test_shift4shop_emulator as base

# The shared module-scoped fixtures (this module gets its own sandbox).
sandbox = base.sandbox
emu = base.emu
world = base.world
api = base.api
admin = base.admin
restore = base.restore

TOKEN_PATH = "/webhooks/shift4shop/s3cret-path-token"
WAIT_S = 10.0
ORDER_STATUS_CHANGED, CUSTOMER_NEW, PRODUCT_NEW, PRODUCT_CHANGED = 2, 3, 4, 5
ORDER_NEW, PRODUCT_DELETED, PRODUCT_STOCK_CHANGED = 1, 6, 7


class Receiver:
    """An HTTP(S) endpoint on 127.0.0.1 that records POSTs and answers scripted statuses."""

    def __init__(self, statuses: tuple[int, ...] = (), tls: ssl.SSLContext | None = None) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses = list(statuses)  # consumed one per request; then 200
        self.gate: threading.Event | None = None  # when set, requests wait for it
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.gate is not None:
                    receiver.gate.wait(WAIT_S)
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": json.loads(body)}
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.scheme = "http"
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
            self.scheme = "https"
        # A short poll interval: shutdown() waits for one.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str = TOKEN_PATH) -> str:
        return f"{self.origin}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def hooks(emu: Shift4ShopEmulator, restore: None) -> Iterator[Shift4ShopEmulator]:
    """A clean delivery log, quick retries; afterwards drain, then reset chaos and policy."""
    emu.webhook_sender.clear()
    emu.webhook_sender.policy = DeliveryPolicy(backoff_s=0.01, timeout_s=5)
    yield emu
    emu.webhook_sender.set_chaos(DeliveryChaos())
    assert emu.flush_webhooks(WAIT_S)
    emu.webhook_sender.policy = DeliveryPolicy()
    emu.webhook_verify = True


def register(api: httpx.Client, url: str, event_type: int, **extra: Any) -> int:
    body = {"Name": f"hook {event_type}", "Url": url, "EventType": event_type, **extra}
    r = api.post("/Webhooks", json=body)
    assert r.status_code == 201, r.text
    return int(r.json()[0]["Value"])


def delivered(emu: Shift4ShopEmulator) -> list[dict[str, Any]]:
    assert emu.wait_for_deliveries(WAIT_S), "deliveries did not finish in time"
    return emu.webhook_deliveries()


# --- registrations -------------------------------------------------------------------------
def test_events_list(api: httpx.Client) -> None:
    r = api.get("/Webhooks/Events", params={"limit": 20})
    assert r.json() == [{"EventType": i, "EventName": n} for i, n in EVENTS.items()]
    assert {e["EventName"] for e in r.json()} == {
        "Order New",
        "Order Status Changed",
        "Customer New",
        "Product New",
        "Product Changed",
        "Product Deleted",
        "Product Stock Changed",
    }
    assert api.get("/Webhooks/Events", params={"countonly": 1}).json() == {"TotalCount": 7}


@pytest.mark.usefixtures("hooks")
def test_webhook_crud(api: httpx.Client) -> None:
    assert api.get("/Webhooks").status_code == 404  # none yet: the documented empty list
    body = {"Name": "Orders", "Url": "https://gw.example/h/t0k", "EventType": 2, "Format": "json"}
    r = api.post("/Webhooks", json=body)
    assert r.status_code == 201
    assert r.json() == [
        {"Key": "Id", "Value": "1", "Status": "201", "Message": "Created successfully"}
    ]
    (hook,) = api.get("/Webhooks/1").json()
    assert {k: hook[k] for k in ("Id", "Name", "Url", "EventType", "Format", "Enabled")} == {
        "Id": 1,
        "Name": "Orders",
        "Url": body["Url"],
        "EventType": 2,
        "Format": "JSON",
        "Enabled": True,
    }
    assert len(hook["DateCreated"]) == len("04/18/2024 18:44")
    r = api.put("/Webhooks/1", json={"Name": "Renamed", "Enabled": False, "EventType": 2})
    assert r.json()[0]["Status"] == "200"
    assert api.get("/Webhooks", params={"enabled": 0}).json()[0]["Name"] == "Renamed"
    assert api.get("/Webhooks", params={"enabled": 1}).status_code == 404
    r = api.put("/Webhooks/1", json={"EventType": 3})
    assert r.status_code == 400
    assert "EventType" in r.json()[0]["Message"]
    assert api.get("/Webhooks", params={"name": "renamed"}).json()[0]["EventType"] == 2
    assert api.delete("/Webhooks/1").json()[0]["Message"] == "deleted successfully"
    assert api.get("/Webhooks/1").status_code == 404
    assert api.delete("/Webhooks/1").status_code == 404
    assert api.put("/Webhooks/1", json={"Name": "x"}).status_code == 404


@pytest.mark.usefixtures("hooks")
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"Name": "n" * 81}, "Name"),
        ({"Url": "ftp://gw.example/x"}, "Url"),
        ({"Url": "https://gw.example/" + "x" * 1000}, "Url"),
        ({"EventType": 99}, "EventType"),
        ({"Format": "YAML"}, "Format"),
        ({"Enabled": "yes"}, "Enabled"),
        ({"Name": None}, "Name"),
    ],
)
def test_webhook_validation_names_the_field(
    api: httpx.Client, change: dict[str, Any], field: str
) -> None:
    body = {"Name": "n", "Url": "https://gw.example/x", "EventType": 1, **change}
    r = api.post("/Webhooks", json={k: v for k, v in body.items() if v is not None})
    assert r.status_code == 400
    assert field in r.json()[0]["Message"]


# --- deliveries ----------------------------------------------------------------------------
@pytest.mark.usefixtures("hooks")
def test_status_change_delivers_the_order_as_the_api_renders_it(
    api: httpx.Client, emu: Shift4ShopEmulator, receiver: Receiver
) -> None:
    order = next(o for o in emu.world.orders if o.status_id == 2)
    hook_id = register(api, receiver.url(), ORDER_STATUS_CHANGED)
    register(api, receiver.url("/other"), ORDER_STATUS_CHANGED, Enabled=False)
    register(api, receiver.url("/customers"), CUSTOMER_NEW)
    assert api.put(f"/Orders/{order.order_id}", json={"OrderStatusID": 2}).status_code == 200
    assert delivered(emu) == []  # same status: nothing changed, nothing fires
    assert api.put(f"/Orders/{order.order_id}", json={"OrderStatusID": 6}).status_code == 200
    (entry,) = delivered(emu)
    (request,) = receiver.requests
    assert request["path"] == TOKEN_PATH
    assert request["headers"]["Content-Type"] == "application/json"
    assert not [h for h in request["headers"] if "signature" in h.lower() or h == "Authorization"]
    assert request["body"] == api.get(f"/Orders/{order.order_id}").json()
    assert request["body"][0]["OrderStatusID"] == 6
    assert {
        k: entry[k] for k in ("event", "event_type", "hook_id", "url", "status", "attempt")
    } == {
        "event": "Order Status Changed",
        "event_type": 2,
        "hook_id": hook_id,
        "url": receiver.origin,
        "status": 200,
        "attempt": 1,
    }
    assert entry["resource_id"] == order.order_id
    assert "s3cret" not in json.dumps(emu.webhook_deliveries())


@pytest.mark.usefixtures("hooks")
def test_delivery_does_not_block_the_api_response(
    api: httpx.Client, emu: Shift4ShopEmulator, receiver: Receiver
) -> None:
    receiver.gate = threading.Event()
    register(api, receiver.url(), PRODUCT_STOCK_CHANGED)
    r = api.put("/Products/3", json={"SKUInfo": {"Stock": 11}}, timeout=WAIT_S / 2)
    assert r.status_code == 200  # answered while the receiver is still stuck
    assert emu.webhook_sender.pending() == 1
    receiver.gate.set()
    assert [e["status"] for e in delivered(emu)] == [200]


@pytest.mark.usefixtures("hooks")
def test_retry_after_a_500_then_record_every_attempt(
    api: httpx.Client, emu: Shift4ShopEmulator, admin: httpx.Client
) -> None:
    flaky = Receiver(statuses=(500,))
    dead = Receiver(statuses=(503, 503, 503))
    try:
        register(api, flaky.url(), CUSTOMER_NEW)
        register(api, dead.url(), CUSTOMER_NEW)
        r = api.post("/Customers", json={"Email": "retry@example.org"})
        customer_id = int(r.json()[0]["Value"])
        log = delivered(emu)
        by_hook = {
            h: [(e["attempt"], e["status"]) for e in log if e["hook_id"] == h] for h in (1, 2)
        }
        assert by_hook == {1: [(1, 500), (2, 200)], 2: [(1, 503), (2, 503), (3, 503)]}
        assert len(flaky.requests) == 2
        assert flaky.requests[0]["body"] == flaky.requests[1]["body"]
        assert flaky.requests[1]["body"][0]["CustomerID"] == customer_id
        assert len(dead.requests) == 3
        assert admin.get("/webhooks/deliveries").json() == log
    finally:
        flaky.close()
        dead.close()


@pytest.mark.usefixtures("hooks")
def test_connection_errors_are_retried_and_logged_without_the_path(
    api: httpx.Client, emu: Shift4ShopEmulator
) -> None:
    closed = Receiver()
    url = closed.url()
    closed.close()  # nothing listens there any more
    emu.webhook_sender.policy = DeliveryPolicy(attempts=2, backoff_s=0.01, timeout_s=2)
    register(api, url, PRODUCT_CHANGED)
    api.put("/Products/4", json={"ShortDescription": "changed"})
    log = delivered(emu)
    assert [(e["attempt"], e["status"], e["error"]) for e in log] == [
        (1, None, "ConnectError"),
        (2, None, "ConnectError"),
    ]
    assert {e["url"] for e in log} == {url.removesuffix(TOKEN_PATH)}


@pytest.mark.usefixtures("hooks")
def test_https_receiver_trusting_the_sandbox_ca(
    api: httpx.Client, emu: Shift4ShopEmulator, sandbox: Sandbox
) -> None:
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(sandbox.tls.server_cert, sandbox.tls.server_key)
    secure = Receiver(tls=tls)
    try:
        register(api, secure.url(), PRODUCT_CHANGED)
        emu.webhook_sender.policy = DeliveryPolicy(attempts=1)
        api.put("/Products/6", json={"Hide": True})  # system CAs only: refused
        assert [e["status"] for e in delivered(emu)] == [None]
        emu.webhook_verify = sandbox.tls.ca_cert
        api.put("/Products/6", json={"Hide": False})
        assert [e["status"] for e in delivered(emu)] == [None, 200]
        assert secure.requests[-1]["body"][0]["Hide"] is False
        assert emu.webhook_deliveries()[-1]["url"].startswith("https://127.0.0.1:")
    finally:
        secure.close()


@pytest.mark.usefixtures("hooks")
def test_xml_hooks_are_skipped(
    api: httpx.Client, emu: Shift4ShopEmulator, receiver: Receiver
) -> None:
    register(api, receiver.url(), PRODUCT_CHANGED, Format="XML")
    api.put("/Products/8", json={"Weight": 2})
    (entry,) = delivered(emu)
    assert entry["status"] is None
    assert entry["attempt"] == 0
    assert "XML" in entry["error"]
    assert receiver.requests == []
