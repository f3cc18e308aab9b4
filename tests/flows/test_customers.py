"""customers end to end, both ways: Shift4Shop customers ⇄ Salesforce Contacts.

One scenario per module: the store's customers are synced to the CRM (linked by e-mail first),
then back; a store customer moves, and the CRM corrects a phone number; each change moves once
each way and then stops (writes counted per run).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from connectors.state import DeadLetterStatus
from flows.customers import customers
from tests.conftest import Pair
from tests.flows.sync_helpers import (
    PUT_CUSTOMERS,
    SF,
    STORE,
    back_office_edit,
    measured,
    sf_record,
    store_customer,
    through_now,
)

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_server")]
BACK = {"source": SF, "target": STORE}
NEW_PHONE = "+1 902 555 0199"
MOVED = {
    "BillingAddress1": "7 Harbour Road",
    "BillingCity": "Halifax",
    "BillingState": "NS",
    "BillingZipCode": "B3H 1A1",
    "BillingCountry": "CA",
}


@pytest.fixture(scope="module")
def scenario(
    tmp_path_factory: pytest.TempPathFactory, prefect_server: None
) -> Iterator[dict[str, Any]]:
    mp = pytest.MonkeyPatch()
    mp.setenv("STOREBRIDGE_CUSTOMERS_INITIAL_LOOKBACK_DAYS", "400")
    pair = Pair(tmp_path_factory.mktemp("customers"), mp)
    world = pair.sandbox.world
    held = Counter(c.email for c in world.crm_contacts)
    known = next(c for c in world.customers if held[c.email] == 1)
    twin = next(c for c in world.customers if held[c.email] == 2)
    mine = next(c for c in world.customers if c.email not in held)
    out: dict[str, Any] = {
        "pair": pair,
        "known": known,
        "twin": twin,
        "mine": mine,
        "crm": {c["Id"]: dict(c) for c in pair.records("Contact")},
    }
    out["first"] = measured(customers, pair)
    since = dt.datetime.fromisoformat(out["first"]["since"])
    out["second"] = measured(customers, pair, window_start=since)  # the same records again
    back = {**BACK, "window_start": since, "window_end": through_now()}
    out["back"] = measured(customers, pair, **back)
    out["back_again"] = measured(customers, pair, **back)

    store: Any = pair.sandbox.emulator(STORE)
    store.edit_customer(mine.customer_id, **MOVED)
    store.edit_customer(known.customer_id, BillingAddress1="9 Quay Street", BillingCity="Galway")
    out["moved"] = measured(customers, pair)
    out["moved_back"] = measured(
        customers, pair, **BACK, window_start=since, window_end=through_now()
    )
    out["moved_again"] = measured(customers, pair)

    ext = f"shift4shop:customer:{mine.customer_id}"
    contact = sf_record(pair, "Contact", Storebridge_Id__c=ext)
    out["contact"] = contact
    with back_office_edit(pair) as org:
        org.dml.update("Contact", contact["Id"], {"Phone": NEW_PHONE})
    out["phoned"] = measured(customers, pair, **BACK)
    out["phoned_forward"] = measured(customers, pair)
    out["phoned_again"] = measured(customers, pair, **BACK)
    yield out
    pair.stop()
    mp.undo()


def test_the_first_run_creates_each_unknown_store_customer_once(scenario: dict[str, Any]) -> None:
    pair, first = scenario["pair"], scenario["first"]
    world = pair.sandbox.world
    crm_emails = {c.email for c in world.crm_contacts}
    unknown = [c for c in world.customers if c.email not in crm_emails]
    assert first["read"] == len(world.customers)
    assert first["created"] == len(unknown)
    ours = Counter(
        c["Storebridge_Id__c"] for c in pair.records("Contact") if c.get("Storebridge_Id__c")
    )
    assert set(ours) == {f"shift4shop:customer:{c.customer_id}" for c in unknown}
    assert set(ours.values()) == {1}


def test_the_second_run_writes_nothing(scenario: dict[str, Any]) -> None:
    first, second = scenario["first"], scenario["second"]
    assert second["read"] == first["read"]
    assert (second["created"], second["updated"]) == (0, 0)
    assert second.writes(SF) == 0


def test_the_first_run_back_writes_nothing_to_the_store(scenario: dict[str, Any]) -> None:
    back = scenario["back"]
    ours = scenario["first"]["created"]
    matched = scenario["first"]["unchanged"]  # CRM contacts linked to store customers
    assert back["unchanged"] == ours + matched  # our own writes, and CRM contacts unchanged
    assert back["dead_lettered"] == 0
    assert back.writes(STORE) == 0


def test_the_second_run_back_writes_nothing(scenario: dict[str, Any]) -> None:
    back, again = scenario["back"], scenario["back_again"]
    assert again["read"] == back["read"]
    assert (again["updated"], again["dead_lettered"]) == (0, 0)
    assert again.writes(STORE) == 0


def test_a_store_edit_reaches_salesforce_in_one_run(scenario: dict[str, Any]) -> None:
    pair, moved = scenario["pair"], scenario["moved"]
    assert moved["updated"] == 1
    contact = sf_record(pair, "Contact", Id=scenario["contact"]["Id"])
    assert (
        contact["MailingStreet"],
        contact["MailingCity"],
        contact["MailingState"],
        contact["MailingPostalCode"],
        contact["MailingCountry"],
    ) == ("7 Harbour Road", "Halifax", "NS", "B3H 1A1", "CA")
    account = sf_record(pair, "Account", Id=contact["AccountId"])
    assert account["BillingCity"] == "Halifax"


def test_an_edit_moves_once_each_way_and_then_stops(scenario: dict[str, Any]) -> None:
    runs = [scenario["moved"], scenario["moved_back"], scenario["moved_again"]]
    assert [runs[0].writes(SF), runs[1].writes(STORE), runs[2].writes(SF)] == [1, 0, 0]
    assert runs[1]["read"] >= 1  # the contact just written is read back, as our own echo
    assert runs[1]["updated"] == runs[2]["updated"] == 0


def test_a_phone_corrected_in_salesforce_reaches_the_store_in_one_run(
    scenario: dict[str, Any],
) -> None:
    phoned, mine = scenario["phoned"], scenario["mine"]
    assert phoned["updated"] == 1
    assert phoned.calls(STORE, PUT_CUSTOMERS) == 1
    assert phoned.writes(STORE) == 1
    customer = store_customer(scenario["pair"], mine.customer_id)
    assert customer["BillingPhoneNumber"] == NEW_PHONE
    assert customer["BillingCity"] == "Halifax"  # the store's own fields are left alone


def test_the_phone_moves_once_and_then_stops(scenario: dict[str, Any]) -> None:
    forward, again = scenario["phoned_forward"], scenario["phoned_again"]
    assert forward["read"] >= 1  # the store customer changed: read, and nothing to write
    assert forward.writes(SF) == 0
    assert again.writes(STORE) == 0


def test_a_crm_contact_is_bound_not_duplicated_nor_overwritten(scenario: dict[str, Any]) -> None:
    pair, known = scenario["pair"], scenario["known"]
    (contact,) = [c for c in pair.records("Contact") if c["Email"] == known.email]
    assert scenario["crm"][contact["Id"]] == contact  # after the store customer moved, too
    assert scenario["moved"]["unchanged"] == 1
    binding = pair.state().lookup("shift4shop", "customer", str(known.customer_id), SF, "Contact")
    assert binding is not None
    assert binding.target_id == contact["Id"]
    assert binding.payload_hash is None  # the CRM owns it


def test_an_email_held_by_two_crm_contacts_goes_to_review(scenario: dict[str, Any]) -> None:
    pair, twin = scenario["pair"], scenario["twin"]
    held = [c["Id"] for c in pair.records("Contact") if c["Email"] == twin.email]
    assert len(held) == 2
    assert set(held) <= set(scenario["crm"])  # nothing created for it
    letter = scenario["first"].dead_letter(str(twin.customer_id))
    assert letter["error"] == "CustomerMatchError"
    assert all(contact_id in letter["reason"] for contact_id in held)
    review = pair.state().list_dead_letters(status=DeadLetterStatus.OPEN)
    assert str(twin.customer_id) in {d.external_id for d in review}


def test_ids_read_those_customers_and_dead_letter_unknown_ones(scenario: dict[str, Any]) -> None:
    pair, mine = scenario["pair"], scenario["mine"]
    run = measured(customers, pair, ids=[str(mine.customer_id), "99999"])
    assert (run["mode"], run["read"], run["unchanged"], run["dead_lettered"]) == ("ids", 2, 1, 1)
    letter = run.dead_letter("99999")
    assert letter["error"] == "NotFoundError"
    assert "99999" in letter["reason"]
    assert run.writes(SF) == 0


def test_ids_read_back_those_contacts_and_dead_letter_unknown_ones(
    scenario: dict[str, Any],
) -> None:
    pair, contact = scenario["pair"], scenario["contact"]
    unknown = "003000000000000AAA"
    run = measured(customers, pair, ids=[contact["Id"], unknown], **BACK)
    assert (run["mode"], run["read"], run["unchanged"], run["dead_lettered"]) == ("ids", 2, 1, 1)
    letter = run.dead_letter(unknown)
    assert letter["error"] == "NotFoundError"
    assert unknown in letter["reason"]
    assert run.writes(STORE) == 0
