"""The duplicate-customer matcher (`transforms.matching`), case by case: a scored match of a new
customer against a back office's customers gives match / review / no-match with the fields that
agreed (names, never values)."""

from __future__ import annotations

from typing import Any

import pytest

from transforms.canonical import Address, Customer, Entity, ExternalRef
from transforms.matching import (
    Decision,
    Verdict,
    blocking_keys,
    load_config,
    normalise_email,
    normalise_phone,
    place,
    probe,
    profile,
    screen,
)

CFG = load_config()
ADA: dict[str, Any] = {
    "email": "ada.chen@example.com",
    "first_name": "Ada",
    "last_name": "Chen",
    "phone": "(217) 555-0142",
    "line1": "12 Oak Street",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62701",
    "country": "US",
}
EXISTING = "sage300:customer:1100"


def person(system: str = "shift4shop", cid: str = "42", **changes: Any) -> Customer:
    d = {**ADA, **changes}
    address = {k: d.pop(k) for k in ("line1", "city", "region", "postal_code", "country")}
    return Customer(
        ref=ExternalRef(system=system, entity=Entity.CUSTOMER, id=cid),  # type: ignore[arg-type]
        billing_address=Address(**address) if any(address.values()) else None,
        **d,
    )


def existing(**changes: Any) -> Customer:
    return person("sage300", "1100", **changes)


def verdict(new: Customer, *others: Customer) -> Verdict:
    return screen(new, list(others) or [existing()], CFG)


def test_the_config_is_data_and_checked() -> None:
    assert CFG.thresholds.match > CFG.thresholds.review
    assert set(CFG.fields["name"]) == {"exact", "swapped", "typo", "initial", "different"}
    with pytest.raises(ValueError, match="review must not be above match"):
        CFG.with_thresholds(match=0.4, review=0.6)
    broken = "prior: 0.01\nthresholds: {match: 0.9, review: 0.5}\nfields: {email: {}}\n"
    with pytest.raises(ValueError, match="fields"):
        load_config(broken)


def test_normalisation_by_the_libraries() -> None:
    assert normalise_email(" Ada.Chen+shop@GoogleMail.com ", CFG) == "adachen@gmail.com"
    assert normalise_email("ada.chen+shop@example.com", CFG) == "ada.chen+shop@example.com"
    assert normalise_email("Ada.Chen-news@yahoo.com", CFG) == "ada.chen@yahoo.com"
    assert normalise_phone("(217) 555-0142", "US") == "+12175550142"
    assert normalise_phone("+1 217 555 0142 ext. 7", "US") == "+12175550142"
    assert normalise_phone("020 7946 0042", "GB") == "+442079460042"
    assert normalise_phone("555-0142-1234", "US") == "#55501421234"  # no plan allows it
    one_line = place(Address(line1="12 Oak Street, Springfield, IL 62701-1234"), CFG)
    assert (one_line.number, one_line.street, one_line.postal_code, one_line.city) == (
        "12",
        "oak st",
        "62701",
        "springfield",
    )


def test_a_changed_email_is_a_match_with_the_fields_that_agreed() -> None:
    v = verdict(person(email="ada.c@fastmail.com", phone="217-555-0142", line1="12 Oak St"))
    assert v.decision is Decision.MATCH
    assert v.best is not None
    assert v.best.candidate == EXISTING
    assert v.best.agreed == ("phone", "name", "street", "postal_code", "country")
    assert v.best.levels["email"] == "different"
    assert v.best.score > CFG.thresholds.match
    findings = v.findings()
    assert findings["rule"] == "customer.duplicate"
    assert findings["agreed"] == list(v.best.agreed)
    text = str(findings)
    assert not any(value in text for value in ("Ada", "Chen", "Oak", "0142", "62701", "ada."))


def test_a_typo_in_the_name_and_the_email_is_a_match() -> None:
    v = verdict(person(first_name="Aad", last_name="Chen", email="ada.chen@exmaple.com"))
    assert v.decision is Decision.MATCH
    assert v.best is not None
    assert (v.best.levels["name"], v.best.levels["email"]) == ("typo", "similar")


def test_a_typo_duplicate_without_phone_or_email_agreement_is_a_review() -> None:
    new = person(last_name="Chne", email="achen.home@example.org", phone=None)
    v = verdict(new)
    assert v.decision is Decision.REVIEW  # the score is high, but only a person links it
    assert v.best is not None
    assert v.best.score >= CFG.thresholds.review
    assert v.best.agreed == ("name", "street", "postal_code", "country")


def test_swapped_names_are_a_match() -> None:
    v = verdict(person(first_name="Chen", last_name="Ada", email="chen.ada@example.net"))
    assert v.decision is Decision.MATCH
    assert v.best is not None
    assert v.best.levels["name"] == "swapped"


def test_a_gmail_variant_is_the_same_mailbox() -> None:
    gmail = existing(email="ada.chen@gmail.com", phone=None)
    v = verdict(person(email="adachen+orders@gmail.com", phone=None, line1=None), gmail)
    assert v.decision is Decision.MATCH
    assert v.best is not None
    assert v.best.levels["email"] == "exact"


def test_a_us_address_on_one_line_compares_with_its_parts() -> None:
    one_line = person(
        email="ada@fastmail.com",
        line1="12 Oak St, Springfield, IL 62701",
        city=None,
        region=None,
        postal_code=None,
        country=None,
    )
    v = verdict(one_line)
    assert v.decision is Decision.MATCH
    assert v.best is not None
    assert {"street", "postal_code"} <= set(v.best.agreed)


def test_a_household_member_is_no_match_even_with_the_shared_phone() -> None:
    v = verdict(person(first_name="Ben", email="ben.chen@example.com"))  # same address, phone
    assert v.decision is Decision.NO_MATCH
    assert v.best is not None
    assert v.best.levels["name"] == "different"


def test_different_people_with_the_same_name_are_no_match() -> None:
    elsewhere = person(
        email="ada.chen77@example.org",
        phone="(303) 555-0199",
        line1="400 Pine Dr",
        city="Denver",
        region="CO",
        postal_code="80202",
    )
    assert verdict(elsewhere).decision is Decision.NO_MATCH
    same_town = person(email="a.chen@example.org", phone="(217) 555-0777", line1="9 Elm St")
    assert verdict(same_town).decision is Decision.NO_MATCH
    # the seed's e-mails differ by their digits only: two people, not a typo
    twin = person(email="ada.chen12@example.com", phone=None, line1="9 Elm St")
    assert verdict(twin, existing(email="ada.chen150@example.com")).decision is Decision.NO_MATCH


def test_two_candidates_at_the_match_level_are_a_review() -> None:
    other = person("sage300", "1105", email="ada.c@example.org")
    v = verdict(person(email="ada@fastmail.com"), existing(), other)
    assert v.decision is Decision.REVIEW
    assert [m.candidate for m in v.matches] == [EXISTING, "sage300:customer:1105"]


def test_blocking_keys_and_the_probe_of_a_batch() -> None:
    keys = blocking_keys(profile(person(), CFG), CFG)
    assert keys == {
        "email:ada.chen@example.com",
        "local:ada.chen",
        "phone:5550142",
        "postal:62701:a",
        "postal:62701:c",
    }
    query = probe(
        [person(), person(cid="43", email=None, phone=None, postal_code="62701-0001")], CFG
    )
    assert query.emails == ("ada.chen@example.com",)
    assert query.locals == ("ada.chen",)
    assert query.phones == ("0142",)
    assert dict(query.postal) == {"62701": ("A", "C")}
    # a candidate sharing no key is not compared at all
    far = existing(email="x@example.org", phone=None, postal_code="80202", city="Denver")
    assert verdict(person(), far).compared == 0


def test_findings_survive_the_dead_letter_redaction_unchanged() -> None:
    from connectors.state.deadletters import redact

    v = verdict(person(email="ada.c@fastmail.com"))
    findings = {**v.findings(), "customer": "shift4shop:customer:42", "target_id": "1100"}
    assert redact(findings) == findings
