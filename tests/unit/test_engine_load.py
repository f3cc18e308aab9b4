"""The engine's load side: `prepare` (skip unchanged by hash, dead-letter `validate` failures
before any write), `record` (bindings, dead letters and resolutions in ONE `record_batch`),
`echo_guards` (never over a binding the other side owns, nor one of another record) and the
run summary."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.records import Failure
from connectors.state import BatchRecord, BindRequest, DeadLetterStatus, StateStore
from flows import engine, reports
from flows.ports import LoadResult, Outcome, Status, failed, written
from flows.usecases import CUSTOMERS, ORDER_TO_CASH, UseCase
from tests.unit.engine_fakes import NOW, FakeTarget, new_store, order, settings
from transforms.canonical import Customer, Entity, ExternalRef, content_hash

FLOW = "order-to-cash:shift4shop->salesforce"


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StateStore]:
    monkeypatch.chdir(tmp_path)
    store = new_store(tmp_path)
    yield store
    store.dispose()


def o2c_plan(state: StateStore) -> engine.Plan:
    return engine.make_plan(
        ORDER_TO_CASH,
        state,
        settings(),
        source="shift4shop",
        target="salesforce",
        ids=["x"],
        now=NOW,
    )


def bind(state: StateStore, oid: str, target_id: str, payload_hash: str | None) -> None:
    state.bind("shift4shop", "order", oid, "salesforce", "Order", target_id, payload_hash)


def test_prepare_skips_unchanged_records_and_refuses_before_any_write(state: StateStore) -> None:
    target = FakeTarget(
        refuse={"1004": "lines.0.sku 'SB-X' has no PricebookEntry"}, unmappable=["1005"]
    )
    same, changed, new, refused, unmappable, crm = (
        order("1001"),
        order("1002"),
        order("1003"),
        order("1004"),
        order("1005"),
        order("1006"),
    )
    bind(state, "1001", "801-A", content_hash(same))
    bind(state, "1002", "801-B", "an older hash")
    bind(state, "1006", "801-F", None)  # bound without a hash: never "unchanged"

    items, done = engine.prepare(target, state, [same, changed, new, refused, unmappable, crm])

    assert target.loaded == []  # prepare writes nothing
    assert [(i.ref.id, i.creating) for i in items] == [
        ("1002", False),
        ("1003", True),
        ("1006", False),
    ]
    assert items[0].binding is not None
    assert items[0].binding.target_id == "801-B"
    assert all(i.payload_hash == content_hash(i.record) for i in items)
    outcomes = {o.ref.id: o for o in done}
    assert (outcomes["1001"].status, outcomes["1001"].target_id) == (Status.UNCHANGED, "801-A")
    bad = outcomes["1004"].failure
    assert outcomes["1004"].status is Status.FAILED
    assert bad is not None
    assert (bad.error_class, bad.external_id) == ("ValidationError", "1004")
    assert bad.message == "shift4shop:order:1004: lines.0.sku 'SB-X' has no PricebookEntry"
    assert bad.payload["ref"]["id"] == "1004"  # what a replay needs
    unmapped = outcomes["1005"].failure
    assert unmapped is not None
    assert unmapped.error_class == "MappingError"
    assert "has no entry" in unmapped.message


def test_record_writes_a_batch_in_one_transaction(
    state: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    for oid in ("1001", "1003", "1009"):
        state.add_dead_letter(
            flow=FLOW,
            system="shift4shop",
            entity="order",
            external_id=oid,
            error_class="RecordError",
            message="earlier",
        )
    batches: list[BatchRecord] = []
    real = state.record_batch
    monkeypatch.setattr(state, "record_batch", lambda b: batches.append(b) or real(b))
    target = FakeTarget()
    items, done = engine.prepare(target, state, [order("1001"), order("1002")])
    part = BindRequest("shift4shop", "order_line", "1001-1", "salesforce", "OrderItem", "802-1")
    result = target.load(items)
    result.outcomes[0] = dataclasses.replace(result.outcomes[0], binds=(part,))
    result.binds.append(
        BindRequest("shift4shop", "customer", "26", "salesforce", "Contact", "003-26", "h-26")
    )
    refused = failed(
        ExternalRef(system="shift4shop", entity="order", id="1009"),
        "RecordError",
        "Salesforce refused the Order",
    )
    unchanged = Outcome(
        ExternalRef(system="shift4shop", entity="order", id="1003"),
        Status.UNCHANGED,
        "801-1003",
        "h",
    )
    unreadable = Failure(
        "shift4shop", "order", "1010", "DecodeError", "shift4shop:order:1010: number: empty"
    )

    report = engine.record(
        state, o2c_plan(state), target, result, [*done, refused, unchanged], [unreadable], "run-7"
    )

    assert len(batches) == 1
    assert report.counts == {"created": 2, "failed": 1, "unchanged": 1}
    assert [f.external_id for f in report.failures] == ["1010", "1009"]
    found = state.lookup_many(
        "shift4shop", "order", ["1001", "1002", "1003"], "salesforce", "Order"
    )
    assert {k: b.target_id for k, b in found.items()} == {"1001": "801-1001", "1002": "801-1002"}
    assert found["1001"].payload_hash == items[0].payload_hash
    assert state.lookup("shift4shop", "order_line", "1001-1", "salesforce", "OrderItem")
    assert state.lookup("shift4shop", "customer", "26", "salesforce", "Contact")
    letters = {d.external_id: d for d in state.list_dead_letters()}
    assert letters["1001"].status is DeadLetterStatus.RESOLVED
    assert letters["1003"].status is DeadLetterStatus.RESOLVED  # unchanged means loaded
    assert (letters["1009"].status, letters["1009"].attempts) == (DeadLetterStatus.OPEN, 2)
    assert (letters["1010"].flow, letters["1010"].flow_run_id) == (FLOW, "run-7")
    assert report.dead_letter_ids == [letters["1010"].id, letters["1009"].id]


class EchoCodec:
    """Decodes a Contact payload as Salesforce will show it (None: cannot tell)."""

    def decode_written(self, payload: dict[str, Any], target_id: str) -> Customer | None:
        if "Email" not in payload:
            return None
        return Customer(
            ref=ExternalRef(system="salesforce", entity="customer", id=target_id),
            email=payload["Email"],
        )


class EchoHasher:
    binding_entity = "Customer"

    def payload_hash(self, c: Customer) -> str:
        return f"echo:{c.email}"


def customer(cid: str) -> Customer:
    return Customer(
        ref=ExternalRef(system="shift4shop", entity="customer", id=cid), email=f"c{cid}@example.com"
    )


@pytest.fixture
def echo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        engine, "_echo_pair", lambda target, source, entity: (EchoCodec(), EchoHasher())
    )


def test_echo_guards_never_replace_a_foreign_or_owned_binding(
    state: StateStore, echo: None
) -> None:
    p = engine.make_plan(
        CUSTOMERS, state, settings(), source="shift4shop", target="salesforce", ids=["1"], now=NOW
    )
    target = FakeTarget(Entity.CUSTOMER)
    items, _ = engine.prepare(target, state, [customer(str(n)) for n in range(1, 7)])
    outcomes = [written(i, f"003-{i.ref.id}", {"Email": i.record.email}) for i in items]
    outcomes[4] = written(items[4], "003-5", {"LastName": "no e-mail"})  # the codec cannot tell
    outcomes[5] = written(items[5], "003-6", None, echo=customer("6"))  # the record is the echo
    reverse = ("salesforce", "customer")
    state.bind(*reverse, "003-2", "shift4shop", "Customer", "2", None)  # the CRM owns it
    state.bind(*reverse, "003-3", "shift4shop", "Customer", "99", "h")  # another record's
    state.bind(*reverse, "003-4", "shift4shop", "Customer", "4", "echo:old")  # ours, stale

    guards = engine.echo_guards(state, p, outcomes)

    assert guards == [
        BindRequest(
            "salesforce", "customer", "003-1", "shift4shop", "Customer", "1", "echo:c1@example.com"
        ),
        BindRequest(
            "salesforce", "customer", "003-4", "shift4shop", "Customer", "4", "echo:c4@example.com"
        ),
        BindRequest(
            "salesforce", "customer", "003-6", "shift4shop", "Customer", "6", "echo:c6@example.com"
        ),
    ]
    assert all(g.payload_hash is not None for g in guards)
    engine.record(state, p, target, LoadResult(outcomes), [], [], "run-1")
    owned = state.lookup(*reverse, "003-2", "shift4shop", "Customer")
    foreign = state.lookup(*reverse, "003-3", "shift4shop", "Customer")
    assert owned is not None
    assert owned.payload_hash is None
    assert foreign is not None
    assert (foreign.target_id, foreign.payload_hash) == ("99", "h")
    ours = state.lookup(*reverse, "003-4", "shift4shop", "Customer")
    assert ours is not None
    assert ours.payload_hash == "echo:c4@example.com"


def test_only_written_records_of_an_echoing_use_case_get_guards(
    state: StateStore, echo: None
) -> None:
    p = engine.make_plan(
        CUSTOMERS, state, settings(), source="shift4shop", target="salesforce", ids=["1"], now=NOW
    )
    c = customer("1")
    unchanged = Outcome(c.ref, Status.UNCHANGED, "003-1", "h", written={"Email": c.email})
    refused = failed(c.ref, "RecordError", "no")
    assert engine.echo_guards(state, p, [unchanged, refused]) == []
    o2c = o2c_plan(state)
    assert o2c.use_case.echo is Entity.FULFILLMENT
    quiet = engine.make_plan(
        UseCase("quiet", Entity.CUSTOMER, CUSTOMERS.direction, "no echo"),
        state,
        settings(),
        source="shift4shop",
        target="salesforce",
        ids=["1"],
        now=NOW,
    )
    target = FakeTarget(Entity.CUSTOMER)
    items, _ = engine.prepare(target, state, [c])
    assert engine.echo_guards(state, quiet, [written(items[0], "003-1", {"Email": c.email})]) == []


def test_the_registry_supplies_the_echo_codec_and_hasher() -> None:
    codec, hasher = engine._echo_pair("salesforce", "shift4shop", Entity.FULFILLMENT)
    assert type(codec).__name__ == "FulfillmentCodec"
    assert (type(hasher).__name__, hasher.binding_entity) == ("FulfillmentHasher", "Order")
    assert engine._echo_pair("shift4shop", "salesforce", Entity.FULFILLMENT) == (None, None)


def test_the_summary_adds_batches_and_redacts_reasons() -> None:
    summary = reports.RunSummary("order-to-cash", "shift4shop", "salesforce", "window", None, None)
    report = reports.BatchReport(
        counts={"created": 2, "unchanged": 3},
        failures=[
            Failure(
                "shift4shop",
                "order",
                "7",
                "RecordError",
                "shift4shop:order:7: jane.doe@example.com matches 2 Contacts",
            )
        ],
        dead_letter_ids=[41],
        counters={"contacts_matched": 1},
    )
    summary.add(report)
    summary.add(reports.BatchReport(counts={"updated": 1}, counters={"contacts_matched": 2}))
    assert (summary.batches, summary.created, summary.updated, summary.unchanged) == (2, 2, 1, 3)
    assert summary.dead_lettered == 1
    assert summary.dead_letters == [
        {
            "id": 41,
            "record": "shift4shop:order:7",
            "error": "RecordError",
            "reason": "shift4shop:order:7: j***@example.com matches 2 Contacts",
        }
    ]
    assert summary.counters == {"contacts_matched": 3}
    assert summary.as_dict()["created"] == 2
