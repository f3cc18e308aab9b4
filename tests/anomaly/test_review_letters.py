"""Review items in the state store (dead letters of kind `review`, the generic hold for a
person's decision) and the anomaly memory, on SQLite."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.records import Failure
from connectors.state import (
    BatchRecord,
    DeadLetterKind,
    DeadLetterStatus,
    Observation,
    Review,
    ReviewDecision,
    StateStore,
)

FLOW = "order-to-cash:shift4shop->salesforce"
T0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
FINDINGS = [{"rule": "order.quantity", "score": 0.9, "reasons": ["a line of 40 units"]}]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    s = StateStore(f"sqlite:///{tmp_path / 'state.db'}")
    s.upgrade()
    yield s
    s.dispose()


def held(store: StateStore, external_id: str = "1042", **extra: object) -> int:
    review = Review(
        "shift4shop",
        "order",
        external_id,
        "AnomalyReview",
        f"shift4shop:order:{external_id}: held for review (order.quantity)",
        {"id": external_id, "customer": {"email": "ada.lovelace@example.com"}},
        findings=FINDINGS,
        **extra,  # type: ignore[arg-type]
    )
    counts = store.record_batch(BatchRecord(FLOW, failures=[review], run_id="run-1"))
    return counts.dead_letter_ids[0]


def test_a_held_record_is_a_review_letter_with_its_findings_and_other_side(
    store: StateStore,
) -> None:
    other = {
        "ref": "salesforce:customer:003A",
        "payload": {"Email": "ada.lovelace@example.com", "LastName": "Lovelace"},
    }
    letter = store.get_dead_letter(held(store, other=other))
    assert (letter.kind, letter.status, letter.error_class) == (
        DeadLetterKind.REVIEW,
        DeadLetterStatus.OPEN,
        "AnomalyReview",
    )
    assert letter.findings == FINDINGS
    assert letter.decision is None
    # both sides are masked as stored (a console re-reads them by ref to compare in clear)
    assert letter.other["ref"] == "salesforce:customer:003A"
    assert "ada.lovelace@example.com" not in str(letter.other)
    assert "Lovelace" not in str(letter.other)
    assert "ada.lovelace@example.com" not in str(letter.payload)
    assert [d.id for d in store.list_dead_letters(kind="review")] == [letter.id]
    assert store.list_dead_letters(kind="error") == []


def test_a_decision_is_kept_and_honoured_until_the_record_loads(store: StateStore) -> None:
    letter_id = held(store)
    assert store.review_decisions(FLOW, "shift4shop", "order", ["1042"]) == {}
    decided = store.decide_review(letter_id, ReviewDecision.ACCEPT, note="looked fine")
    assert (decided.decision, decided.note) == ("accept", "looked fine")
    store.set_dead_letter_status(letter_id, DeadLetterStatus.REPLAYED)
    assert store.review_decisions(FLOW, "shift4shop", "order", ["1042", "9"]) == {"1042": "accept"}
    held(store)  # held again (same letter, one more attempt): the decision stays
    again = store.get_dead_letter(letter_id)
    assert (again.attempts, again.decision, again.kind) == (2, "accept", DeadLetterKind.REVIEW)
    store.record_batch(BatchRecord(FLOW, succeeded=[("shift4shop", "order", "1042")]))
    assert store.get_dead_letter(letter_id).status is DeadLetterStatus.RESOLVED
    assert store.review_decisions(FLOW, "shift4shop", "order", ["1042"]) == {}


def test_decisions_are_checked(store: StateStore) -> None:
    letter_id = held(store)
    assert store.decide_review(letter_id, "link:003A").decision == "link:003A"
    assert store.decide_review(letter_id, "create").decision == "create"
    for wrong in ("link", "accept:1", "maybe"):
        with pytest.raises(ValueError, match=r"link|accept|maybe"):
            store.decide_review(letter_id, wrong)
    error = store.add_dead_letter(
        flow=FLOW,
        system="shift4shop",
        entity="order",
        external_id="9",
        error_class="RecordError",
        message="order 9: unknown SKU",
    )
    with pytest.raises(ValueError, match="not a review item"):
        store.decide_review(error.id, ReviewDecision.ACCEPT)


def test_a_held_record_that_then_fails_is_an_error_again(store: StateStore) -> None:
    letter_id = held(store)
    store.decide_review(letter_id, ReviewDecision.ACCEPT)
    failure = Failure("shift4shop", "order", "1042", "ValidationError", "order 1042: no e-mail")
    store.record_batch(BatchRecord(FLOW, failures=[failure]))
    letter = store.get_dead_letter(letter_id)  # the same open letter
    assert (letter.kind, letter.error_class, letter.findings) == (
        DeadLetterKind.ERROR,
        "ValidationError",
        None,
    )
    assert store.review_decisions(FLOW, "shift4shop", "order", ["1042"]) == {}
    assert store.list_dead_letters(kind="review") == []


def test_memory_is_written_with_its_batch_and_bounded(store: StateStore) -> None:
    rows = [Observation(str(i), {"total": str(i)}, T0 + dt.timedelta(hours=i)) for i in range(6)]
    store.record_batch(BatchRecord(FLOW, memory=rows, memory_keep=4))
    assert [o.external_id for o in store.recent(FLOW, 10)] == ["2", "3", "4", "5"]
    store.remember(FLOW, [Observation("3", {"total": "33"}, T0)], keep=4)  # replaced
    assert store.recall(FLOW, ["3", "0"]) == {"3": Observation("3", {"total": "33"}, T0)}
    assert [o.external_id for o in store.recent(FLOW, 2)] == ["4", "5"]
    assert store.recall("inventory:salesforce->shift4shop", ["3"]) == {}
    assert store.forget(FLOW) == 4
