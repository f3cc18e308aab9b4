"""Dynamics 365 connector against the Dataverse emulator: the shared contract plus msal with a
certificate, `$batch` changesets of an order and its lines, and change tracking.

The module starts a sandbox of its own with only the Dynamics 365 emulator (registered here
until the lead adds the system to the registry): the contract injects faults and counts
requests, which must not disturb the session sandbox's other users.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.dynamics365 import BatchRequest, Dynamics365Client, Dynamics365Settings, odata
from connectors.dynamics365.auth import forget_apps
from connectors.http import ApiUsage
from connectors.settings import load_settings
from sandbox.core import FaultConfig
from sandbox.runner import Sandbox
from sandbox.seed import SeedConfig
from tests.connectors.contract import ConnectorContract, FakeSleep

ANCHOR = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
SLUG = "dynamics365"
EMULATOR = "sandbox.dynamics365:Dynamics365Emulator"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """A sandbox of the Dynamics 365 emulator alone (overrides the session sandbox here)."""
    import sandbox.runner as runner

    registered = SLUG in runner.EMULATORS
    runner.EMULATORS.setdefault(SLUG, EMULATOR)
    runner.DEFAULT_PORTS.setdefault(SLUG, 8444)
    forget_apps()
    workdir: Path = tmp_path_factory.mktemp(SLUG)
    try:
        with Sandbox(workdir, systems=(SLUG,), seed=SeedConfig(anchor=ANCHOR)) as sb:
            yield sb
    finally:
        forget_apps()
        if not registered:
            runner.EMULATORS.pop(SLUG, None)
            runner.DEFAULT_PORTS.pop(SLUG, None)


def settings(sandbox: Sandbox, **overrides: Any) -> Dynamics365Settings:
    prefix = "STOREBRIDGE_DYNAMICS365_"
    env = {
        k.removeprefix(prefix).lower(): v for k, v in sandbox.env().items() if k.startswith(prefix)
    }
    return load_settings(Dynamics365Settings, **{**env, **overrides})


def rows(sandbox: Sandbox, entity_set: str) -> list[dict[str, Any]]:
    return sandbox.emulator(SLUG).records()[entity_set]


def stamp(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))


READ_SET = "products"
PAGE = 17  # several pages of the seeded products; the last one short


class TestDynamics365Contract(ConnectorContract):
    system = SLUG
    supports_token_expiry = True

    def client(self, sandbox: Sandbox, sleep: FakeSleep, **overrides: Any) -> Dynamics365Client:
        options = {"page_size": PAGE, "max_attempts": 8}
        return Dynamics365Client(
            settings(sandbox, **{**options, **overrides}), sleep=sleep, usage=ApiUsage(SLUG)
        )

    def read_all(self, client: Dynamics365Client) -> list[str]:
        return [
            r["productid"] for r in client.query(READ_SET, select=["productid", "productnumber"])
        ]

    def expected_ids(self, sandbox: Sandbox) -> list[str]:
        return [r["productid"] for r in rows(sandbox, READ_SET)]

    def read_changed(
        self, client: Dynamics365Client, since: dt.datetime, until: dt.datetime
    ) -> list[str]:
        return [
            r["contactid"]
            for r in client.query(
                "contacts", select=["contactid"], filter=odata.modified_between(since, until)
            )
        ]

    def expected_changed(
        self, sandbox: Sandbox, since: dt.datetime, until: dt.datetime
    ) -> list[str]:
        return [
            r["contactid"]
            for r in rows(sandbox, "contacts")
            if since <= stamp(r["modifiedon"]) <= until
        ]

    def changed_window(self) -> tuple[dt.datetime, dt.datetime]:
        stamps = sorted(stamp(r["modifiedon"]) for r in rows(self._sandbox, "contacts"))
        return stamps[len(stamps) // 4], stamps[len(stamps) // 2]

    @pytest.fixture(autouse=True)
    def _keep(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox

    def bad_request(self, client: Dynamics365Client) -> None:
        client.update("accounts", {"storebridge_id": "contract-missing"}, {"name": "x"})  # 404

    def write_twice(self, client: Dynamics365Client, sandbox: Sandbox) -> tuple[int, int]:
        key = {"storebridge_id": "contract-account-1"}
        client.upsert("accounts", key, {"name": "Contract Account"})
        first = len(rows(sandbox, "accounts"))
        client.upsert("accounts", key, {"name": "Contract Account"})
        return first, len(rows(sandbox, "accounts"))

    def wrong_credentials(self) -> dict[str, Any]:
        return {"client_secret": "not-the-secret"}

    def renewals(self, client: Dynamics365Client) -> int | None:
        return client.renewals


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[Dynamics365Client]:
    with Dynamics365Client(settings(sandbox), sleep=FakeSleep(), usage=ApiUsage(SLUG)) as c:
        yield c


def test_a_certificate_credential_gets_tokens_from_the_emulated_authority(sandbox: Sandbox) -> None:
    emulator: Any = sandbox.emulator(SLUG)
    cert = settings(
        sandbox,
        client_secret=None,
        certificate_file=emulator.private_key_file,
        certificate_thumbprint=emulator.authority.thumbprint(),
    )
    with Dynamics365Client(cert, sleep=FakeSleep(), usage=ApiUsage(SLUG)) as c:
        assert c.get("products", rows(sandbox, "products")[0]["productid"], select=["productid"])
        with emulator.lock:
            emulator.expire_tokens()
        assert len(list(c.query("uoms", select=["uomid"]))) > 0
        assert c.renewals == 1


def reference(client: Dynamics365Client, sandbox: Sandbox) -> dict[str, str]:
    product = next(iter(client.query("products", select=["productid", "_defaultuomid_value"])))
    (level,) = client.query(
        "pricelevels",
        select=["pricelevelid"],
        filter=odata.compare("name", "eq", client.settings.price_level),
    )
    return {
        "product": product["productid"],
        "uom": product["_defaultuomid_value"],
        "level": level["pricelevelid"],
    }


def order_requests(ids: dict[str, str], n: int) -> list[BatchRequest]:
    order = f"contract-order-{n}"
    account = {"storebridge_id": f"contract-buyer-{n}"}
    out = [
        BatchRequest(
            "PATCH", odata.entity_path("accounts", account), {"name": f"Buyer {n}"}, ref=f"a{n}"
        ),
        BatchRequest(
            "PATCH",
            odata.entity_path("salesorders", {"storebridge_id": order}),
            {
                "name": order,
                "customerid_account@odata.bind": odata.bind("accounts", account),
                "pricelevelid@odata.bind": odata.bind("pricelevels", ids["level"]),
            },
            content_id=f"o{n}",
            ref=order,
        ),
    ]
    for line in (1, 2):
        out.append(
            BatchRequest(
                "PATCH",
                odata.entity_path("salesorderdetails", {"storebridge_id": f"{order}-{line}"}),
                {
                    "salesorderid@odata.bind": f"$o{n}",
                    "productid@odata.bind": odata.bind("products", ids["product"]),
                    "uomid@odata.bind": odata.bind("uoms", ids["uom"]),
                    "quantity": line,
                },
                ref=f"{order}-{line}",
            )
        )
    return out


def test_orders_and_lines_in_changesets_twice_write_each_row_once(
    client: Dynamics365Client, sandbox: Sandbox
) -> None:
    ids = reference(client, sandbox)
    requests = [r for n in range(3) for r in order_requests(ids, n)]
    before = {s: len(rows(sandbox, s)) for s in ("accounts", "salesorders", "salesorderdetails")}
    first = client.batch(requests)
    assert [r.ref for r in first] == [r.ref for r in requests]
    assert all(r.ok for r in first), [(r.ref, r.status, r.message) for r in first if not r.ok]
    assert all(r.entity_id for r in first)
    after = {s: len(rows(sandbox, s)) for s in before}
    assert after == {
        "accounts": before["accounts"] + 3,
        "salesorders": before["salesorders"] + 3,
        "salesorderdetails": before["salesorderdetails"] + 6,
    }
    again = client.batch(requests)
    assert [r.entity_id for r in again] == [r.entity_id for r in first]
    assert {s: len(rows(sandbox, s)) for s in before} == after


def test_a_failing_line_rolls_its_order_back_and_spares_the_others(
    client: Dynamics365Client, sandbox: Sandbox
) -> None:
    ids = reference(client, sandbox)
    good = order_requests(ids, 10)
    bad = order_requests({**ids, "product": "00000000-0000-0000-0000-00000000dead"}, 11)
    out = client.batch(good + bad)
    assert all(r.ok for r in out[:4])
    assert out[4].ok  # the buyer's account is its own part
    assert not any(r.ok for r in out[5:])
    stored = {r.get("storebridge_id") for r in rows(sandbox, "salesorders")}
    assert "contract-order-10" in stored
    assert "contract-order-11" not in stored


def test_lost_batch_answers_leave_no_duplicates(
    client: Dynamics365Client, sandbox: Sandbox
) -> None:
    emulator = sandbox.emulator(SLUG)
    ids = reference(client, sandbox)
    requests = [r for n in range(20, 26) for r in order_requests(ids, n)]
    emulator.set_faults(FaultConfig(server_error_share=0.3, after_apply_share=1.0, seed=11))
    try:
        out = client.batch(requests, continue_on_error=True)
    finally:
        emulator.set_faults(FaultConfig())
    assert all(r.ok for r in out)
    wanted = {f"contract-order-{n}" for n in range(20, 26)}
    orders = [r for r in rows(sandbox, "salesorders") if r.get("storebridge_id") in wanted]
    assert len(orders) == 6
    lines = [
        r
        for r in rows(sandbox, "salesorderdetails")
        if str(r.get("storebridge_id", "")).rsplit("-", 1)[0] in wanted
    ]
    assert len(lines) == 12
    assert sandbox.emulator(SLUG).fault_counts["server_error"] > 0


def test_change_tracking_full_delta_and_expired_token(
    client: Dynamics365Client, sandbox: Sandbox
) -> None:
    emulator: Any = sandbox.emulator(SLUG)
    first = client.changes("accounts", select=["name"])
    assert first.full
    assert first.tracked
    assert len(first.records) == len(rows(sandbox, "accounts"))
    client.upsert("accounts", {"storebridge_id": "contract-tracked"}, {"name": "Tracked"})
    second = client.changes("accounts", select=["name"], delta_link=first.delta_link)
    assert not second.full
    assert [r["name"] for r in second.records] == ["Tracked"]
    gone = second.records[0]["accountid"]
    client.delete("accounts", gone)
    third = client.changes("accounts", select=["name"], delta_link=second.delta_link)
    assert third.deleted_ids == [gone]
    emulator.expire_delta_tokens()
    fourth = client.changes("accounts", select=["name"], delta_link=third.delta_link)
    assert fourth.full
    assert len(fourth.records) == len(rows(sandbox, "accounts"))
