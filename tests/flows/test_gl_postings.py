"""The gl-postings flow against the sandbox (Shift4Shop + Sage 300): one GL batch per business
day, however often it runs and whatever the Web API answers.

The business clock is conftest's (2026-11-23 01:00 UTC = 2026-11-22 20:00 in New York, the
store's zone), so "yesterday" is 2026-11-21 and no test depends on the wall clock. Expected
figures come from the seed world (its transactions of the day), not from the flow's code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors.sage300.client import Sage300Client
from connectors.state import StateStore
from flows.gl_postings import BINDING_ENTITY, TARGET_ENTITY, gl_postings
from sandbox.core import FaultConfig
from sandbox.runner import Sandbox
from sandbox.seed import NOT_COMPLETED, SeedConfig
from tests.conftest import ANCHOR
from transforms.sage300_gl import BusinessDay, GLError, load_accounts, zone_of

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_server")]
STORE, SAGE = "shift4shop", "sage300"
NY = zone_of("America/New_York")
POST = "POST"
KIND = {"Sale": "sales", "Capture": "sales", "Refund": "refunds"}


class GL:
    """The two emulators, a state database, and the environment pointing at them."""

    def __init__(self, workdir: Path, mp: pytest.MonkeyPatch) -> None:
        seed = SeedConfig(anchor=ANCHOR)
        self.sandbox = Sandbox(workdir / "sandbox", systems=(STORE, SAGE), seed=seed).start()
        self.state_path = workdir / "state.db"
        for key, value in self.sandbox.env().items():
            mp.setenv(key, value)
        mp.setenv("STOREBRIDGE_STATE_PATH", str(self.state_path))
        mp.setenv("STOREBRIDGE_GL_POSTINGS_POST_RETRY_DELAY_S", "0")
        self.sage: Any = self.sandbox.emulator(SAGE)

    def batches(self, day: dt.date) -> list[dict[str, Any]]:
        key = f"storebridge {STORE} {day.isoformat()}"
        return [r for r in self.sage.rows("GLBCTL") if str(r["BTCHDESC"]).strip() == key]

    def details(self, batch_id: str) -> list[dict[str, Any]]:
        return [r for r in self.sage.rows("GLJED") if r["BATCHNBR"] == batch_id]

    def posts(self) -> int:
        with self.sage.lock:
            return sum(n for k, n in self.sage.counts.items() if k.startswith(POST))

    def orders(self) -> list[dict[str, Any]]:
        """The store's orders as its API lists them (abandoned checkouts left out)."""
        store: Any = self.sandbox.emulator(STORE)
        return [o for o in store.records()["Order"] if o["OrderStatusID"] != NOT_COMPLETED]

    def run(self, **params: Any) -> dict[str, Any]:
        self.sage.reset_counts()
        return gl_postings(source=STORE, target=SAGE, **params)


@pytest.fixture(scope="module")
def gl(tmp_path_factory: pytest.TempPathFactory, prefect_server: None) -> Iterator[GL]:
    mp = pytest.MonkeyPatch()
    pair = GL(tmp_path_factory.mktemp("gl"), mp)
    try:
        yield pair
    finally:
        pair.sandbox.stop()
        mp.undo()


def expected(gl: GL, day: dt.date) -> dict[str, Decimal]:
    """The day's sums per kind from the seed world (placed orders' approved transactions),
    with the fees of the mapping's schedule for gateway 1."""
    business = BusinessDay(STORE, day, NY)
    fee = load_accounts().gateways[STORE]["1"]
    out = {"sales": Decimal(0), "refunds": Decimal(0), "fees": Decimal(0)}
    for o in gl.sandbox.world.orders:
        if o.status_id == NOT_COMPLETED:  # abandoned checkouts are no orders of the store's API
            continue
        for t in o.transactions:
            if t.approved and t.kind in KIND and business.holds(t.at):
                out[KIND[t.kind]] += t.amount
                if KIND[t.kind] == "sales":
                    out["fees"] += fee.fee(t.amount, 2)
    return out


def by_account(rows: list[dict[str, Any]]) -> dict[str, Decimal]:
    """Net amount (debits positive) per account of GLJED rows."""
    out: dict[str, Decimal] = {}
    for r in rows:
        account = str(r["ACCTID"]).strip()
        out[account] = out.get(account, Decimal(0)) + Decimal(str(r["TRANSAMT"]))
    return out


def test_yesterday_is_posted_once_balanced_and_a_second_run_writes_nothing(gl: GL) -> None:
    day = dt.date(2026, 11, 21)  # yesterday in New York on the business clock
    want = expected(gl, day)
    assert want["sales"] > 0
    first = gl.run()
    assert (first["day"], first["status"], gl.posts()) == ("2026-11-21", "created", 1)
    (batch,) = gl.batches(day)
    assert first["batch_number"] == batch["BATCHID"]
    net = by_account(gl.details(batch["BATCHID"]))
    assert sum(net.values()) == 0  # debits = credits
    assert net == {
        "1030": want["sales"] - want["refunds"] - want["fees"],  # Shift4 clearing
        "4000": -want["sales"],
        **({"4050": want["refunds"]} if want["refunds"] else {}),
        "6120": want["fees"],
    }
    assert Decimal(str(batch["DEBITTOT"])) == want["sales"] + want["refunds"] + want["fees"]
    assert first["payments_counted"] > 0
    assert first["skipped"]["authorization"] > 0
    again = gl.run(day="2026-11-21")
    assert (again["status"], again["batch_number"], gl.posts()) == (
        "unchanged",
        batch["BATCHID"],
        0,
    )
    assert len(gl.batches(day)) == 1
    assert not again.get("differs")
    state = StateStore(f"sqlite:///{gl.state_path}")
    try:
        bound = state.lookup(STORE, BINDING_ENTITY, "2026-11-21", SAGE, TARGET_ENTITY)
    finally:
        state.dispose()
    assert bound is not None
    assert bound.target_id == batch["BATCHID"]


def test_a_5xx_around_the_post_never_makes_a_second_batch(
    gl: GL, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = dt.date(2026, 11, 20)  # with a refund
    real = Sage300Client.create
    faults = [  # the first POST fails before Sage applies it, the second after
        FaultConfig(server_error_share=1, after_apply_share=0),
        FaultConfig(server_error_share=1, after_apply_share=1),
    ]

    def flaky(self: Sage300Client, resource: str, payload: Any) -> dict[str, Any]:
        if faults:
            gl.sage.set_faults(faults.pop(0))
        try:
            return real(self, resource, payload)
        finally:
            gl.sage.set_faults(FaultConfig())

    monkeypatch.setattr(Sage300Client, "create", flaky)
    run = gl.run(day=day.isoformat())
    (batch,) = gl.batches(day)
    assert (run["status"], run["batch_number"], gl.posts()) == ("created", batch["BATCHID"], 2)
    want = expected(gl, day)
    assert want["refunds"] > 0
    assert by_account(gl.details(batch["BATCHID"]))["4050"] == want["refunds"]
    assert gl.run(day=day.isoformat())["status"] == "unchanged"
    # an accountant corrects the fee entry in Sage: the next run reports it, and writes nothing
    gl.sage.execute(
        "UPDATE GLJED SET TRANSAMT = TRANSAMT * 2, SCURNAMT = SCURNAMT * 2 "
        "WHERE BATCHNBR = ? AND JOURNALID = '00003'",
        (batch["BATCHID"],),
    )
    changed = gl.run(day=day.isoformat())
    assert (changed["status"], changed.get("differs"), gl.posts()) == ("unchanged", True, 0)
    assert len(gl.batches(day)) == 1


def test_a_day_without_payments_posts_nothing_unfinished_and_unreadable_days_are_refused(
    gl: GL, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = len(gl.sage.rows("GLBCTL"))
    early = "2026-08-24"  # the day before the seed's first order: every order changed since
    # two of them (seed defects: a line of quantity 0) cannot be read, so their payments could
    # be missing: the day is refused, naming them, until the merchant decides
    with pytest.raises(GLError, match=r"2 order\(s\) of shift4shop could not be read \(\d+, \d+\)"):
        gl.run(day=early)
    monkeypatch.setenv("STOREBRIDGE_GL_POSTINGS_ALLOW_UNREADABLE_ORDERS", "true")
    run = gl.run(day=early)
    assert (run["status"], run["payments_counted"], gl.posts()) == ("empty", 0, 0)
    assert (run["orders_read"], run["unreadable_orders"]) == (len(gl.orders()), 2)
    with pytest.raises(GLError, match="not over yet in America/New_York"):
        gl.run(day="2026-11-22")  # today in New York
    assert len(gl.sage.rows("GLBCTL")) == before
