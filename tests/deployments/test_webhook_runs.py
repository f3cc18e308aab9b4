"""Posted webhooks become runs of the subscribed deployments on a real Prefect server, and those
runs drain their own routes of the inbox. A burst becomes one run per subscription, a run that
failed gets a new one, and two back offices fed by one store each load every event once."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from connectors.state import InboxStatus, StateStore
from deployments.dispatch import Dispatcher, idempotency_key
from deployments.gateway import create_app
from deployments.settings import GatewaySettings, deployment_name
from flows import registry
from flows.customers import customers
from flows.order_to_cash import order_to_cash
from tests.conftest import Pair

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_server")]
SECRET = "s3cret-token-for-tests-0123456789"
NAME = deployment_name("order-to-cash", "shift4shop", "salesforce")


@pytest.fixture(scope="module")
def deployment_id(prefect_server: None) -> str:
    _, _, name = NAME.partition("/")
    deployment = order_to_cash.to_deployment(
        name=name, parameters={"source": "shift4shop", "target": "salesforce", "from_inbox": True}
    )
    return str(deployment.apply())


@pytest.fixture
def fakecrm(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[str]]]:
    """A second back office: its package plus one registry line, nothing else."""
    from tests.fakecrm import target

    monkeypatch.setitem(registry.SYSTEMS, "fakecrm", "tests.fakecrm:SPEC")
    registry.spec.cache_clear()
    target.LOADED.clear()
    yield target.LOADED
    registry.spec.cache_clear()


async def runs_of(deployment_id: str) -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    async with get_client() as client:
        return await client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id]))
        )


def gateway(state: StateStore, pairs: list[str] | None = None) -> TestClient:
    settings = GatewaySettings(
        shift4shop_secret=SECRET, pairs=pairs or ["shift4shop->salesforce"], _env_file=None
    )
    return TestClient(create_app(settings, state, dispatch=False))


def post(client: TestClient, body: Any) -> None:
    response = client.post(f"/webhooks/shift4shop/{SECRET}", json=body)
    assert response.status_code == 202, response.text


def test_a_burst_of_webhooks_becomes_one_run_that_loads_the_orders(
    pair: Pair, deployment_id: str
) -> None:
    state = pair.state()
    client = gateway(state)
    ids = [o.order_id for o in pair.sandbox.world.orders if not o.defect and o.status_id != 7][:25]
    for order_id in ids:
        post(client, {"OrderID": order_id})
    before = len(asyncio.run(runs_of(deployment_id)))
    dispatcher: Dispatcher = client.app.state.dispatcher  # type: ignore[attr-defined]
    runs = asyncio.run(dispatcher.dispatch_once())
    assert set(runs) == {NAME}
    assert asyncio.run(dispatcher.dispatch_once()) == {}  # nothing pending any more
    flow_runs = asyncio.run(runs_of(deployment_id))
    assert len(flow_runs) == before + 1
    run = next(r for r in flow_runs if str(r.id) == runs[NAME])
    assert run.parameters == {"source": "shift4shop", "target": "salesforce", "from_inbox": True}
    assert run.state.is_scheduled()
    # What the worker would do with that run: drain its routes of the inbox.
    result = order_to_cash(source="shift4shop", target="salesforce", from_inbox=True)
    assert result["mode"] == "inbox"
    assert result["created"] == len(ids)
    assert state.inbox_counts()["done"] == len(ids)
    loaded = {o["Storebridge_Id__c"] for o in pair.records("Order")}
    assert loaded == {f"shift4shop:order:{i}" for i in ids}


def test_a_crash_before_marking_gets_the_same_run_back(pair: Pair, deployment_id: str) -> None:
    state = pair.state()
    state.add_event(
        "shift4shop", "delivery-1", "order", "1001", routes=[("order-to-cash", "salesforce")]
    )
    dispatcher = Dispatcher(state)
    (sub,) = state.pending_subscriptions()
    first = asyncio.run(dispatcher._request_run(NAME, sub))  # the gateway dies here
    (again,) = state.pending_subscriptions()
    assert idempotency_key(again) == idempotency_key(sub)
    assert asyncio.run(dispatcher.dispatch_once())[NAME] == first


def test_events_of_a_failed_run_get_a_new_run(
    pair: Pair, deployment_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The old key would hand back the failed run forever (reliability bar #17)."""
    state = pair.state()
    event, _ = state.add_event(
        "shift4shop", "delivery-2", "order", "1002", routes=[("order-to-cash", "salesforce")]
    )
    dispatcher = Dispatcher(state)
    first = asyncio.run(dispatcher.dispatch_once())[NAME]
    monkeypatch.setenv("STOREBRIDGE_SALESFORCE_CONSUMER_KEY", "revoked-app")  # the run fails
    with pytest.raises(Exception, match="JWT login refused"):
        order_to_cash(source="shift4shop", target="salesforce", from_inbox=True)
    (route,) = state.routes_of(event.id)
    assert route.status is InboxStatus.PENDING  # given back at once, with the reason
    assert "JWT login refused" in (route.last_error or "")
    assert asyncio.run(dispatcher.dispatch_once()) == {}  # it waits a little first (backoff)
    # the state store stamps its rows with its own (wall) clock: five minutes after the release
    later = route.updated_at + dt.timedelta(minutes=5)
    subs = state.pending_subscriptions(now=later)
    second = asyncio.run(dispatcher._request_run(NAME, subs[0]))
    assert second != first


def test_events_of_a_crashed_run_go_back_to_pending(pair: Pair) -> None:
    state = pair.state()
    event, _ = state.add_event(
        "shift4shop", "delivery-crash", "order", "1001", routes=[("order-to-cash", "salesforce")]
    )
    state.claim_events("order-to-cash", "shift4shop", "salesforce", "run-that-crashed")
    assert state.inbox_counts()["processing"] == 1
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    assert state.requeue_stale(dt.timedelta(minutes=15), now=later) == 1
    (route,) = state.routes_of(event.id)
    assert route.status is InboxStatus.PENDING
    assert route.flow_run_id == "run-that-crashed"  # so the next key differs


def test_order_and_customer_events_posted_together_reach_the_right_use_cases(pair: Pair) -> None:
    state = pair.state()
    client = gateway(state)
    world = pair.sandbox.world
    order = next(
        o for o in world.orders if not o.defect and o.status_id != 7 and o.customer.customer_id
    )
    customer = next(
        c
        for c in world.customers
        if c.email != order.customer.email and c.email not in {x.email for x in world.crm_contacts}
    )
    post(client, [{"OrderID": order.order_id}, {"CustomerID": customer.customer_id}])
    orders = order_to_cash(source="shift4shop", target="salesforce", from_inbox=True)
    people = customers(source="shift4shop", target="salesforce", from_inbox=True)
    assert (orders["read"], orders["created"]) == (1, 1)
    assert (people["read"], people["created"]) == (1, 1)  # the order's customer came with it
    contacts = {c["Storebridge_Id__c"] for c in pair.records("Contact")}
    assert f"shift4shop:customer:{customer.customer_id}" in contacts
    assert state.inbox_counts()["done"] == 2


def test_two_back_offices_fed_by_one_store_each_load_every_event_once(
    pair: Pair, fakecrm: dict[str, list[str]]
) -> None:
    state = pair.state()
    client = gateway(state, ["shift4shop->salesforce", "shift4shop->fakecrm"])
    ids = [o.order_id for o in pair.sandbox.world.orders if not o.defect and o.status_id != 7][:5]
    for order_id in ids:
        post(client, {"OrderID": order_id})
    post(client, {"OrderID": ids[0]})  # the same delivery again: stored once
    subs = {(s.use_case, s.target): len(s.route_ids) for s in state.pending_subscriptions()}
    assert subs == {("order-to-cash", "salesforce"): 5, ("order-to-cash", "fakecrm"): 5}
    first = order_to_cash(source="shift4shop", target="fakecrm", from_inbox=True)
    second = order_to_cash(source="shift4shop", target="salesforce", from_inbox=True)
    assert first["created"] == second["created"] == 5
    assert sorted(fakecrm) == sorted(f"shift4shop:order:{i}" for i in ids)
    assert all(v == ["order-to-cash"] for v in fakecrm.values())
    assert len(pair.records("Order")) == 5
    again = order_to_cash(source="shift4shop", target="fakecrm", from_inbox=True)
    assert again["read"] == 0  # each route once
