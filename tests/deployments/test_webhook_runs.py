"""A posted webhook becomes a run of the webhook deployment on a real Prefect server, and that
run drains the inbox into Salesforce. A burst becomes one run, not one per event."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient

from connectors.state import InboxStatus
from deployments.gateway import create_app
from deployments.settings import GatewaySettings
from flows.order_to_cash import order_to_cash
from tests.conftest import Pair

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_server")]
SECRET = "s3cret-token-for-tests-0123456789"


@pytest.fixture(scope="module")
def deployment_id(prefect_server: None) -> str:
    settings = GatewaySettings(shift4shop_secret=SECRET, _env_file=None)
    _, _, name = settings.deployment("shift4shop").partition("/")
    deployment = order_to_cash.to_deployment(
        name=name, parameters={"source": "shift4shop", "target": "salesforce", "from_inbox": True}
    )
    return str(deployment.apply())


async def runs_of(deployment_id: str) -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    async with get_client() as client:
        return await client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id]))
        )


def test_a_burst_of_webhooks_becomes_one_run_that_loads_the_orders(
    pair: Pair, deployment_id: str
) -> None:
    state = pair.state()
    app = create_app(
        GatewaySettings(shift4shop_secret=SECRET, _env_file=None), state, dispatch=False
    )
    client = TestClient(app)
    ids = [o.order_id for o in pair.sandbox.world.orders if not o.defect][:25]
    for order_id in ids:
        response = client.post(f"/webhooks/shift4shop/{SECRET}", json={"OrderID": order_id})
        assert response.status_code == 202
    before = len(asyncio.run(runs_of(deployment_id)))
    dispatcher = app.state.dispatcher
    runs = asyncio.run(dispatcher.dispatch_once())
    assert set(runs) == {"shift4shop"}
    assert asyncio.run(dispatcher.dispatch_once()) == {}  # nothing pending any more
    flow_runs = asyncio.run(runs_of(deployment_id))
    assert len(flow_runs) == before + 1
    run = next(r for r in flow_runs if str(r.id) == runs["shift4shop"])
    assert run.parameters["from_inbox"] is True
    assert run.state.is_scheduled()
    assert {e.status for e in state.pending_events("shift4shop")} == set()
    # What the worker would do with that run: drain the inbox.
    result = order_to_cash(source="shift4shop", target="salesforce", from_inbox=True)
    assert result["mode"] == "inbox"
    assert result["created"] == len(ids)
    assert state.inbox_counts()["done"] == len(ids)
    loaded = {o["Storebridge_Id__c"] for o in pair.records("Order")}
    assert loaded == {f"shift4shop:order:{i}" for i in ids}


def test_same_pending_events_give_the_same_run(pair: Pair, deployment_id: str) -> None:
    state = pair.state()
    state.add_event("shift4shop", "delivery-1", "order", "1001")
    app = create_app(
        GatewaySettings(shift4shop_secret=SECRET, _env_file=None), state, dispatch=False
    )
    dispatcher = app.state.dispatcher
    first = asyncio.run(dispatcher.dispatch_once())["shift4shop"]
    # As if the gateway crashed after requesting the run but before marking the events:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    assert state.requeue_stale(dt.timedelta(0), now=later) == 1
    second = asyncio.run(dispatcher.dispatch_once())["shift4shop"]
    assert first == second  # the idempotency key made Prefect return the same run


def test_events_of_a_crashed_run_go_back_to_pending(pair: Pair) -> None:
    state = pair.state()
    event, _ = state.add_event("shift4shop", "delivery-crash", "order", "1001")
    state.claim_events("shift4shop", "run-that-crashed")
    assert state.inbox_counts()["processing"] == 1
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    assert state.requeue_stale(dt.timedelta(minutes=15), now=later) == 1
    assert [e.id for e in state.pending_events("shift4shop")] == [event.id]
    assert InboxStatus.PENDING.value in state.inbox_counts()
