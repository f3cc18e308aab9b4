"""The Salesforce order target on its own (the engine's plain functions, no Prefect): the rules
of the load, batch by batch, with the deferred writes finished like a run finishes them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors.records import Failure
from connectors.salesforce import SalesforceClient, SalesforceSettings
from connectors.settings import load_settings
from connectors.state import StateStore
from flows import engine
from flows.ports import Context, LoadResult, Status
from flows.systems.salesforce.orders import OrderTarget
from flows.systems.salesforce.session import Session
from flows.usecases import ORDER_TO_CASH
from sandbox.runner import Sandbox
from sandbox.seed import SeedConfig
from tests.conftest import ANCHOR
from transforms.canonical import Order

T0 = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, Any]]:
    sandbox = Sandbox(
        tmp_path / "sb", systems=["salesforce"], seed=SeedConfig(anchor=ANCHOR)
    ).start()
    state = StateStore(f"sqlite:///{tmp_path / 'state.db'}")
    state.upgrade()
    env = {k.removeprefix("STOREBRIDGE_SALESFORCE_").lower(): v for k, v in sandbox.env().items()}
    yield {"sandbox": sandbox, "state": state, "settings": env}
    sandbox.stop()
    state.dispose()


class Report:
    """What one `load` gave, as ids per status (the engine's outcomes, recorded)."""

    def __init__(self, outcomes: list[Any], counters: dict[str, int]) -> None:
        def ids(status: Status) -> list[str]:
            return sorted(o.ref.id for o in outcomes if o.status is status)

        self.created, self.updated = ids(Status.CREATED), ids(Status.UPDATED)
        self.unchanged = ids(Status.UNCHANGED)
        self.failures: list[Failure] = [o.failure for o in outcomes if o.failure is not None]
        self.counters = counters


class Loader:
    """An OrderTarget driven as `flows.sync.run_sync` drives it, one call per batch."""

    def __init__(self, env: dict[str, Any], **overrides: Any) -> None:
        settings = load_settings(SalesforceSettings, **{**env["settings"], **overrides})
        self.state = env["state"]
        self.target = OrderTarget(
            Context(self.state, "shift4shop", "order-to-cash"), Session(SalesforceClient(settings))
        )
        self.plan = engine.Plan(ORDER_TO_CASH, "shift4shop", "salesforce", "ids")

    def load_orders(self, orders: list[Order]) -> Report:
        items, done = engine.prepare(self.target, self.state, orders)
        result = self.target.load(items) if items else LoadResult()
        result.merge(self.target.finish())
        engine.record(self.state, self.plan, self.target, result, done, (), "test")
        return Report([*done, *result.outcomes], result.counters)


def target(env: dict[str, Any], **overrides: Any) -> Loader:
    return Loader(env, **overrides)


def records(env: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    emulator = env["sandbox"].emulator("salesforce")
    with emulator.lock:
        return emulator.records()[kind]


def order(
    oid: int,
    *,
    email: str = "ada@example.com",
    customer: str = "7",
    city: str = "Austin",
    lines: tuple[tuple[str, int], ...] = (("SB-TEE-001", 1),),
    status: str = "processing",
    at: dt.datetime = T0,
) -> Order:
    ref = {"system": "shift4shop"}
    return Order.model_validate(
        {
            "ref": {**ref, "entity": "order", "id": str(oid)},
            "number": str(oid),
            "status": status,
            "placed_at": at,
            "updated_at": at,
            "currency": "USD",
            "customer": {
                "ref": {**ref, "entity": "customer", "id": customer},
                "email": email,
                "first_name": "Ada",
                "last_name": "Ito",
                "updated_at": at,
                "billing_address": {"city": city, "country": "US"},
            },
            "lines": [
                {
                    "ref": {**ref, "entity": "order_line", "id": f"{oid}-{i}"},
                    "sku": sku,
                    "quantity": qty,
                    "unit_price": {"amount": "10.00", "currency": "USD"},
                }
                for i, (sku, qty) in enumerate(lines)
            ],
            "total": {"amount": str(Decimal(10) * sum(q for _, q in lines)), "currency": "USD"},
        }
    )


def contacts(env: dict[str, Any], email: str) -> list[dict[str, Any]]:
    return [c for c in records(env, "Contact") if c["Email"] == email]


def account_of(env: dict[str, Any], email: str) -> dict[str, Any]:
    (contact,) = contacts(env, email)
    return next(a for a in records(env, "Account") if a["Id"] == contact["AccountId"])


def test_guest_and_registered_checkouts_of_one_email_share_one_contact(env: dict[str, Any]) -> None:
    report = target(env).load_orders(
        [
            order(1, customer="7"),
            order(2, customer="guest:ada@example.com"),
            order(3, customer="7"),
        ]
    )
    assert sorted(report.created) == ["1", "2", "3"]
    assert len(contacts(env, "ada@example.com")) == 1
    orders = records(env, "Order")
    assert len({o["AccountId"] for o in orders}) == 1


def test_newer_details_refresh_the_customer_and_older_ones_never_roll_back(
    env: dict[str, Any],
) -> None:
    t = target(env)
    t.load_orders([order(1, city="Austin", at=T0)])
    t.load_orders([order(2, city="Denver", at=T0 + dt.timedelta(days=1))])
    assert account_of(env, "ada@example.com")["BillingCity"] == "Denver"
    t.load_orders(
        [order(3, city="Boston", at=T0 - dt.timedelta(days=5))]
    )  # an old order, read late
    assert account_of(env, "ada@example.com")["BillingCity"] == "Denver"
    assert len(contacts(env, "ada@example.com")) == 1


def test_contacts_the_crm_owns_are_matched_and_left_alone(env: dict[str, Any]) -> None:
    crm = env["sandbox"].world.crm_contacts[0]
    before = account_of(env, crm.email)
    report = target(env).load_orders([order(1, email=crm.email, customer="55", city="Nowhere")])
    assert report.created == ["1"]
    assert report.counters["contacts_matched"] == 1
    assert account_of(env, crm.email) == before
    assert len(contacts(env, crm.email)) == 1


def items_of(env: dict[str, Any], oid: int) -> dict[str, float]:
    order_id = next(
        o["Id"]
        for o in records(env, "Order")
        if o["Storebridge_Id__c"] == f"shift4shop:order:{oid}"
    )
    codes = {
        e["Id"]: p["ProductCode"]
        for e in records(env, "PricebookEntry")
        for p in records(env, "Product2")
        if p["Id"] == e["Product2Id"]
    }
    return {
        codes[i["PricebookEntryId"]]: i["Quantity"]
        for i in records(env, "OrderItem")
        if i["OrderId"] == order_id
    }


def test_changed_lines_are_updated_replaced_and_removed(env: dict[str, Any]) -> None:
    t = target(env)
    t.load_orders([order(1, lines=(("SB-TEE-001", 1), ("SB-MUG-002", 2)), at=T0)])
    assert items_of(env, 1) == {"SB-TEE-001": 1, "SB-MUG-002": 2}
    # line 0 changes quantity, line 1 changes SKU, and a third line goes away later
    report = t.load_orders(
        [order(1, lines=(("SB-TEE-001", 3), ("SB-CAP-003", 1)), at=T0 + dt.timedelta(hours=1))]
    )
    assert report.updated == ["1"]
    assert items_of(env, 1) == {"SB-TEE-001": 3, "SB-CAP-003": 1}
    t.load_orders([order(1, lines=(("SB-TEE-001", 3),), at=T0 + dt.timedelta(hours=2))])
    assert items_of(env, 1) == {"SB-TEE-001": 3}


def test_activated_orders_are_reopened_to_change_items_and_activated_again(
    env: dict[str, Any],
) -> None:
    t = target(env)
    t.load_orders([order(1, status="shipped", at=T0)])
    (sf_order,) = records(env, "Order")
    assert sf_order["Status"] == "Activated"
    t.load_orders(
        [order(1, status="shipped", lines=(("SB-TEE-001", 5),), at=T0 + dt.timedelta(hours=1))]
    )
    (sf_order,) = records(env, "Order")
    assert sf_order["Status"] == "Activated"
    assert items_of(env, 1) == {"SB-TEE-001": 5}


def test_status_map_is_configuration(env: dict[str, Any]) -> None:
    t = target(env, order_status_map={"shipped": "Draft"})
    t.load_orders([order(1, status="shipped")])
    (sf_order,) = records(env, "Order")
    assert sf_order["Status"] == "Draft"


def test_unchanged_orders_cost_no_api_call(env: dict[str, Any]) -> None:
    t = target(env)
    t.load_orders([order(1), order(2)])
    emulator = env["sandbox"].emulator("salesforce")
    before = emulator.count()
    report = t.load_orders([order(1), order(2)])
    assert report.unchanged == ["1", "2"]
    assert emulator.count() == before


def test_a_replaced_item_that_cannot_be_deleted_fails_its_order_only(
    env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sandbox.salesforce.errors import dml
    from sandbox.salesforce.rules import Rules

    t = target(env)
    t.load_orders([order(1, lines=(("SB-TEE-001", 1),), at=T0), order(2, email="bo@example.com")])
    real = Rules.before_delete

    def locked(self: Rules, sobject: str, rec: dict[str, Any]) -> None:
        if sobject == "OrderItem":
            raise dml("ENTITY_IS_LOCKED", "unable to obtain exclusive access to this record")
        real(self, sobject, rec)

    monkeypatch.setattr(Rules, "before_delete", locked)
    later = T0 + dt.timedelta(hours=1)
    report = t.load_orders(
        [
            order(1, lines=(("SB-MUG-002", 1),), at=later),  # SKU changed: needs a delete
            order(2, email="bo@example.com", lines=(("SB-TEE-001", 4),), at=later),
        ]
    )
    assert report.updated == ["2"]
    (failure,) = report.failures
    assert failure.external_id == "1"
    assert "could not delete a replaced OrderItem: ENTITY_IS_LOCKED" in failure.message
    # the line keeps its old item: the replacement upsert (same external id) cannot change a
    # create-only PricebookEntryId, so nothing is written over it
    assert items_of(env, 1) == {"SB-TEE-001": 1}
    assert items_of(env, 2) == {"SB-TEE-001": 4}


def test_a_lost_answer_to_an_applied_item_create_is_not_a_dead_letter(
    env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The retry of an applied create refuses the create-only fields; it is sent again
    without them, once, and the order loads (reliability bar #20)."""
    from connectors.salesforce import writer
    from connectors.salesforce.models import SaveResult

    lost = SaveResult.model_validate(
        {
            "success": False,
            "errors": [
                {
                    "statusCode": "INVALID_FIELD_FOR_INSERT_UPDATE",
                    "message": "Unable to create/update fields: PricebookEntryId",
                    "fields": ["PricebookEntryId"],
                }
            ],
        }
    )
    real = writer._results
    refused_once: set[Any] = set()

    def answer_lost(response: Any, writes: list[Any]) -> dict[Any, SaveResult]:
        answered = real(response, writes)
        for key in list(answered):
            if key[0] == "OrderItem" and "#again" not in key[1] and key not in refused_once:
                refused_once.add(key)
                answered[key] = lost
        return answered

    monkeypatch.setattr(writer, "_results", answer_lost)
    report = target(env).load_orders([order(1, lines=(("SB-TEE-001", 2),))])
    assert not report.failures, [f.message for f in report.failures]
    assert report.created == ["1"]
    assert not report.failures
    assert refused_once
    assert items_of(env, 1) == {"SB-TEE-001": 2}


def test_an_order_whose_item_is_refused_is_not_left_activated(
    env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The status goes in the same packed stream right after the items; if an item was
    refused after all, the order is set back to Draft and dead-lettered."""
    from connectors.salesforce import writer
    from connectors.salesforce.models import SaveResult

    refused = SaveResult.model_validate(
        {
            "success": False,
            "errors": [
                {"statusCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION", "message": "no such thing"}
            ],
        }
    )
    real = writer._results

    def refuse_items(response: Any, writes: list[Any]) -> dict[Any, SaveResult]:
        answered = real(response, writes)
        return {k: refused if k[0] == "OrderItem" else r for k, r in answered.items()}

    monkeypatch.setattr(writer, "_results", refuse_items)
    report = target(env).load_orders([order(1, status="shipped")])
    (failure,) = report.failures
    assert "Salesforce refused OrderItem" in failure.message
    (sf_order,) = records(env, "Order")
    assert sf_order["Status"] == "Draft"


def test_a_customer_changed_on_two_orders_of_one_batch_is_written_once(
    env: dict[str, Any],
) -> None:
    t = target(env)
    t.load_orders([order(1, city="Austin", at=T0)])
    emulator = env["sandbox"].emulator("salesforce")
    before = emulator.count("POST /services/data/v{version}/composite")
    t.load_orders(
        [
            order(2, city="Denver", at=T0 + dt.timedelta(days=1)),
            order(3, city="Boston", at=T0 + dt.timedelta(days=2)),
        ]
    )
    assert account_of(env, "ada@example.com")["BillingCity"] == "Boston"
    # one call for customer, orders and items, one for the two activations (sent once their
    # items answered): a customer written per order would need more
    assert emulator.count("POST /services/data/v{version}/composite") - before == 2
