"""The shared screening step (`flows.dedupe.Screen`) with fake candidate reads: one read per
batch, a verdict per e-mail group, review outcomes with findings and the other side masked, and
reviewers' decisions (link, create) honoured on the record's next load."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from connectors.state import Review
from flows import dedupe
from flows.ports import Context, Item, Status
from tests.dedupe.test_matching import existing, person
from transforms.canonical import Entity, ExternalRef
from transforms.matching import Probe

STREAM = "customers:shift4shop->sage300"


class FakeState:
    def __init__(self, decisions: dict[str, str] | None = None) -> None:
        self.decisions = decisions or {}
        self.asked: list[tuple[str, str, str, list[str]]] = []

    def review_decisions(
        self, flow: str, system: str, entity: str, ids: Sequence[str]
    ) -> dict[str, str]:
        self.asked.append((flow, system, entity, list(ids)))
        return {i: self.decisions[i] for i in ids if i in self.decisions}


class Reads:
    """The back office: one customer (1100), read by blocks or by id; counts the reads."""

    def __init__(self) -> None:
        self.rows = [dedupe.Candidate("1100", existing(), {"IDCUST": "1100"})]
        self.probes: list[Probe] = []
        self.by_ids: list[list[str]] = []

    def read(self, probe: Probe, limit: int) -> list[dedupe.Candidate]:
        self.probes.append(probe)
        return self.rows

    def by_id(self, ids: Sequence[str]) -> list[dedupe.Candidate]:
        self.by_ids.append(list(ids))
        return [c for c in self.rows if c.target_id in ids]


def screen_of(state: FakeState) -> dedupe.Screen:
    return dedupe.Screen.of(state, "sage300", Context(state, "shift4shop", "customers"))


def test_one_read_per_batch_and_a_verdict_per_group() -> None:
    state, reads = FakeState(), Reads()
    screen = screen_of(state)
    match = person(cid="1", email="ada.c@fastmail.com")  # same phone, name, address
    maybe = person(cid="2", last_name="Chne", email="x.y@example.org", phone=None)
    other = person(cid="3", first_name="Omar", last_name="Rossi", email="o.rossi@example.org")
    screen.expect((c.ref, c) for c in (match, maybe, other))
    groups = {c.email or "": [c] for c in (match, maybe, other)}
    verdicts = screen.screen(groups, reads.read, reads.by_id)
    assert len(reads.probes) == 1
    assert reads.by_ids == []
    assert {e: v.action for e, v in verdicts.items()} == {
        "ada.c@fastmail.com": "link",
        "x.y@example.org": "review",
        "o.rossi@example.org": "create",
    }
    assert screen.take_counters() == {
        "customers_screened": 3,
        "dedupe_candidates": 1,
        "customers_linked_by_match": 1,
        "customers_held_for_review": 1,
    }
    assert state.asked == [(STREAM, "shift4shop", "customer", ["1", "2", "3"])]
    # the held one fails as a review item: findings, the other side masked
    outcome = screen.failure(Item(maybe, "h", None), maybe, "unused", "RecordError")
    assert outcome.status is Status.FAILED
    review = outcome.failure
    assert isinstance(review, Review)
    assert review.error_class == dedupe.REVIEW_CLASS
    assert review.findings["target_id"] == "1100"
    assert review.findings["customer"] == maybe.ref.key
    assert review.other["ref"] == "sage300:customer:1100"
    assert "Chen" not in str(review.other)
    assert "Oak" not in str(review.other)
    assert "1100" in review.message
    assert "Chne" not in review.message
    # any other unresolved customer fails as before
    plain = screen.failure(Item(other, "h", None), other, "why", "RecordError")
    assert plain.failure is not None
    assert plain.failure.error_class == "RecordError"


def test_decisions_are_honoured_link_create_and_a_gone_link_target() -> None:
    state = FakeState({"1": "link:1100", "2": "create", "3": "link:4711", "4": "accept"})
    reads = Reads()
    screen = screen_of(state)
    c = [person(cid=str(i), email=f"new{i}@example.org") for i in range(1, 5)]
    screen.expect((x.ref, x) for x in c)
    verdicts = screen.screen({x.ref.id: [x] for x in c}, reads.read, reads.by_id)
    assert verdicts["1"].action == "link"
    assert verdicts["1"].candidate is not None
    assert verdicts["1"].candidate.target_id == "1100"
    assert verdicts["2"].action == "create"
    assert verdicts["3"].action == "refuse"
    assert "4711" in verdicts["3"].why
    # "accept" is an anomaly's decision: a possible duplicate is screened again
    assert verdicts["4"].action in ("link", "review")
    assert reads.by_ids == [["1100", "4711"]]
    assert len(reads.probes) == 1  # only customer 4 was screened


def test_in_order_to_cash_the_decision_is_the_orders() -> None:
    state = FakeState({"1042": "link:1100"})
    screen = dedupe.Screen.of(state, "sage300", Context(state, "shift4shop", "order-to-cash"))
    order = ExternalRef(system="shift4shop", entity=Entity.ORDER, id="1042")
    customer = person(cid="7", email="new7@example.org")
    screen.expect([(order, customer)])
    reads = Reads()
    verdicts = screen.screen({"g": [customer]}, reads.read, reads.by_id)
    assert verdicts["g"].action == "link"
    assert state.asked == [("order-to-cash:shift4shop->sage300", "shift4shop", "order", ["1042"])]


def test_screening_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STOREBRIDGE_DEDUPE_ENABLED", "false")
    reads = Reads()
    screen = screen_of(FakeState())
    new = person(cid="1", email="ada.c@fastmail.com")
    screen.expect([(new.ref, new)])
    assert screen.screen({"g": [new]}, reads.read, reads.by_id)["g"].action == "create"
    assert reads.probes == []


def test_packed_queries_and_bounded_rows() -> None:
    clauses = ["a" * 10, "b" * 10, "c" * 10, "d" * 50]
    groups = list(dedupe.packed(clauses, lambda g: sum(map(len, g)) <= 25))
    assert groups == [["a" * 10, "b" * 10], ["c" * 10]]  # "d" fits no query alone: left out
    rows = dedupe.Rows(lambda r: str(r["id"]), limit=3)
    assert rows.add([{"id": 1}, {"id": 2}, {"id": 1}])
    assert not rows.add([{"id": 3}, {"id": 4}])
    assert sorted(rows.rows) == ["1", "2", "3"]
