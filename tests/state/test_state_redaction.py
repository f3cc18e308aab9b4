"""Dead-letter payloads through the real `connectors.http.redaction` (not the test stand-in)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from connectors.state import StateStore
from connectors.state.models import DeadLetterRow

CARD = "4111111111111111"
EMAIL = "jane.doe@example.com"


def test_card_number_and_email_are_not_stored_in_clear(store: StateStore) -> None:
    pytest.importorskip(
        "connectors.http.redaction", reason="connectors.http.redaction is not written yet"
    )
    letter = store.add_dead_letter(
        flow="order-to-cash",
        system="shift4shop",
        entity="order",
        external_id="100",
        error_class="RecordError",
        message="order 100: payment declined",
        payload={"id": 100, "card_number": CARD, "billing": {"card": CARD, "email": EMAIL}},
    )
    with store.engine.connect() as connection:
        stored = json.dumps(connection.execute(select(DeadLetterRow.payload)).scalar_one())
    assert CARD not in stored
    assert EMAIL not in stored
    assert CARD not in json.dumps(letter.payload)


def test_messages_are_redacted_like_payloads(store: StateStore) -> None:
    letter = store.add_dead_letter(
        flow="customers",
        system="shift4shop",
        entity="customer",
        external_id="714",
        error_class="RecordError",
        message=f"customer.email {EMAIL!r} matches 2 Contacts; card {CARD} on file, "
        "call +1 555 123 4567",
    )
    with store.engine.connect() as connection:
        stored = connection.execute(select(DeadLetterRow.message)).scalar_one()
    for text in (stored, letter.message):
        assert EMAIL not in text
        assert CARD not in text
        assert "555 123 4567" not in text
        assert "j***@example.com" in text  # the domain is kept for support
        assert text.startswith("customer.email ")
