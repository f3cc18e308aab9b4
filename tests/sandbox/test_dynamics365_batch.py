"""$batch, change tracking, service protection limits and persistence of the D365 emulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sandbox.core import FaultConfig
from sandbox.dynamics365 import API_PATH, Dynamics365Emulator
from tests.sandbox.d365_helpers import (
    Running,
    batch_body,
    body,
    part,
    running_fixture,
    split_response,
)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    yield from running_fixture(tmp_path_factory)


@pytest.fixture
def api(running: Running) -> Iterator[httpx.Client]:
    running.restore()
    with running.client() as c:
        yield c
    running.restore()


def post_batch(api: httpx.Client, groups: list[Any], prefer: str | None = None) -> httpx.Response:
    ctype, text = batch_body(groups)
    headers = {"Content-Type": ctype, **({"Prefer": prefer} if prefer else {})}
    return api.post("$batch", content=text.encode(), headers=headers)


def order_parts(running: Running, n: int, *, bad_line: bool = False) -> list[str]:
    store = running.emu.store
    account = store.rows("accounts")[0]["accountid"]
    level = store.rows("pricelevels")[0]["pricelevelid"]
    uom = store.rows("uoms")[0]["uomid"]
    product = store.rows("products")[0]["productid"]
    line = {
        "salesorderid@odata.bind": "$1",
        "productid@odata.bind": f"/products({product})",
        "uomid@odata.bind": f"/uoms({uom})",
        "quantity": 0 if bad_line else 1,
    }
    if bad_line:
        del line["uomid@odata.bind"]
    return [
        part(
            "PATCH",
            f"{API_PATH}/salesorders(storebridge_id='shift4shop:order:{n}')",
            {
                "name": f"Order {n}",
                "customerid_account@odata.bind": f"/accounts({account})",
                "pricelevelid@odata.bind": f"/pricelevels({level})",
            },
            content_id="1",
        ),
        part("POST", f"{running.api}/salesorderdetails", line, content_id="2"),
    ]


def test_changeset_with_content_id_references_counts_once(
    api: httpx.Client, running: Running
) -> None:
    running.emu.reset_counts()
    r = post_batch(api, [order_parts(running, 2001), part("GET", "accounts?$select=name")])
    assert r.status_code == 200, r.text
    answers = split_response(r)
    assert [a[0] for a in answers] == [204, 204, 200]
    assert answers[0][1]["content-id"] == "1"
    order = running.emu.row("salesorders", "storebridge_id='shift4shop:order:2001'")
    assert order is not None
    lines = running.emu.store.find(
        "salesorderdetails", "_salesorderid_value", order["salesorderid"]
    )
    assert len(lines) == 1
    assert running.emu.count() == 1  # the batch is one request ...
    assert running.emu.count(f"POST {API_PATH}/$batch") == 1
    assert running.emu.batch_part_count() == 3  # ... of three parts
    assert running.emu.batch_part_count(f"PATCH {API_PATH}/salesorders({{key}})") == 1


def test_failing_changeset_is_rolled_back(api: httpx.Client, running: Running) -> None:
    before = len(running.emu.store.rows("salesorders"))
    version = running.emu.store.version
    r = post_batch(api, [order_parts(running, 2002, bad_line=True)])
    assert r.status_code == 400
    answers = split_response(r)
    assert len(answers) == 1
    assert answers[0][0] == 400
    assert answers[0][1]["content-id"] == "2"
    assert answers[0][2]["error"]["message"]
    assert len(running.emu.store.rows("salesorders")) == before
    assert running.emu.store.version == version


def test_continue_on_error_and_undeclared_reference(api: httpx.Client, running: Running) -> None:
    groups = [
        part("POST", "accounts", {"nosuchcolumn": 1}),
        part(
            "POST", "contacts", {"lastname": "Later", "parentcustomerid_account@odata.bind": "$9"}
        ),
        part("POST", "accounts", {"name": "Still made"}),
    ]
    stop = post_batch(api, groups)
    assert stop.status_code == 400
    assert len(split_response(stop)) == 1
    assert not running.emu.store.find("accounts", "name", "Still made")
    go_on = post_batch(api, groups, prefer="odata.continue-on-error")
    assert go_on.status_code == 200
    assert [a[0] for a in split_response(go_on)] == [400, 400, 204]
    assert len(running.emu.store.find("accounts", "name", "Still made")) == 1


def test_batch_limit_of_1000_requests(api: httpx.Client) -> None:
    ok = post_batch(api, [[part("POST", "accounts", {"name": f"A{i}"}) for i in range(1000)]])
    assert ok.status_code == 200
    assert len(split_response(ok)) == 1000
    too_many = post_batch(api, [part("GET", "WhoAmI") for _ in range(1001)])
    assert too_many.status_code == 400
    assert "1000" in too_many.json()["error"]["message"]
    get_in_changeset = post_batch(api, [[part("GET", "accounts")]])
    assert get_in_changeset.status_code == 400


def test_batch_under_injected_5xx_after_apply(api: httpx.Client, running: Running) -> None:
    running.emu.set_faults(FaultConfig(server_error_share=1.0, after_apply_share=1.0, seed=1))
    r = post_batch(api, [order_parts(running, 2003)])
    assert r.status_code == 503
    assert r.json()["error"]["code"]
    running.emu.set_faults(FaultConfig())
    assert running.emu.row("salesorders", "storebridge_id='shift4shop:order:2003'") is not None
    assert running.emu.fault_counts["server_error_after_apply"] == 1


def test_rate_limited_response_headers(api: httpx.Client, running: Running) -> None:
    running.emu.set_faults(FaultConfig(rate_limit_share=1.0, retry_after_s=2, seed=1))
    r = api.get("accounts")
    running.emu.set_faults(FaultConfig())
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "2"
    assert r.headers["x-ms-ratelimit-burst-remaining-xrm-requests"] == "0"
    assert "x-ms-ratelimit-time-remaining-xrm-requests" in r.headers
    assert r.json()["error"]["code"] == "0x80072322"


def read_all(api: httpx.Client, url: str, prefer: str) -> tuple[list[dict[str, Any]], str | None]:
    rows: list[dict[str, Any]] = []
    next_url: str | None = url
    delta = None
    while next_url:
        r = api.get(next_url, headers={"Prefer": prefer})
        assert r.status_code == 200, r.text
        data = body(r)
        rows += data["value"]
        next_url = data.get("@odata.nextLink")
        delta = data.get("@odata.deltaLink")
    return rows, delta


def test_change_tracking_delta_with_deletions(api: httpx.Client, running: Running) -> None:
    prefer = "odata.track-changes,odata.maxpagesize=50"
    rows, delta = read_all(api, "products?$select=productnumber,price", prefer)
    assert len(rows) == len(running.emu.store.rows("products"))
    assert delta
    assert "$deltatoken=" in delta
    sku = running.world.products[0].sku
    running.emu.set_price(sku, "77.00")
    gone = running.emu.store.rows("products")[-1]
    running.emu.delete("products", gone["productid"])
    r = api.get(delta, headers={"Prefer": "odata.track-changes"})
    data = body(r)
    changed = [v for v in data["value"] if "productnumber" in v]
    deleted = [
        v for v in data["value"] if str(v.get("@odata.context", "")).endswith("$deletedEntity")
    ]
    assert [c["productnumber"] for c in changed] == [sku]
    assert str(changed[0]["price"]) == "77.00"
    assert deleted == [
        {
            "@odata.context": deleted[0]["@odata.context"],
            "id": gone["productid"],
            "reason": "deleted",
        }
    ]
    again = body(api.get(data["@odata.deltaLink"], headers={"Prefer": "odata.track-changes"}))
    assert again["value"] == []


def test_expired_token_and_tracking_off(api: httpx.Client, running: Running) -> None:
    _, delta = read_all(api, "contacts?$select=fullname", "odata.track-changes")
    assert delta
    running.emu.expire_delta_tokens("contacts")
    r = api.get(delta, headers={"Prefer": "odata.track-changes"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "0x80044352"
    garbage = api.get("contacts?$select=fullname&$deltatoken=nonsense")
    assert garbage.status_code == 400
    assert garbage.json()["error"]["code"] == "0x80044352"
    with running.client(auth=False) as admin:
        off = admin.put(
            f"{running.url}/__admin/dynamics365/tracking/contacts", json={"enabled": False}
        )
    assert off.status_code == 200
    r = api.get("contacts?$select=fullname", headers={"Prefer": "odata.track-changes"})
    assert "@odata.deltaLink" not in body(r)
    assert "odata.track-changes" not in r.headers.get("Preference-Applied", "")
    # the polling fallback: modifiedon filters still work
    running.emu.update(
        "contacts", running.emu.store.rows("contacts")[0]["contactid"], {"telephone1": "555"}
    )
    since = running.world.anchor.strftime("%Y-%m-%dT%H:%M:%SZ")
    polled = body(
        api.get("contacts", params={"$select": "telephone1", "$filter": f"modifiedon ge {since}"})
    )
    assert [v["telephone1"] for v in polled["value"]] == ["555"]


def test_dump_load_round_trip_through_json(running: Running) -> None:
    running.restore()
    with running.client() as api:
        api.patch("accounts(storebridge_id='shift4shop:customer:5')", json={"name": "Persisted"})
    running.emu.set_price(running.world.products[0].sku, "9.99")
    data = json.loads(json.dumps(running.emu.dump(), default=str))
    fresh = Dynamics365Emulator(running.world)
    fresh.load(data)
    assert fresh.records() == running.emu.records()
    assert fresh.store.version == running.emu.store.version
    running.restore()
