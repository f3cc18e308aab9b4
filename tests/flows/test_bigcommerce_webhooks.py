"""Signed BigCommerce webhooks end to end: gateway -> inbox -> order-to-cash -> Salesforce.

500 callbacks about the seeded BigCommerce orders (created and status-updated events), 10%
re-fired (the same `hash`), 5% forged (another key, or a genuine signature over an altered body),
shuffled and sent 50 at a time. The inbox keeps exactly the distinct genuine events, forged ones
are answered 401, and the order-to-cash run that drains the inbox leaves every genuine order in
Salesforce once (the deliberately bad seed orders as dead letters, never as records).
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from deployments.gateway import create_app
from deployments.settings import GatewaySettings
from flows.order_to_cash import order_to_cash
from flows.webhook_auth import standard_signature
from sandbox.bigcommerce import CLIENT_SECRET, STORE_HASH
from tests.conftest import Pair
from tests.flows.test_bigcommerce_pair import BcPair

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_server")]
NOW = 1_800_000_000  # the gateway's fixed clock: the test never reads the wall clock
URL = f"/webhooks/bigcommerce/{STORE_HASH}"


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, prefect_server: None) -> Iterator[Pair]:
    mp = pytest.MonkeyPatch()
    pair = BcPair(tmp_path_factory.mktemp("bc-webhooks"), mp)
    try:
        yield pair
    finally:
        pair.stop()
        mp.undo()


def callback(scope: str, order_id: int, n: int, status: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"type": "order", "id": order_id}
    if status is not None:
        data["status"] = {"previous_status_id": 1, "new_status_id": status}
    return {
        "scope": scope,
        "store_id": "1001789",
        "data": data,
        "hash": f"{n:040x}",  # one per event; a re-fire repeats it
        "created_at": NOW - 30,
        "producer": f"stores/{STORE_HASH}",
    }


def signed(payload: dict[str, Any], msg: str, secret: str = CLIENT_SECRET) -> dict[str, str]:
    body = json.dumps(payload).encode()
    return {
        "content-type": "application/json",
        "webhook-id": msg,
        "webhook-timestamp": str(NOW - 10),
        "webhook-signature": standard_signature(secret.encode(), msg, str(NOW - 10), body),
    }


def burst(order_ids: list[int]) -> tuple[list[tuple[dict[str, str], bytes, str]], set[int]]:
    """(headers, body, kind) per request, shuffled, and the orders genuine events are about."""
    rng = random.Random(500)
    genuine = [callback("store/order/created", oid, n) for n, oid in enumerate(order_ids)]
    more = 425 - len(genuine)
    genuine += [
        callback("store/order/statusUpdated", oid, 10_000 + n, status=11)
        for n, oid in enumerate(rng.sample(order_ids, more))
    ]
    requests = [
        (signed(p, f"msg_{i}"), json.dumps(p).encode(), "genuine") for i, p in enumerate(genuine)
    ]
    for i, p in enumerate(rng.sample(genuine, 50)):
        requests.append((signed(p, f"msg_re_{i}"), json.dumps(p).encode(), "duplicate"))
    for i in range(15):  # signed with a guessed key
        p = callback("store/order/created", order_ids[i], 20_000 + i)
        requests.append(
            (
                signed(p, f"msg_f_{i}", "guessed-secret-0123456789abcdef"),
                json.dumps(p).encode(),
                "forged",
            )
        )
    for i, p in enumerate(rng.sample(genuine, 10)):  # a genuine signature over an altered body
        headers = signed(p, f"msg_t_{i}")
        altered = {**p, "data": {**p["data"], "id": 999_000 + i}}
        requests.append((headers, json.dumps(altered).encode(), "forged"))
    assert len(requests) == 500
    rng.shuffle(requests)
    return requests, {p["data"]["id"] for p in genuine}


def send_all(app: Any, requests: list[tuple[dict[str, str], bytes, str]]) -> list[httpx.Response]:
    async def run() -> list[httpx.Response]:
        gate = asyncio.Semaphore(50)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:

            async def one(headers: dict[str, str], body: bytes) -> httpx.Response:
                async with gate:
                    return await client.post(URL, content=body, headers=headers)

            return await asyncio.gather(*(one(h, b) for h, b, _ in requests))

    return asyncio.run(run())


def test_a_burst_of_signed_webhooks_puts_every_genuine_order_in_salesforce_once(
    pair: Pair,
) -> None:
    store: Any = pair.sandbox.emulator("bigcommerce")
    with store.lock:
        placed = sorted(o["id"] for o in store.records()["Order"] if o["status_id"] != 0)
    order_ids = placed[:300]
    requests, wanted = burst(order_ids)
    settings = GatewaySettings(
        pairs=["bigcommerce->salesforce"],
        bigcommerce_client_secret=CLIENT_SECRET,
        bigcommerce_store_hashes=[STORE_HASH],
        _env_file=None,
    )
    state = pair.state()
    answers = send_all(create_app(settings, state, dispatch=False, clock=lambda: NOW), requests)

    by_kind: dict[str, Counter[int]] = {}
    for (_, _, kind), answer in zip(requests, answers, strict=True):
        by_kind.setdefault(kind, Counter())[answer.status_code] += 1
    assert by_kind["forged"] == Counter({401: 25})
    assert by_kind["genuine"] == Counter({202: 425})
    assert by_kind["duplicate"] == Counter({202: 50})
    bodies = [a.json() for a in answers if a.status_code == 202]
    assert sum(b["accepted"] for b in bodies) == 425
    assert sum(b["duplicates"] for b in bodies) == 50

    summary = order_to_cash(source="bigcommerce", target="salesforce", from_inbox=True)
    assert summary["mode"] == "inbox"
    keys = Counter(o["Storebridge_Id__c"] for o in pair.records("Order"))
    assert max(keys.values()) == 1, "an order was written twice"
    in_salesforce = {int(k.rsplit(":", 1)[1]) for k in keys if k.startswith("bigcommerce:order:")}
    assert in_salesforce <= wanted  # nothing forged got through
    missing = wanted - in_salesforce  # only the few bad seed orders, each as a dead letter
    assert len(missing) <= 10
    assert len(missing) <= summary["dead_lettered"]
    for order_id in missing:
        assert any(
            f"bigcommerce:order:{order_id}" in d["reason"] or d["record"] == str(order_id)
            for d in summary["dead_letters"]
        ), f"order {order_id} is neither in Salesforce nor a dead letter"
    assert summary["created"] == len(in_salesforce)

    again = order_to_cash(source="bigcommerce", target="salesforce", from_inbox=True)
    assert again["read"] == 0  # the inbox is drained: each event was loaded once
