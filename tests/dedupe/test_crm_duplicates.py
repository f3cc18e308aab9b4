"""The candidate reads of Salesforce (SOQL on Contact) and Dynamics 365 (OData `$filter` on
contacts) on the sandbox: a store customer that a CRM contact duplicates under another e-mail
(the last name mistyped, the same street and postal code) is held for review naming that
contact, and `resolve --link` binds it to the contact's account and contact, creating nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from connectors.state import DeadLetterStatus, StateStore
from deployments.cli import app
from flows.customers import customers
from flows.dedupe import REVIEW_CLASS
from sandbox.runner import Sandbox
from sandbox.seed import SeedConfig, SeedCustomer, current
from tests.conftest import ANCHOR
from tests.dedupe.test_sage300_duplicates import typo

pytestmark = [
    pytest.mark.prefect,
    pytest.mark.usefixtures("prefect_server"),
    pytest.mark.timeout(600),
]
STORE, SF, D365 = "shift4shop", "salesforce", "dynamics365"
runner = CliRunner()


def salesforce_contact(emu: Any, c: SeedCustomer) -> str:
    with emu.lock:
        account = emu.dml.create("Account", {"Name": f"{c.first_name} {typo(c.last_name)}"})
        return str(
            emu.dml.create(
                "Contact",
                {
                    "AccountId": account,
                    "FirstName": c.first_name,
                    "LastName": typo(c.last_name),
                    "Email": "sales.desk@example.org",
                    "MailingStreet": c.address,
                    "MailingCity": c.city,
                    "MailingState": c.state,
                    "MailingPostalCode": c.zip_code,
                    "MailingCountry": c.country,
                },
            )
        )


def dynamics_contact(emu: Any, c: SeedCustomer) -> str:
    from sandbox.dynamics365.schema import TABLES
    from sandbox.dynamics365.writes import Ctx, create

    with emu.lock:
        ctx = Ctx(emu.store)
        name = f"{c.first_name} {typo(c.last_name)}"
        account = create(ctx, TABLES["accounts"], {"name": name})["accountid"]
        row = create(
            ctx,
            TABLES["contacts"],
            {
                "firstname": c.first_name,
                "lastname": typo(c.last_name),
                "emailaddress1": "sales.desk@example.org",
                "address1_line1": c.address,
                "address1_city": c.city,
                "address1_stateorprovince": c.state,
                "address1_postalcode": c.zip_code,
                "address1_country": c.country,
                "parentcustomerid_account@odata.bind": f"/accounts({account})",
            },
        )
        return str(row["contactid"])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, prefect_server: None) -> Iterator[Any]:
    mp = pytest.MonkeyPatch()
    workdir: Path = tmp_path_factory.mktemp("dedupe-crm")
    sandbox = Sandbox(
        workdir / "sandbox", systems=(STORE, SF, D365), seed=SeedConfig(anchor=ANCHOR)
    ).start()
    state_path = workdir / "state.db"
    for key, value in {**sandbox.env(), "STOREBRIDGE_STATE_PATH": str(state_path)}.items():
        mp.setenv(key, value)
    seed = sandbox.world
    known = {c.email for c in seed.crm_contacts}
    people = [
        current(seed, c)
        for c in seed.customers
        if c.email not in known and c.country == "US" and len(c.last_name) >= 4
    ]
    shopper = people[0]
    contacts = {
        SF: salesforce_contact(sandbox.emulator(SF), shopper),
        D365: dynamics_contact(sandbox.emulator(D365), shopper),
    }
    yield {
        "sandbox": sandbox,
        "state": StateStore(f"sqlite:///{state_path}"),
        "shopper": shopper,
        "contacts": contacts,
    }
    sandbox.stop()
    mp.undo()


@pytest.mark.parametrize("crm", [SF, D365])
def test_a_contact_under_another_email_is_a_review_then_a_link(
    world: dict[str, Any], crm: str
) -> None:
    state, cid, contact = world["state"], str(world["shopper"].customer_id), world["contacts"][crm]
    emu = world["sandbox"].emulator(crm)
    emu.reset_counts()
    summary = customers(source=STORE, target=crm, ids=[cid])
    assert (summary["created"], summary["dead_lettered"]) == (0, 1)
    (letter,) = [
        d
        for d in state.list_dead_letters(kind="review")
        if d.flow == f"customers:{STORE}->{crm}" and d.external_id == cid
    ]
    assert letter.error_class == REVIEW_CLASS
    assert (letter.findings["target"], letter.findings["target_id"]) == (crm, contact)
    assert {"name", "street", "postal_code"} <= set(letter.findings["agreed"])
    out = runner.invoke(app, ["deadletters", "resolve", str(letter.id), "--link", contact])
    assert out.exit_code == 0, out.output
    entity = "Contact" if crm == SF else "contact"
    binding = state.lookup_many(STORE, "customer", [cid], crm, entity)[cid]
    assert (binding.target_id, binding.payload_hash) == (contact, None)  # the CRM's own
    assert state.get_dead_letter(letter.id).status is DeadLetterStatus.RESOLVED
    with emu.lock:
        writes = [k for k in emu.counts if k.split(" ", 1)[0] in ("POST", "PATCH")]
    # nothing created: Salesforce wrote no Contact, Dynamics 365 no $batch changeset
    assert not [k for k in writes if "oauth2" not in k and "token" not in k], writes
