"""SOQL `IN (...)` lists split by URL length, and the org look-ups built on them (price book
entries cached per run, contacts by e-mail), against the org emulator (which answers 414 to a URL
over 16,384 bytes, as the org's front end does)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from urllib.parse import quote_plus

import pytest

from connectors.http import ConnectorError, RecordError
from connectors.salesforce import SalesforceClient, soql
from connectors.salesforce.lookups import Lookups
from sandbox.core import Emulator
from sandbox.runner import Sandbox
from tests.connectors.contract import FakeSleep
from tests.connectors.test_salesforce_contract import settings

QUERY = "GET /services/data/v{version}/query"
TEMPLATE = "SELECT Id, Email FROM Contact WHERE Email IN {values}"
LIMIT = soql.MAX_URL_BYTES - soql.URL_HEADROOM


def long_emails(n: int, tag: str = "x") -> list[str]:
    """E-mail addresses of about 230 characters (real ones reach 254)."""
    return [f"{tag * 200}.{i}@subdomain.example-long-domain.com" for i in range(n)]


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[SalesforceClient]:
    with SalesforceClient(settings(sandbox), sleep=FakeSleep()) as c:
        yield c


@pytest.fixture
def emulator(sandbox: Sandbox) -> Emulator:
    return sandbox.emulator("salesforce")


# --- soql.in_chunks (no server) ------------------------------------------------------------------
def test_long_values_are_split_by_encoded_url_length() -> None:
    values = long_emails(400)
    queries = list(soql.in_chunks(TEMPLATE, [*values, values[3]]))  # a duplicate is dropped
    assert len(queries) > 1
    assert all(len(quote_plus(q)) <= LIMIT for q in queries)
    placed = Counter(v for q in queries for v in values if soql.quote(v) in q)
    assert placed == Counter(values)  # every value exactly once
    order = [v for q in queries for v in values if soql.quote(v) in q]
    assert order == values  # in the order given


def test_many_short_values_are_split_by_count() -> None:
    skus = [f"{i:04d}" for i in range(2_500)]
    queries = list(soql.in_chunks("SELECT Id FROM Product2 WHERE ProductCode IN {values}", skus))
    assert [q.count(",") + 1 for q in queries] == [1_000, 1_000, 500]
    assert all(len(quote_plus(q)) < LIMIT for q in queries)


def test_a_value_too_long_for_any_query_raises() -> None:
    with pytest.raises(ValueError, match="too long for one SOQL query URL"):
        list(soql.in_chunks(TEMPLATE, ["ok@example.com", "y" * LIMIT + "@example.com"]))
    assert list(soql.in_chunks(TEMPLATE, [])) == []


def test_values_are_quoted() -> None:
    (query,) = soql.in_chunks(TEMPLATE, ["o'brien@example.com", "back\\slash@example.com"])
    assert query.endswith("IN ('o\\'brien@example.com','back\\\\slash@example.com')")


# --- against the org ------------------------------------------------------------------------------
def test_chunked_queries_never_meet_the_414(client: SalesforceClient, emulator: Emulator) -> None:
    known = sorted(
        {
            r["Email"].lower()
            for r in client.query("SELECT Email FROM Contact WHERE Email != null LIMIT 3")
        }
    )
    asked = [*long_emails(300), *(e.upper() for e in known)]
    chunks = len(list(soql.in_chunks(TEMPLATE, sorted({e.lower() for e in asked}))))
    before = emulator.count(QUERY)

    found = Lookups(client).contacts_by_email(asked)

    assert emulator.count(QUERY) - before == chunks > 1
    assert sorted(found) == known  # keys are lower-cased e-mails
    # A hundred of them in one query is refused by the front end: the split is what avoids it.
    values = ",".join(soql.quote(e) for e in asked[:100])
    with pytest.raises(ConnectorError) as refused:
        client.query(TEMPLATE.format(values=f"({values})"))
    assert refused.value.status == 414


def test_an_over_long_query_is_a_client_error_not_a_transient_one(
    client: SalesforceClient,
) -> None:
    values = ",".join(soql.quote(e) for e in long_emails(100))
    with pytest.raises(ConnectorError) as refused:
        client.query(TEMPLATE.format(values=f"({values})"))
    assert refused.value.status == 414
    assert isinstance(refused.value, RecordError), type(refused.value).__name__


def test_contacts_sharing_an_email_all_come_back(
    client: SalesforceClient, sandbox: Sandbox
) -> None:
    counts = Counter(c.email.lower() for c in sandbox.world.crm_contacts)
    shared = next(e for e, n in counts.items() if n > 1)
    found = Lookups(client).contacts_by_email([shared.upper(), "nobody@example.invalid"])
    assert list(found) == [shared]
    assert len(found[shared]) == counts[shared]
    assert all(row["AccountId"] for row in found[shared])


def test_contacts_by_email_reads_the_org_each_time(
    client: SalesforceClient, emulator: Emulator
) -> None:
    """Not cached: the customers target remembers what it created itself, and a contact created
    in the org meanwhile must be found by the next look-up."""
    lookups = Lookups(client)
    email = "lookup.later@example.com"
    assert lookups.contacts_by_email([email]) == {}
    client.restful("sobjects/Contact", method="POST", json={"LastName": "Later", "Email": email})
    before = emulator.count(QUERY)
    assert [r["Email"] for r in lookups.contacts_by_email([email])[email]] == [email]
    assert emulator.count(QUERY) - before == 1


def test_price_entries_are_looked_up_once_per_run(
    client: SalesforceClient, emulator: Emulator, sandbox: Sandbox
) -> None:
    skus = [p.sku for p in sandbox.world.products[:3]]
    emulator.add_product("CONTRACT-DUP", "Twin one", "1.00")  # type: ignore[attr-defined]
    emulator.add_product("CONTRACT-DUP", "Twin two", "2.00")  # type: ignore[attr-defined]
    lookups = Lookups(client)
    before = emulator.count(QUERY)

    entries, unknown = lookups.price_entries([*skus, "NO-SUCH-SKU", "CONTRACT-DUP"])
    first = emulator.count(QUERY) - before

    assert first == 2  # the standard price book, then one query for every SKU
    assert set(entries) == set(skus)
    assert all(e.startswith("01u") for e in entries.values())
    assert unknown == {
        "NO-SUCH-SKU": "has no active PricebookEntry (Product2.ProductCode)",
        "CONTRACT-DUP": "matches 2 active PricebookEntries, not 1",
    }
    again = lookups.price_entries([skus[0], "NO-SUCH-SKU"])
    assert emulator.count(QUERY) - before == first  # known and unknown SKUs are both cached
    assert again == ({skus[0]: entries[skus[0]]}, {"NO-SUCH-SKU": unknown["NO-SUCH-SKU"]})
    lower = sandbox.world.products[5].sku.lower()
    more, _ = lookups.price_entries([lower])
    assert list(more) == [lower]  # ProductCode matches ignoring case, keyed as asked
    assert emulator.count(QUERY) - before == first + 1  # no second price-book query
    assert lookups.pricebook()[1] == "Standard Price Book"
