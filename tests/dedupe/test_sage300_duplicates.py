"""Duplicate customers end to end on the sandbox: Shift4Shop -> Sage 300, on the session's Prefect
server.

Sage 300 already has three customers that are typo-duplicates of store customers (the last name
mistyped, another e-mail, no phone, the same street and postal code). A customers run holds the
two store customers as review dead letters instead of creating second customers;
`deadletters resolve --link` binds one to the Sage customer and its replay writes nothing,
`--create` creates the other. In order-to-cash the order of the third is held (its customer
would be created with it), and `--link` enters the order under the existing customer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from connectors.state import DeadLetterKind, DeadLetterStatus, StateStore
from deployments.cli import app
from flows.customers import customers
from flows.dedupe import REVIEW_CLASS
from flows.order_to_cash import order_to_cash
from sandbox.runner import Sandbox
from sandbox.seed import NOT_COMPLETED, SeedConfig, SeedCustomer, current
from tests.conftest import ANCHOR
from tests.leaks import Scanner, scan_state_store, seed_needles

pytestmark = [
    pytest.mark.prefect,
    pytest.mark.usefixtures("prefect_server"),
    pytest.mark.timeout(600),
]
SAGE, STORE = "sage300", "shift4shop"
runner = CliRunner()


def typo(word: str) -> str:
    """The last two letters swapped ("Chen" -> "Chne"), or the last one left out ("Abbot")."""
    return word[:-2] + word[-1] + word[-2] if word[-1] != word[-2] else word[:-1]


def sage_duplicate(number: str, c: SeedCustomer) -> dict[str, Any]:
    """An ARCUS row a person typed for `c` long ago: the last name mistyped, another e-mail."""
    name = f"{c.first_name} {typo(c.last_name)}"
    return {
        "IDCUST": number,
        "NAMECUST": name,
        "NAMECTAC": name,
        "EMAIL2": f"billing{number}@example.org",
        "TEXTSTRE1": c.address,
        "NAMECITY": c.city,
        "CODESTTE": c.state,
        "CODEPSTL": c.zip_code,
        "CODECTRY": c.country,
        "SWACTV": 1,
        "IDGRP": "RTL",
        "CODECURN": "USD",
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, prefect_server: None) -> Iterator[Any]:
    mp = pytest.MonkeyPatch()
    workdir: Path = tmp_path_factory.mktemp("dedupe")
    sandbox = Sandbox(
        workdir / "sandbox", systems=(STORE, SAGE), seed=SeedConfig(anchor=ANCHOR)
    ).start()
    state_path = workdir / "state.db"
    for key, value in {**sandbox.env(), "STOREBRIDGE_STATE_PATH": str(state_path)}.items():
        mp.setenv(key, value)
    seed = sandbox.world
    known = {c.email for c in seed.crm_contacts}
    people = [
        c
        for c in seed.customers
        if c.email not in known and c.country == "US" and len(c.last_name) >= 4
    ]
    by_order = next(
        o
        for o in seed.orders
        if o.customer.customer_id in {c.customer_id for c in people}
        and o.status_id != NOT_COMPLETED
        and not o.defect
        and o.customer.country == "US"
    )
    others = [c for c in people if c.customer_id != by_order.customer.customer_id]
    # the store's current details of two (the customers run), the order's of the third
    linked, created = current(seed, others[0]), current(seed, others[1])
    sage = sandbox.emulator(SAGE)
    with sage.lock, sage.db.transaction():
        for number, c in (("9001", linked), ("9002", created), ("9003", by_order.customer)):
            sage.db.insert("ARCUS", sage_duplicate(number, c))
    yield {
        "sandbox": sandbox,
        "sage": sage,
        "state": StateStore(f"sqlite:///{state_path}"),
        "state_url": f"sqlite:///{state_path}",
        "linked": linked,
        "created": created,
        "order": by_order,
    }
    sandbox.stop()
    mp.undo()


def posts(sage: Any, resource: str) -> int:
    with sage.lock:
        return sum(n for k, n in sage.counts.items() if k.startswith("POST") and resource in k)


def letter_of(state: StateStore, entity: str, record_id: str) -> Any:
    (letter,) = [
        d
        for d in state.list_dead_letters(system=STORE, kind="review")
        if (d.entity, d.external_id) == (entity, record_id)
    ]
    return letter


@pytest.fixture(scope="module")
def held(world: dict[str, Any]) -> dict[str, Any]:
    """The customers run over the two store customers (both typo-duplicates)."""
    sage = world["sage"]
    sage.reset_counts()
    ids = [str(world["linked"].customer_id), str(world["created"].customer_id)]
    summary = customers(source=STORE, target=SAGE, ids=ids)
    return {"summary": summary, "customer_posts": posts(sage, "ARCustomers")}


def test_a_typo_duplicate_becomes_a_review_item_not_a_second_customer(
    held: dict[str, Any], world: dict[str, Any]
) -> None:
    summary = held["summary"]
    assert (summary["created"], summary["dead_lettered"]) == (0, 2)
    assert held["customer_posts"] == 0  # no second customer
    assert summary["counters"]["customers_held_for_review"] == 2
    state = world["state"]
    letter = letter_of(state, "customer", str(world["linked"].customer_id))
    assert (letter.kind, letter.error_class, letter.status) == (
        DeadLetterKind.REVIEW,
        REVIEW_CLASS,
        DeadLetterStatus.OPEN,
    )
    findings = letter.findings
    assert findings["rule"] == "customer.duplicate"
    assert findings["decision"] == "review"
    assert (findings["target"], findings["target_id"]) == (SAGE, "9001")
    assert {"name", "street", "postal_code"} <= set(findings["agreed"])
    assert {"field": "name", "level": "typo"} in findings["candidates"][0]["levels"]
    assert 0.5 <= findings["score"] < 1
    assert "resolve" in letter.message
    assert "9001" in letter.message
    # the other side is there to compare with, masked as stored like the letter's payload
    assert letter.other["ref"] == "sage300:customer:9001"
    assert world["linked"].address not in str(letter.other)
    assert world["linked"].first_name not in str(letter.other)
    scanner = Scanner(seed_needles(world["sandbox"].world))
    scan_state_store(scanner, world["state_url"], "dedupe")
    assert not scanner.hits, scanner.report()


def test_compare_shows_both_records_side_by_side(
    held: dict[str, Any], world: dict[str, Any]
) -> None:
    letter = letter_of(world["state"], "customer", str(world["linked"].customer_id))
    out = runner.invoke(app, ["deadletters", "compare", str(letter.id), "--json"])
    assert out.exit_code == 0, out.output
    shown = json.loads(out.output)
    rows = {r["field"]: r for r in shown["rows"]}
    assert shown["target"] == "sage300:customer:9001"
    assert rows["name"]["level"] == "typo"
    assert rows["street"]["held"] == rows["street"]["target"] == world["linked"].address
    assert rows["email"]["target"] == "billing9001@example.org"


def test_resolve_link_binds_it_and_the_replay_writes_no_customer(
    held: dict[str, Any], world: dict[str, Any]
) -> None:
    state, sage, cid = world["state"], world["sage"], str(world["linked"].customer_id)
    letter = letter_of(state, "customer", cid)
    sage.reset_counts()
    out = runner.invoke(app, ["deadletters", "resolve", str(letter.id), "--link", "9001"])
    assert out.exit_code == 0, out.output
    assert "decided link:9001" in out.output
    assert posts(sage, "ARCustomers") == 0
    binding = state.lookup_many(STORE, "customer", [cid], SAGE, "ARCUS")[cid]
    assert (binding.target_id, binding.payload_hash) == ("9001", None)  # Sage's, never overwritten
    assert state.get_dead_letter(letter.id).status is DeadLetterStatus.RESOLVED
    again = customers(source=STORE, target=SAGE, ids=[cid])  # bound: never screened again
    assert (again["created"], again["dead_lettered"]) == (0, 0)
    assert posts(sage, "ARCustomers") == 0


def test_resolve_create_creates_it_anyway(held: dict[str, Any], world: dict[str, Any]) -> None:
    state, sage, cid = world["state"], world["sage"], str(world["created"].customer_id)
    letter = letter_of(state, "customer", cid)
    sage.reset_counts()
    out = runner.invoke(app, ["deadletters", "resolve", str(letter.id), "--create"])
    assert out.exit_code == 0, out.output
    assert posts(sage, "ARCustomers") == 1
    binding = state.lookup_many(STORE, "customer", [cid], SAGE, "ARCUS")[cid]
    assert binding.target_id not in ("9001", "9002", "9003")
    assert binding.payload_hash  # storebridge's own customer
    assert state.get_dead_letter(letter.id).status is DeadLetterStatus.RESOLVED


def test_resolve_refuses_what_is_no_review_item(world: dict[str, Any]) -> None:
    error = world["state"].add_dead_letter(
        flow=f"customers:{STORE}->{SAGE}",
        system=STORE,
        entity="customer",
        external_id="999999",
        error_class="RecordError",
        message="shift4shop:customer:999999: refused",
    )
    out = runner.invoke(app, ["deadletters", "resolve", str(error.id), "--link", "9001"])
    assert out.exit_code == 2
    assert "not a review item" in out.output


def test_an_order_whose_customer_may_be_a_duplicate_is_held_then_entered_under_the_link(
    held: dict[str, Any], world: dict[str, Any]
) -> None:
    state, sage, order = world["state"], world["sage"], world["order"]
    sage.reset_counts()
    summary = order_to_cash(source=STORE, target=SAGE, ids=[str(order.order_id)])
    assert (summary["created"], summary["dead_lettered"]) == (0, 1)
    assert posts(sage, "OEOrders") == posts(sage, "ARCustomers") == 0
    letter = letter_of(state, "order", str(order.order_id))
    assert letter.error_class == REVIEW_CLASS
    assert letter.findings["customer"] == f"shift4shop:customer:{order.customer.customer_id}"
    assert letter.findings["target_id"] == "9003"
    out = runner.invoke(app, ["deadletters", "resolve", str(letter.id), "--link", "9003"])
    assert out.exit_code == 0, out.output
    assert (posts(sage, "OEOrders"), posts(sage, "ARCustomers")) == (1, 0)
    (header,) = [r for r in sage.rows("OEORDH") if str(r["CUSTOMER"]).strip() == "9003"]
    assert str(header["REFERENCE"]).strip() == f"storebridge:shift4shop:{order.order_id}"
    assert state.get_dead_letter(letter.id).status is DeadLetterStatus.RESOLVED
