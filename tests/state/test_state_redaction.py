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


ORDER_PAYLOAD = {
    "ref": {"system": "shift4shop", "entity": "order", "id": "1042"},
    "customer": {
        "email": EMAIL,
        "first_name": "Jane",
        "last_name": "Okafor",
        "company": "Okafor & Co",
        "phone": "555-0123-4567",
        "billing_address": {
            "line1": "12 Oak St",
            "city": "Austin",
            "postal_code": "1042",  # a postcode that is also the order's number
            "country": "US",
        },
    },
    "lines": [{"sku": "RETIRED-0042", "name": "Tee #001", "quantity": 0}],
    "note": "leave it with Mrs Okafor next door",
}


def test_the_records_own_people_are_masked_in_message_and_payload(store: StateStore) -> None:
    letter = store.add_dead_letter(
        flow="order-to-cash",
        system="shift4shop",
        entity="order",
        external_id="1042",
        error_class="RecordError",
        message="shift4shop:order:1042: Salesforce refused the Contact: Jane Okafor (Okafor & Co) "
        f"of '12 Oak St': customer.email {EMAIL!r} matches 2 contacts; call 555-0123-4567",
        payload=ORDER_PAYLOAD,
    )
    with store.engine.connect() as connection:
        message, payload = connection.execute(
            select(DeadLetterRow.message, DeadLetterRow.payload)
        ).one()
    stored = json.dumps([message, payload])
    for personal in (EMAIL, "Jane", "Okafor", "12 Oak St", "555-0123-4567"):
        assert personal not in stored
        assert personal not in json.dumps([letter.message, letter.payload])
    # the record, the field and what is wrong stay readable
    assert message.startswith("shift4shop:order:1042: Salesforce refused the Contact: ")
    assert "customer.email 'j***@example.com' matches 2 contacts" in message
    assert payload["ref"]["id"] == "1042"
    assert payload["lines"] == [{"sku": "RETIRED-0042", "name": "Tee #001", "quantity": 0}]
    assert payload["customer"]["billing_address"]["country"] == "US"
    assert payload["customer"]["billing_address"]["city"] == "Austin"


def test_record_redaction_is_stable() -> None:
    from connectors.http.redaction import redact_record

    once = redact_record("shift4shop:order:1042: Jane Okafor refused", ORDER_PAYLOAD)
    assert redact_record(*once) == once
    assert once[0] == "shift4shop:order:1042: *** *** refused"


def test_passwords_in_urls_are_masked_in_any_text() -> None:
    from connectors.http.redaction import redact_text

    text = redact_text("cannot reach postgresql+psycopg://app:s3cr3t@db.example.com:5432/state")
    assert "s3cr3t" not in text
    assert "postgresql+psycopg://app:***@db.example.com:5432/state" in text
