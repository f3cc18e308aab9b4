"""The Salesforce org emulator's hash indexes (REST API v42.0–v62.0) give the answers a scan
gives: property style, over a few thousand records written, changed, deleted, purged, rolled
back and reloaded in a seeded random order (no timing assertions: only equality of answers).
"""

from __future__ import annotations

import contextlib
import random
from typing import Any

import pytest

from sandbox.salesforce import SalesforceEmulator
from sandbox.salesforce.errors import SfError
from sandbox.salesforce.index import Indexes
from sandbox.salesforce.query import execute
from sandbox.salesforce.schema import SCHEMA
from sandbox.seed import SeedConfig, build_world
from tests.conftest import ANCHOR

KEYS = [f"K-{i}" for i in range(40)]  # few values: many records share one
EMAILS = [f"user{i}@example.com" for i in range(30)]


class _Boom(Exception):
    pass


def _variant(rng: random.Random, value: str) -> str:
    """`value` in a random case: look-ups must match it case-insensitively."""
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in value)


def _contact_body(rng: random.Random, accounts: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {"LastName": f"L{rng.randint(0, 999)}"}
    if rng.random() < 0.8:
        body["Storebridge_Id__c"] = _variant(rng, rng.choice(KEYS))
    if rng.random() < 0.7:
        body["Email"] = _variant(rng, rng.choice(EMAILS))
    if accounts and rng.random() < 0.7:
        body["AccountId"] = rng.choice(accounts)[: rng.choice((15, 18))]  # 15- or 18-char
    return body


def _step(
    emu: SalesforceEmulator, rng: random.Random, accounts: list[str], contacts: list[str]
) -> None:
    roll = rng.random()
    if roll < 0.15 or not accounts:
        accounts.append(emu.dml.create("Account", {"Name": f"A{len(accounts)}"}))
    elif roll < 0.55 or not contacts:
        contacts.append(emu.dml.create("Contact", _contact_body(rng, accounts)))
    elif roll < 0.75:
        emu.dml.update("Contact", rng.choice(contacts), _contact_body(rng, accounts), rest=False)
    elif roll < 0.82:
        emu.dml.delete("Contact", rng.choice(contacts), rest=False)
    elif roll < 0.85:
        emu.dml.delete("Contact", rng.choice(contacts), rest=False, hard=True)
    elif roll < 0.88:
        emu.dml.delete("Account", rng.choice(accounts), rest=False)  # cascades to contacts
    else:
        with contextlib.suppress(_Boom):
            _rolled_back(emu, rng, accounts, contacts)


def _rolled_back(
    emu: SalesforceEmulator, rng: random.Random, accounts: list[str], contacts: list[str]
) -> None:
    """Writes undone by a rollback."""
    with emu.store.atomic():
        emu.dml.create("Contact", _contact_body(rng, accounts))
        emu.dml.update("Contact", rng.choice(contacts), _contact_body(rng, accounts), rest=False)
        raise _Boom


@pytest.fixture(scope="module")
def emu() -> SalesforceEmulator:
    org = SalesforceEmulator(build_world(SeedConfig(anchor=ANCHOR)))
    rng = random.Random(20261123)
    accounts: list[str] = []
    contacts: list[str] = []
    for i in range(4000):
        # deleted or purged targets: the org refuses, as it would
        with contextlib.suppress(SfError):
            _step(org, rng, accounts, contacts)
        if i == 2000:
            org.load(org.dump())  # indexes rebuilt from a snapshot mid-way
    return org


def _both(emu: SalesforceEmulator, fn: Any) -> tuple[Any, Any]:
    emu.store.use_indexes = True
    try:
        indexed = fn()
        emu.store.use_indexes = False
        scanned = fn()
    finally:
        emu.store.use_indexes = True
    return indexed, scanned


def test_the_workload_is_big_and_varied(emu: SalesforceEmulator) -> None:
    live = list(emu.store.rows("Contact"))
    binned = [r for r in emu.store.rows("Contact", deleted=True) if r["IsDeleted"]]
    assert len(live) > 1000
    assert binned  # the recycle bin is exercised too
    assert (
        max(
            len(emu.store.find("Contact", SCHEMA["Contact"].fields["Storebridge_Id__c"], k))
            for k in KEYS
        )
        > 5
    )


def test_maintained_indexes_equal_a_rebuild(emu: SalesforceEmulator) -> None:
    fresh = Indexes(SCHEMA)
    fresh.rebuild(emu.store.tables)
    for name, fields in emu.store.indexes.fields.items():
        names = [f.name for f in fields]
        assert emu.store.indexes.snapshot(name, names) == fresh.snapshot(name, names), name


@pytest.mark.parametrize("field", ["Storebridge_Id__c", "Email", "AccountId", "Id"])
def test_find_gives_what_a_scan_gives(emu: SalesforceEmulator, field: str) -> None:
    f = SCHEMA["Contact"].fields[field]
    rng = random.Random(field)
    rows = list(emu.store.rows("Contact", deleted=True))
    values = [r[field] for r in rng.sample(rows, 60) if r[field]]
    if field in ("AccountId", "Id"):
        values += [v[:15] for v in values] + [v.lower() for v in values]  # 15-char, lower case
    else:
        values += [_variant(rng, v) for v in values] + ["no-such-value"]
    for value in values:
        indexed, scanned = _both(emu, lambda v=value: emu.store.find("Contact", f, v))
        assert [r["Id"] for r in indexed] == [r["Id"] for r in scanned], value
        assert all(not r["IsDeleted"] for r in indexed)


def _soql(emu: SalesforceEmulator, soql: str, deleted: bool) -> Any:
    return execute(emu.store, soql, include_deleted=deleted, version="59.0")


def test_soql_filters_give_what_a_scan_gives(emu: SalesforceEmulator) -> None:
    rng = random.Random(7)
    some = [r for r in emu.store.rows("Contact", deleted=True) if r["AccountId"]][:50]
    account = some[0]["AccountId"]
    queries = [
        f"SELECT Id, Email FROM Contact WHERE Storebridge_Id__c = '{_variant(rng, KEYS[3])}'",
        "SELECT Id FROM Contact WHERE Storebridge_Id__c IN ('K-1', 'k-2', 'K-39', 'none')",
        f"SELECT Id FROM Contact WHERE Email IN ('{EMAILS[0].upper()}', '{EMAILS[5]}')",
        f"SELECT Id FROM Contact WHERE AccountId = '{account[:15]}'",
        f"SELECT Id FROM Contact WHERE AccountId IN ('{account}', '{some[-1]['AccountId']}')"
        f" AND Email != null ORDER BY LastName DESC, Id",
        f"SELECT Id FROM Contact WHERE Id IN ('{some[1]['Id']}', '{some[2]['Id'][:15]}')",
        f"SELECT Id FROM Contact WHERE Storebridge_Id__c = 'K-4' AND Email = '{EMAILS[4]}'",
        "SELECT Id FROM Contact WHERE Storebridge_Id__c = 'K-5' OR Email = 'user5@example.com'",
        "SELECT COUNT() FROM Contact WHERE Storebridge_Id__c IN ('K-6', 'K-7') AND IsDeleted = "
        "true",
        "SELECT Id FROM Contact WHERE Storebridge_Id__c LIKE 'k-1%' LIMIT 7 OFFSET 2",
    ]
    for soql in queries:
        for deleted in (False, True):
            indexed, scanned = _both(emu, lambda q=soql, d=deleted: _soql(emu, q, d))
            assert indexed == scanned, (soql, deleted)
    hits = _soql(emu, queries[1], True)
    assert isinstance(hits, list)
    assert hits  # the check compared real rows, not two empty answers


def test_unique_check_uses_the_index_and_is_case_insensitive(emu: SalesforceEmulator) -> None:
    first = emu.dml.create("Account", {"Name": "Unique", "Storebridge_Id__c": "IDX-UNIQUE"})
    with pytest.raises(SfError) as raised:
        emu.dml.create("Account", {"Name": "Again", "Storebridge_Id__c": "idx-unique"})
    assert raised.value.code == "DUPLICATE_VALUE"
    assert first in raised.value.message
    emu.dml.delete("Account", first)
    # the emulator's rule: only live records hold a unique value (deleted ones are skipped)
    assert emu.dml.create("Account", {"Name": "Again", "Storebridge_Id__c": "idx-unique"})
