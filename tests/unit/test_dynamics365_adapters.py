"""Dynamics 365 adapters over a fake Dataverse client: `$batch` packing, changesets, upserts by
alternate key under lost answers, customers linked by e-mail, change capture with delta links."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors.dynamics365 import BatchRequest, BatchResult, ChangePage
from connectors.dynamics365.resources import PRIMARY_KEYS
from connectors.state import StateStore, Window
from flows import engine, registry
from flows.ports import Context, Status
from flows.systems.dynamics365.customers import CustomerSource, CustomerTarget
from flows.systems.dynamics365.fulfilment import FulfilmentSource
from flows.systems.dynamics365.orders import OrderTarget
from flows.systems.dynamics365.session import POLLING, ChangeReader, Session
from flows.usecases import CUSTOMERS, FULFILMENT, ORDER_TO_CASH
from tests.unit.engine_fakes import order_row
from transforms.canonical import Order

NOW = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)
UOM = str(uuid.uuid4())
IN = re.compile(r"PropertyName='(\w+)',PropertyValues=\[([^\]]*)\]")
KEY = re.compile(r"^(\w+)\(storebridge_id='([^']*)'\)$")
BY_ID = re.compile(r"^(\w+)\(([0-9a-f-]{36})\)$")


@dataclass
class Settings:
    price_level: str = "Storebridge Web"
    batch_size: int = 1000


@dataclass
class FakeDataverse:
    """Tables of rows; `$batch` upserts by key; faults on chosen changesets."""

    tables: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    settings: Settings = field(default_factory=Settings)
    batches: list[int] = field(default_factory=list)  # requests per $batch call
    queries: list[str] = field(default_factory=list)
    faults: list[tuple[str, int, bool]] = field(default_factory=list)  # (url part, status, applied)
    tracking: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    version: int = 0

    def add(self, entity_set: str, **row: Any) -> str:
        pk = PRIMARY_KEYS[entity_set]
        rid = str(row.get(pk) or uuid.uuid4())
        row[pk] = rid
        row.setdefault("modifiedon", NOW.isoformat())
        self.tables.setdefault(entity_set, {})[rid] = row
        self.version += 1
        self.tracking.setdefault(entity_set, []).append((self.version, rid))
        return rid

    def rows(self, entity_set: str) -> list[dict[str, Any]]:
        return list(self.tables.get(entity_set, {}).values())

    # --- reads --------------------------------------------------------------------------------
    def query(
        self, entity_set: str, *, select: Sequence[str], **kw: Any
    ) -> Iterator[dict[str, Any]]:
        text = kw.get("filter") or ""
        self.queries.append(f"{entity_set}?{text}")
        rows = self.rows(entity_set)
        if m := IN.search(text):
            wanted = {v.strip("'").lower() for v in m.group(2).split(",")}
            rows = [r for r in rows if str(r.get(m.group(1), "")).lower() in wanted]
        for col, val in re.findall(r"(\w+) eq '([^']*)'", text):
            rows = [r for r in rows if r.get(col) == val]
        yield from (dict(r) for r in rows)

    def get(self, entity_set: str, key: Any, **kw: Any) -> dict[str, Any] | None:
        return next(
            (
                r
                for r in self.rows(entity_set)
                if r.get("storebridge_id") == key.get("storebridge_id")
            ),
            None,
        )

    def changes(
        self, entity_set: str, *, select: Sequence[str], delta_link: str | None = None
    ) -> ChangePage:
        if entity_set not in self.tracking:
            return ChangePage(self.rows(entity_set), [], None, True)
        since = int(delta_link) if delta_link else 0
        ids = list(dict.fromkeys(rid for v, rid in self.tracking[entity_set] if v > since))
        rows = [self.tables[entity_set][i] for i in ids if i in self.tables[entity_set]]
        return ChangePage(rows, [], str(self.version), delta_link is None)

    # --- writes -------------------------------------------------------------------------------
    def batch(
        self, requests: list[BatchRequest], changesets: bool = True, **kw: Any
    ) -> list[BatchResult]:
        self.batches.append(len(requests))
        groups: dict[Any, list[int]] = {}
        for i, r in enumerate(requests):
            groups.setdefault(r.atomic or i, []).append(i)
        out: dict[int, BatchResult] = {}
        for members in groups.values():
            fault = next(
                (f for f in self.faults if any(f[0] in requests[i].url for i in members)), None
            )
            if fault is not None:
                self.faults.remove(fault)
            ids: dict[str, str] = {}
            if fault is None or fault[2]:
                for i in members:
                    ids[str(i)] = self._apply(requests[i], ids)
            for i in members:
                status = fault[1] if fault else 204
                out[i] = BatchResult(
                    requests[i].ref,
                    status,
                    ids.get(str(i)),
                    None,
                    None,
                    "injected" if fault else None,
                )
        return [out[i] for i in range(len(requests))]

    def _apply(self, request: BatchRequest, ids: dict[str, str]) -> str:
        if request.method == "DELETE":
            set_, rid = BY_ID.match(request.url).groups()  # type: ignore[union-attr]
            self.tables[set_].pop(rid, None)
            return rid
        if m := KEY.match(request.url):
            set_, sb = m.groups()
            found = next((r for r in self.rows(set_) if r.get("storebridge_id") == sb), None)
            if found is None:
                return self.add(set_, storebridge_id=sb, **dict(request.body or {}))
            found.update(request.body or {})
            self.version += 1
            self.tracking.setdefault(set_, []).append(
                (self.version, next(k for k, v in self.tables[set_].items() if v is found))
            )
            return next(k for k, v in self.tables[set_].items() if v is found)
        if m := BY_ID.match(request.url):
            set_, rid = m.groups()
            self.tables[set_][rid].update(request.body or {})
            return rid
        return ""  # an action

    def close(self) -> None:
        pass


def world() -> FakeDataverse:
    fake = FakeDataverse()
    fake.add("products", productnumber="SB-CAP-048", statecode=0, _defaultuomid_value=UOM)
    fake.add("pricelevels", name="Storebridge Web")
    fake.add("transactioncurrencies", isocurrencycode="USD")
    return fake


@pytest.fixture(autouse=True)
def registered(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`dynamics365` in the registry (echo guards read its codecs) until the lead adds it."""
    monkeypatch.setitem(registry.SYSTEMS, "dynamics365", "flows.systems.dynamics365:SPEC")
    registry.spec.cache_clear()
    yield
    monkeypatch.undo()
    registry.spec.cache_clear()


@pytest.fixture
def state(tmp_path: Path) -> Iterator[StateStore]:
    store = StateStore(f"sqlite:///{tmp_path / 'state.db'}")
    store.upgrade()
    yield store
    store.dispose()


def shopper_order(
    oid: str, customer: str = "26", email: str = "ann@example.com", **kw: Any
) -> Order:
    row = order_row(oid, **kw)
    row["customer"] = {
        "ref": {"system": "shift4shop", "entity": "customer", "id": customer},
        "email": email,
        "first_name": "Ann",
        "last_name": "Lee",
    }
    return Order.model_validate(row)


def load_all(target: OrderTarget, state: StateStore, orders: list[Order]) -> list[Any]:
    """Load like the engine: prepare against xref, load, finish, record the bindings."""
    plan = engine.Plan(ORDER_TO_CASH, "shift4shop", "dynamics365", "window")
    items, done = engine.prepare(target, state, orders)
    result = target.load(items)
    result.merge(target.finish())
    engine.record(state, plan, target, result, done, [], "run")
    return [*done, *result.outcomes]


def order_target(fake: FakeDataverse, state: StateStore) -> OrderTarget:
    return OrderTarget(Context(state, "shift4shop", "order-to-cash"), Session(fake))


def test_orders_and_their_customers_travel_in_one_batch_call(state: StateStore) -> None:
    fake = world()
    target = order_target(fake, state)
    orders = [
        shopper_order(str(1000 + n), customer=str(n), email=f"c{n}@example.com") for n in range(30)
    ]
    outcomes = load_all(target, state, orders)
    assert [o.status for o in outcomes] == [Status.CREATED] * 30
    # 30 x (account + contact, then order + line + its Submitted state) = 150 requests
    assert fake.batches == [30 * 5]
    assert len(fake.rows("salesorders")) == 30
    assert len(fake.rows("accounts")) == len(fake.rows("contacts")) == 30
    sb_ids = {r["storebridge_id"] for r in fake.rows("salesorders")}
    assert "shift4shop.order.1000" in sb_ids  # no ':' in a key Dataverse must address


def test_batches_never_exceed_the_platform_maximum_and_keep_changesets_whole(
    state: StateStore,
) -> None:
    fake = world()
    target = order_target(fake, state)
    orders = [
        shopper_order(str(5000 + n), customer=str(n), email=f"d{n}@example.com") for n in range(300)
    ]
    load_all(target, state, orders)
    assert sum(fake.batches) == 300 * 5
    assert fake.batches == [999, 501]  # ceil(1500 / 1000) calls: the $batch minimum; the
    # changesets of 2 (customer) and 3 (order) requests are never split, so the first is 999


def test_the_same_orders_again_write_nothing(state: StateStore) -> None:
    fake = world()
    orders = [shopper_order("1001"), shopper_order("1002")]
    load_all(order_target(fake, state), state, orders)
    calls = len(fake.batches)
    again = load_all(order_target(fake, state), state, orders)
    assert [o.status for o in again] == [Status.UNCHANGED] * 2
    assert len(fake.batches) == calls


def test_one_shopper_of_two_orders_is_created_once(state: StateStore) -> None:
    fake = world()
    load_all(order_target(fake, state), state, [shopper_order("1001"), shopper_order("1002")])
    assert len(fake.rows("contacts")) == len(fake.rows("accounts")) == 1
    binds = {r["customerid_account@odata.bind"] for r in fake.rows("salesorders")}
    # both orders name the account being created in the same call, by its alternate key
    assert binds == {"/accounts(storebridge_id='shift4shop.customer.26')"}


@pytest.mark.parametrize("applied", [True, False])
def test_a_lost_answer_is_sent_again_and_never_duplicates(state: StateStore, applied: bool) -> None:
    fake = world()
    fake.faults.append(("salesorders(storebridge_id='shift4shop.order.1001')", 503, applied))
    outcomes = load_all(order_target(fake, state), state, [shopper_order("1001")])
    assert [o.status for o in outcomes] == [Status.CREATED]
    assert len(fake.rows("salesorders")) == 1
    assert len(fake.rows("salesorderdetails")) == 1
    assert len(fake.batches) == 2  # the unit went out again in the same pump


def test_a_refused_order_is_dead_lettered_naming_the_table(state: StateStore) -> None:
    fake = world()
    fake.faults.append(("salesorders(storebridge_id='shift4shop.order.1001')", 400, False))
    (outcome,) = load_all(order_target(fake, state), state, [shopper_order("1001")])
    assert outcome.status is Status.FAILED
    assert outcome.failure is not None
    assert "refused the salesorder: HTTP 400" in outcome.failure.message
    assert "ann@example.com" not in outcome.failure.message


def test_unknown_skus_fail_before_any_write(state: StateStore) -> None:
    fake = world()
    bad = shopper_order("1001")
    bad = bad.model_copy(update={"lines": (bad.lines[0].model_copy(update={"sku": "NOPE-1"}),)})
    (outcome,) = load_all(order_target(fake, state), state, [bad])
    assert outcome.status is Status.FAILED
    assert outcome.failure is not None
    assert outcome.failure.error_class == "UnknownSkuError"
    assert fake.batches == []


def test_a_removed_line_is_deleted_and_a_kept_one_updated(state: StateStore) -> None:
    fake = world()
    two = shopper_order("1001")
    line2 = two.lines[0].model_copy(
        update={"ref": two.lines[0].ref.model_copy(update={"id": "1001-2"})}
    )
    two = two.model_copy(update={"lines": (two.lines[0], line2)})
    load_all(order_target(fake, state), state, [two])
    assert len(fake.rows("salesorderdetails")) == 2
    for row in fake.rows("salesorderdetails"):  # the fake keeps the binds as written
        row["_salesorderid_value"] = fake.rows("salesorders")[0]["salesorderid"]
        row["_productid_value"] = fake.rows("products")[0]["productid"]
    one = two.model_copy(update={"lines": (two.lines[0],), "updated_at": NOW})
    (outcome,) = load_all(order_target(fake, state), state, [one])
    assert outcome.status is Status.UPDATED
    assert [r["storebridge_id"] for r in fake.rows("salesorderdetails")] == [
        "shift4shop.order_line.1001-1"
    ]


def test_a_contact_the_crm_had_is_linked_by_email_not_duplicated(state: StateStore) -> None:
    fake = world()
    account = fake.add("accounts", name="Lee Ltd")
    fake.add("contacts", emailaddress1="ann@example.com", _parentcustomerid_value=account)
    load_all(order_target(fake, state), state, [shopper_order("1001")])
    assert len(fake.rows("contacts")) == 1
    assert len(fake.rows("accounts")) == 1
    (order,) = fake.rows("salesorders")
    assert order["customerid_account@odata.bind"] == f"/accounts({account})"


def test_two_contacts_with_the_email_go_to_review(state: StateStore) -> None:
    fake = world()
    for _ in range(2):
        fake.add("contacts", emailaddress1="ann@example.com", _parentcustomerid_value="x")
    (outcome,) = load_all(order_target(fake, state), state, [shopper_order("1001")])
    assert outcome.status is Status.FAILED
    assert outcome.failure is not None
    assert outcome.failure.error_class == "CustomerMatchError"
    assert "ann@example.com" not in outcome.failure.message


def test_customers_target_creates_then_refreshes_only_on_change(state: StateStore) -> None:
    fake = world()
    target = CustomerTarget(Context(state, "shift4shop", "customers"), Session(fake))
    customer = shopper_order("1").customer
    plan = engine.Plan(CUSTOMERS, "shift4shop", "dynamics365", "window")

    def run(record: Any) -> list[Any]:
        items, done = engine.prepare(target, state, [record])
        result = target.load(items).merge(target.finish())
        engine.record(state, plan, target, result, done, [], "run")
        return [o.status for o in [*done, *result.outcomes]]

    assert run(customer) == [Status.CREATED]
    assert run(customer) == [Status.UNCHANGED]
    moved = customer.model_copy(update={"first_name": "Anne", "updated_at": NOW})
    assert run(moved) == [Status.UPDATED]
    assert fake.rows("contacts")[0]["firstname"] == "Anne"
    assert len(fake.rows("contacts")) == 1


# --- change capture ---------------------------------------------------------------------------
def window(until: dt.datetime, stream: str = "fulfilment:dynamics365->shift4shop") -> Window:
    return Window(stream, since=until - dt.timedelta(days=7), until=until)


def test_the_delta_link_moves_only_when_the_window_commits(state: StateStore) -> None:
    fake = world()
    fake.add("salesorders", storebridge_id="shift4shop.order.1", statecode=0, statuscode=1)
    reader = ChangeReader(Session(fake), state)
    first = window(NOW)
    rows, _ = reader.changed("salesorders", "salesorderid", first)
    assert len(rows) == 1
    assert state.delta_link(f"{first.stream}|salesorders") is None  # not before the commit
    # the run failed: the next one reads the same changes again
    rows, _ = reader.changed("salesorders", "salesorderid", window(NOW + dt.timedelta(hours=1)))
    assert len(rows) == 1
    done = window(NOW + dt.timedelta(hours=2))
    reader.changed("salesorders", "salesorderid", done)
    state.commit_window(done)
    assert (
        reader.changed("salesorders", "salesorderid", window(NOW + dt.timedelta(hours=3)))[0] == []
    )
    fake.add("salesorders", storebridge_id="shift4shop.order.2", statecode=0, statuscode=1)
    rows, _ = reader.changed("salesorders", "salesorderid", window(NOW + dt.timedelta(hours=4)))
    assert [r["storebridge_id"] for r in rows] == ["shift4shop.order.2"]


def test_a_full_read_keeps_only_rows_modified_in_the_window(state: StateStore) -> None:
    fake = world()
    old = (NOW - dt.timedelta(days=30)).isoformat()
    fake.add("salesorders", storebridge_id="shift4shop.order.1", modifiedon=old)
    fake.add("salesorders", storebridge_id="shift4shop.order.2")
    rows, _ = ChangeReader(Session(fake), state).changed("salesorders", "salesorderid", window(NOW))
    assert [r["storebridge_id"] for r in rows] == ["shift4shop.order.2"]


def test_a_table_without_tracking_is_polled_by_modifiedon(state: StateStore) -> None:
    fake = world()
    fake.tables["contacts"] = {}
    reader = ChangeReader(Session(fake), state)
    w = Window("customers:dynamics365->shift4shop", NOW - dt.timedelta(days=1), NOW)
    reader.changed("contacts", "contactid", w)  # no delta link handed out: tracking is off
    state.commit_window(w)
    assert state.delta_link(f"{w.stream}|contacts") == POLLING
    fake.queries.clear()
    reader.changed("contacts", "contactid", Window(w.stream, NOW, NOW + dt.timedelta(hours=1)))
    assert fake.queries
    assert "modifiedon ge" in fake.queries[-1]


def test_incremental_runs_read_tracked_and_backfills_poll(state: StateStore) -> None:
    calls: list[str] = []

    class Probe:
        def read_tracked(self, window: Window, cursor: Any) -> Any:
            calls.append(f"tracked {window.stream}")
            return engine.Page()

        def read_changed(self, since: Any, until: Any, cursor: Any) -> Any:
            calls.append("changed")
            return engine.Page()

    w = window(NOW)
    incremental = engine.Plan(
        FULFILMENT, "dynamics365", "shift4shop", "incremental", w.since, w.until, window=w
    )
    backfill = engine.Plan(FULFILMENT, "dynamics365", "shift4shop", "window", w.since, w.until)
    engine.read(Probe(), incremental, None)  # type: ignore[arg-type]
    engine.read(Probe(), backfill, None)  # type: ignore[arg-type]
    assert calls == [f"tracked {w.stream}", "changed"]


def test_fulfilment_reads_only_this_stores_orders_and_decodes_their_state(
    state: StateStore,
) -> None:
    fake = world()
    fake.add(
        "salesorders",
        storebridge_id="shift4shop.order.1001",
        statecode=3,
        statuscode=100001,
        storebridge_trackingnumber="1Z999",
        storebridge_carrier="UPS",
    )
    fake.add("salesorders", storebridge_id="bigcommerce.order.7", statecode=0, statuscode=1)
    source = FulfilmentSource(Context(state, "shift4shop", "fulfilment"), Session(fake))
    page = source.read_tracked(window(NOW), None)
    (raw,) = page.records
    fulfilment = source.decode(raw)
    assert fulfilment.order.key == "shift4shop:order:1001"
    assert fulfilment.status is not None
    assert fulfilment.status.value == "shipped"
    assert fulfilment.shipments[0].tracking_number == "1Z999"


def test_customer_source_reads_changed_contacts_with_their_account(state: StateStore) -> None:
    fake = world()
    account = fake.add("accounts", name="Lee Ltd")
    fake.add(
        "contacts",
        emailaddress1="ann@example.com",
        firstname="Ann",
        lastname="Lee",
        telephone1="+1 555 0100",
        _parentcustomerid_value=account,
    )
    source = CustomerSource(Context(state, "shift4shop", "customers"), Session(fake))
    page = source.read_tracked(window(NOW, "customers:dynamics365->shift4shop"), None)
    (raw,) = page.records
    customer = source.decode(raw)
    assert customer.email == "ann@example.com"
    assert customer.phone == "+1 555 0100"


def test_money_stays_decimal_in_what_is_written(state: StateStore) -> None:
    fake = world()
    load_all(order_target(fake, state), state, [shopper_order("1001")])
    (line,) = fake.rows("salesorderdetails")
    assert isinstance(line["priceperunit"], Decimal)
    assert not any(isinstance(v, float) for v in line.values())


def test_items_bound_before_are_updated_not_created(state: StateStore) -> None:
    fake = world()
    load_all(order_target(fake, state), state, [shopper_order("1001")])
    changed = shopper_order("1001", coupons=("SAVE5",))
    (outcome,) = load_all(order_target(fake, state), state, [changed])
    assert outcome.status is Status.UPDATED
    assert len(fake.rows("salesorders")) == 1
    assert fake.rows("salesorders")[0]["storebridge_couponcodes"] == "SAVE5"


def test_a_load_task_retried_after_its_call_failed_counts_each_order_once(
    state: StateStore,
) -> None:
    fake = world()
    target = order_target(fake, state)
    # 800 orders: 4,000 requests in four calls; the third fails after it applied, when the
    # second's orders are answered but not yet handed to the engine
    orders = [
        shopper_order(str(7000 + n), customer=str(n), email=f"e{n}@example.com") for n in range(800)
    ]
    real = fake.batch
    calls = {"n": 0}

    def flaky(requests: list[BatchRequest], changesets: bool = True, **kw: Any) -> Any:
        calls["n"] += 1
        answers = real(requests, changesets, **kw)  # applied...
        if calls["n"] == 3:
            raise ConnectionError("answer lost")  # ...but the call fails (retries exhausted)
        return answers

    fake.batch = flaky  # type: ignore[method-assign]
    items, _ = engine.prepare(target, state, orders)
    with pytest.raises(ConnectionError):
        target.load(items)  # the third call goes out while the batch loads
    items, _ = engine.prepare(target, state, orders)  # Prefect runs the task again
    result = target.load(items).merge(target.finish())
    assert sorted(o.ref.id for o in result.outcomes) == sorted(o.ref.id for o in orders)
    assert {o.status for o in result.outcomes} == {Status.CREATED}
    assert len(result.outcomes) == 800
    assert len(fake.rows("salesorders")) == 800
    assert len(fake.rows("contacts")) == 800
