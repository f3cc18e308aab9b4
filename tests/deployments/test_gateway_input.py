"""Bad webhook input gets the same clear 4xx on SQLite and on PostgreSQL, never a 500.

Every case runs against both databases (the `state` fixture is parametrized; PostgreSQL cases
skip with the reason when no server is reachable). Two senders: the real Shift4Shop route, and a
pass-through store whose parser keeps each item whole as the event payload (as a parser that keeps
more than ids would): what reaches the inbox is validated by its schema, so NaN, Infinity, NUL
characters, lone surrogates and over-long ids are refused with 400 naming the field instead of
being accepted by SQLite and failing on PostgreSQL. A refused delivery stores nothing; accepted
text round-trips unchanged on both.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from connectors.state import StateStore
from connectors.state.models import InboxRouteRow, InboxRow
from deployments.gateway import create_app
from deployments.settings import GatewaySettings
from flows import registry
from flows.registry import Kind, Role, SystemSpec, WebhookSpec
from flows.webhooks import WebhookEvent, body_key
from tests.pg import fresh_database
from transforms.canonical import Entity

SECRET = "s3cret-token-for-tests-0123456789"
FAKE = "passthru"


def passthrough(body: bytes, headers: Mapping[str, str] | None = None) -> list[WebhookEvent]:
    """Each item of a JSON array (or the object) is one order event; the item is its payload."""
    data = json.loads(body)
    items = data if isinstance(data, list) else [data]
    return [
        WebhookEvent(Entity.ORDER, str(item["id"]), body_key(FAKE, item), item) for item in items
    ]


PASSTHROUGH = SystemSpec(
    slug=FAKE,
    title="Pass-through store",
    kind=Kind.STORE,
    settings="tests.fakecrm.target:FakeSettings",
    emulator="tests.fakecrm.target:NoEmulator",
    sandbox_port=8498,
    roles={(Entity.ORDER, Role.SOURCE): "tests.fakecrm.target:FakeOrderTarget"},  # never loaded
    webhooks=WebhookSpec(
        path=f"/webhooks/{FAKE}/{{secret}}",
        verification="URL token",
        parser="tests.deployments.test_gateway_input:passthrough",
        secret_setting="shift4shop_secret",
    ),
)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StateStore]:
    """One migrated state store per database for the module."""
    if request.param == "sqlite":
        store = StateStore(f"sqlite:///{tmp_path_factory.mktemp('input') / 'state.db'}")
        store.upgrade()
        yield store
        store.dispose()
        return
    with fresh_database("storebridge_gateway_input") as url:  # skips when unreachable
        store = StateStore(url)
        store.upgrade()
        yield store
        store.dispose()


@pytest.fixture
def state(database: StateStore) -> StateStore:
    """The module's store, emptied of inbox rows."""
    with database.engine.begin() as connection:
        connection.execute(InboxRouteRow.__table__.delete())
        connection.execute(InboxRow.__table__.delete())
    return database


@pytest.fixture
def client(state: StateStore, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setitem(registry.SYSTEMS, FAKE, f"{__name__}:PASSTHROUGH")
    registry.spec.cache_clear()
    settings = GatewaySettings(
        shift4shop_secret=SECRET,
        pairs=["shift4shop->salesforce", f"{FAKE}->salesforce"],
        _env_file=None,
    )
    yield TestClient(create_app(settings, state, dispatch=False), raise_server_exceptions=False)
    registry.spec.cache_clear()


def stored(state: StateStore) -> list[tuple[str | None, Any]]:
    with state.engine.connect() as connection:
        rows = connection.execute(
            select(InboxRow.resource_id, InboxRow.payload).order_by(InboxRow.id)
        )
        return [(r.resource_id, r.payload) for r in rows]


def inbox_size(state: StateStore) -> int:
    with state.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(InboxRow)).scalar_one())


def post(client: TestClient, system: str, body: bytes) -> Any:
    return client.post(
        f"/webhooks/{system}/{SECRET}", content=body, headers={"Content-Type": "application/json"}
    )


DEEP = b"[" * 100_000 + b"]" * 100_000
NESTED = b'{"OrderID": 1, "x": ' + b"[" * 40 + b"]" * 40 + b"}"
MANY = json.dumps([{"OrderID": n} for n in range(1, 1002)]).encode()

# (case, sender, raw body, status, what the one-line reason must name)
BAD = [
    (
        "unicode superscript digit",
        "shift4shop",
        '{"OrderID": "²"}'.encode(),
        400,
        "item 0: OrderID",
    ),
    ("arabic-indic digits", "shift4shop", '{"OrderID": "١٢٣"}'.encode(), 400, "item 0: OrderID"),
    ("NUL in an id", "shift4shop", b'{"OrderID": "1\\u0000"}', 400, "item 0: OrderID"),
    ("lone surrogate id", "shift4shop", b'{"CustomerID": "\\ud800"}', 400, "item 0: CustomerID"),
    ("NaN id", "shift4shop", b'{"OrderID": NaN}', 400, "item 0: OrderID"),
    ("Infinity id", "shift4shop", b'{"OrderID": 1e999}', 400, "item 0: OrderID"),
    ("300-digit id", "shift4shop", b'{"OrderID": "' + b"1" * 300 + b'"}', 400, "item 0: OrderID"),
    ("NaN status", "shift4shop", b'{"OrderID": 1, "OrderStatusID": NaN}', 400, "OrderStatusID"),
    (
        "true as status",
        "shift4shop",
        b'{"OrderID": 1, "OrderStatusID": true}',
        400,
        "OrderStatusID",
    ),
    ("100,000-deep JSON", "shift4shop", DEEP, 400, "body is not JSON: nested deeper"),
    ("40-deep item", "shift4shop", NESTED, 400, "item 0: nested deeper than 32 levels"),
    ("not UTF-8", "shift4shop", b'{"OrderID": 1, "x": "\xff"}', 400, "not UTF-8"),
    ("1,001 events", "shift4shop", MANY, 413, "more than 1000 events"),
    ("NaN in the payload", FAKE, b'{"id": 1, "price": NaN}', 400, "event 0: payload.price: is NaN"),
    ("Infinity", FAKE, b'[{"id": 1}, {"id": 2, "total": Infinity}]', 400, "event 1: payload.total"),
    (
        "-Infinity, nested",
        FAKE,
        b'{"id": 1, "lines": [{"q": -Infinity}]}',
        400,
        "payload.lines[0].q",
    ),
    (
        "NUL in a string",
        FAKE,
        b'{"id": 1, "note": "a\\u0000b"}',
        400,
        "payload.note: contains a NUL",
    ),
    ("NUL in a key", FAKE, b'{"id": 1, "a\\u0000": 1}', 400, "(the key) contains a NUL"),
    ("lone surrogate", FAKE, b'{"id": 1, "name": "\\ud800"}', 400, "payload.name: contains a lone"),
    ("lone surrogate key", FAKE, b'{"id": 1, "\\udfff": 0}', 400, "(the key) contains a lone"),
    (
        "256-character id",
        FAKE,
        b'{"id": "' + b"7" * 256 + b'"}',
        400,
        "event 0: resource_id: String",
    ),
    (
        "NUL in a pass-through id",
        FAKE,
        b'{"id": "7\\u0000"}',
        400,
        "event 0: resource_id: contains a NUL",
    ),
]


@pytest.mark.parametrize(
    ("sender", "body", "status", "reason"), [c[1:] for c in BAD], ids=[c[0] for c in BAD]
)
def test_bad_input_is_refused_alike_with_the_field_named(
    client: TestClient, state: StateStore, sender: str, body: bytes, status: int, reason: str
) -> None:
    response = post(client, sender, body)
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert detail.startswith(f"{sender} webhook: ")
    assert reason in detail
    assert "\n" not in detail  # one line
    assert len(detail) < 300
    assert inbox_size(state) == 0  # nothing of a refused delivery is stored


def test_storable_input_round_trips_unchanged_on_both(
    client: TestClient, state: StateStore
) -> None:
    longest = "9" * 255
    item = {
        "id": longest,
        "name": "Zoë Ångström 😀 漢字",
        "escaped": 'tab\t quote" backslash\\',
        "big": 2**62,
        "price": 12.5,
        "lines": [{"sku": "A-1", "q": 2, "gift": None, "ok": True}],
    }
    assert post(client, FAKE, json.dumps(item).encode()).status_code == 202
    order = post(client, "shift4shop", b'{"OrderID": "0042", "OrderStatusID": 4}')
    assert order.json() == {"accepted": 1, "duplicates": 0, "unrouted": 0}
    assert stored(state) == [(longest, item), ("42", {"id": "42", "status": 4})]


def test_a_refused_event_refuses_its_whole_delivery(client: TestClient, state: StateStore) -> None:
    body = b'[{"id": 1, "ok": "yes"}, {"id": 2, "note": "\\u0000"}]'
    response = post(client, FAKE, body)
    assert response.status_code == 400
    assert "event 1: payload.note" in response.json()["detail"]
    assert inbox_size(state) == 0
    assert post(client, FAKE, b'[{"id": 1, "ok": "yes"}]').status_code == 202
    assert inbox_size(state) == 1


def test_the_inbox_api_refuses_alike_outside_the_gateway(state: StateStore) -> None:
    from connectors.state.inbox_schema import InboxEntryError

    with pytest.raises(InboxEntryError, match=r"event 0: payload\.v: is NaN"):
        state.add_event("shift4shop", "d-1", "order", "1", {"v": float("nan")})
    with pytest.raises(InboxEntryError, match="event 1: delivery_key: String should have at most"):
        state.add_events(
            [("s", "ok", "order", "1", None, []), ("s", "k" * 256, "order", "2", None, [])]
        )
    with pytest.raises(InboxEntryError, match=r"routes\.0\.0: contains a NUL"):
        state.add_event("shift4shop", "d-2", "order", "1", None, [("order\x00", "salesforce")])
    assert inbox_size(state) == 0


def test_personal_data_is_not_echoed(client: TestClient) -> None:
    email = "kira.private@example.com"
    for body in (json.dumps({"OrderID": email}), json.dumps({"CustomerID": email, "x": "\u0000"})):
        response = post(client, "shift4shop", body.encode())
        assert response.status_code == 400
        assert "kira" not in response.text
    response = post(client, FAKE, json.dumps({"id": email + "\u0000"}).encode())
    assert response.status_code == 400
    assert "kira" not in response.text
