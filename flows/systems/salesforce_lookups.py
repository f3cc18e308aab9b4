"""Salesforce look-ups the order target needs before it writes: customers and price book entries.

Customers are matched before anything is created (reliability bar #2): a binding in the xref
table first, then Contacts with the same e-mail (one → reuse it, several → the order goes to
review as a dead letter, none → create an Account and a Contact, once per e-mail per batch).
Contacts found in the CRM stay CRM-owned (bound without a payload hash, never overwritten);
Accounts/Contacts storebridge created are updated when the shopper's data changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.salesforce import Collections, SalesforceClient, soql_quote
from connectors.salesforce.resources import EXTERNAL_ID_FIELD, SOQL_IN_CHUNK
from connectors.state import Binding, BindRequest, StateStore
from transforms.canonical import Customer
from transforms.mapping import MappingError, apply, load_mapping

SF = "salesforce"
ACCOUNT, CONTACT = "Account", "Contact"


@dataclass(frozen=True)
class CustomerIds:
    account_id: str
    contact_id: str


def key_of(group: Sequence[Customer]) -> str:
    """External id of the records created for a group of keys: a registered id before a guest."""
    return min(group, key=lambda c: (c.is_guest, c.ref.id)).ref.key


def newest(group: Sequence[Customer]) -> Customer:
    """The customer data of the latest order in the group."""
    floor = dt.datetime.min.replace(tzinfo=dt.UTC)
    return max(group, key=lambda c: c.updated_at or floor)


def chunks(values: Sequence[str], size: int = SOQL_IN_CHUNK) -> Iterable[Sequence[str]]:
    """Slices small enough for one SOQL `IN (...)`."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def in_list(values: Iterable[str]) -> str:
    """`('a','b')` with every value quoted for SOQL."""
    return "(" + ",".join(soql_quote(v) for v in values) + ")"


class SalesforceLookups:
    """Resolves customers and SKUs for one run (price book entries are cached per run)."""

    def __init__(self, client: SalesforceClient, collections: Collections, state: StateStore):
        self.client, self.collections, self.state = client, collections, state
        self.account_map = load_mapping("salesforce/account")
        self.contact_map = load_mapping("salesforce/contact")
        self._pricebook: tuple[str, str] | None = None
        self._entries: dict[str, str] = {}
        self._unknown: dict[str, str] = {}

    # --- price book ---------------------------------------------------------------------------
    def pricebook(self) -> tuple[str, str]:
        """(Id, Name) of the org's standard price book."""
        if self._pricebook is None:
            rows = self.client.query(
                "SELECT Id, Name FROM Pricebook2 WHERE IsStandard = true AND IsActive = true "
                "LIMIT 1"
            )
            if not rows:
                raise LookupError("the org has no active standard price book (Pricebook2)")
            self._pricebook = (rows[0]["Id"], rows[0]["Name"])
        return self._pricebook

    def price_entries(self, skus: Iterable[str]) -> tuple[dict[str, str], dict[str, str]]:
        """PricebookEntry Id per SKU (ProductCode), and a reason for each SKU without one."""
        wanted = set(skus)
        todo = sorted(s for s in wanted if s not in self._entries and s not in self._unknown)
        pricebook_id, _ = self.pricebook()
        for chunk in chunks(todo):
            found: dict[str, list[str]] = defaultdict(list)
            for row in self.client.query(  # values are quoted by soql_quote
                "SELECT Id, Product2.ProductCode FROM PricebookEntry WHERE Pricebook2Id = "  # noqa: S608
                f"{soql_quote(pricebook_id)} AND IsActive = true "
                f"AND Product2.ProductCode IN {in_list(chunk)}"
            ):
                found[str(row["Product2"]["ProductCode"]).lower()].append(row["Id"])
            for sku in chunk:
                ids = found.get(sku.lower(), [])
                if len(ids) == 1:
                    self._entries[sku] = ids[0]
                else:
                    self._unknown[sku] = f"matches {len(ids)} active PricebookEntries, not 1"
                    if not ids:
                        self._unknown[sku] = "has no active PricebookEntry (Product2.ProductCode)"
        return (
            {s: self._entries[s] for s in wanted if s in self._entries},
            {s: self._unknown[s] for s in wanted if s in self._unknown},
        )

    # --- customers ----------------------------------------------------------------------------
    def customers(
        self, customers: Sequence[Customer], counters: Counter[str]
    ) -> tuple[dict[str, CustomerIds], dict[str, str]]:
        """Salesforce ids per customer key (`Customer.ref.id`) and a problem per unresolved key."""
        by_key = {c.ref.id: c for c in customers}
        system = customers[0].ref.system
        accounts = self.state.lookup_many(system, "customer", by_key, SF, ACCOUNT)
        contacts = self.state.lookup_many(system, "customer", by_key, SF, CONTACT)
        found = {
            k: CustomerIds(accounts[k].target_id, contacts[k].target_id)
            for k in by_key
            if k in accounts and k in contacts
        }
        problems = self._refresh([(by_key[k], accounts[k]) for k in found], found, counters)
        groups: dict[str, list[Customer]] = defaultdict(list)
        for key, customer in by_key.items():
            if key not in found and customer.email:
                groups[customer.email].append(customer)
        matches = self._contacts_by_email(sorted(groups))
        creates: list[list[Customer]] = []
        for email, group in groups.items():
            hits = matches.get(email, [])
            if len(hits) > 1:
                ids = ", ".join(h["Id"] for h in hits)
                why = (
                    f"customer.email {email!r} matches {len(hits)} Salesforce Contacts ({ids}); "
                    "merge or fix them in Salesforce, then replay"
                )
                problems.update({c.ref.id: why for c in group})
            elif hits and hits[0].get("AccountId"):
                ids_ = CustomerIds(hits[0]["AccountId"], hits[0]["Id"])
                ours = bool(hits[0].get(EXTERNAL_ID_FIELD))  # created by storebridge earlier
                # CRM-owned contacts are bound without a hash and never overwritten; ours with an
                # empty one, so newer details from this key still refresh them.
                self._bind(group, ids_, "" if ours else None)
                found.update({c.ref.id: ids_ for c in group})
                counters["contacts_reused" if ours else "contacts_matched"] += 1
            else:
                creates.append(group)
        made, failed = self._create(creates, counters)
        return found | made, problems | failed

    def _contacts_by_email(self, emails: Sequence[str]) -> dict[str, list[dict[str, str]]]:
        out: dict[str, list[dict[str, str]]] = defaultdict(list)
        for chunk in chunks(emails):
            rows = self.client.query(  # values are quoted by soql_quote
                f"SELECT Id, AccountId, Email, {EXTERNAL_ID_FIELD} FROM Contact "  # noqa: S608
                f"WHERE Email IN {in_list(chunk)}"
            )
            for row in rows:
                out[str(row["Email"]).lower()].append(row)
        return out

    def _account(self, c: Customer, *, creating: bool) -> dict[str, Any]:
        return apply(self.account_map, c, creating=creating)

    def _contact(
        self, c: Customer, *, creating: bool, account_id: str | None = None
    ) -> dict[str, Any]:
        ctx = {"account_id": account_id} if account_id else {}
        return apply(self.contact_map, c, creating=creating, ctx=ctx)

    def customer_hash(self, c: Customer) -> str:
        """Hash of what an update would write (changes → the records are refreshed)."""
        update = [self._account(c, creating=False), self._contact(c, creating=False)]
        data = json.dumps(update, sort_keys=True, default=str)
        return hashlib.sha256(data.encode()).hexdigest()

    def _bind(
        self,
        group: Sequence[Customer],
        ids: CustomerIds,
        payload_hash: str | None,
        as_of: dt.datetime | None = None,
    ) -> None:
        self.state.bind_many(
            [
                BindRequest(
                    c.ref.system, "customer", c.ref.id, SF, obj, target, payload_hash, as_of
                )
                for c in group
                for obj, target in ((ACCOUNT, ids.account_id), (CONTACT, ids.contact_id))
            ]
        )

    def _create(
        self, groups: list[list[Customer]], counters: Counter[str]
    ) -> tuple[dict[str, CustomerIds], dict[str, str]]:
        made: dict[str, CustomerIds] = {}
        problems: dict[str, str] = {}
        ready: list[tuple[list[Customer], Customer, dict[str, Any]]] = []
        for group in groups:
            rep = newest(group)
            try:
                ready.append(
                    (
                        group,
                        rep,
                        {EXTERNAL_ID_FIELD: key_of(group), **self._account(rep, creating=True)},
                    )
                )
            except MappingError as exc:
                problems.update({c.ref.id: str(exc) for c in group})
        results = self.collections.upsert(ACCOUNT, EXTERNAL_ID_FIELD, [r[2] for r in ready])
        contacts: list[tuple[list[Customer], Customer, str, dict[str, Any]]] = []
        for (group, rep, _), res in zip(ready, results, strict=True):
            if not res.success or not res.id:
                problems.update(
                    {c.ref.id: f"Salesforce refused the Account: {res.error_text}" for c in group}
                )
                continue
            counters["accounts_created" if res.created else "accounts_updated"] += 1
            try:
                payload = self._contact(rep, creating=True, account_id=res.id)
            except MappingError as exc:
                problems.update({c.ref.id: str(exc) for c in group})
                continue
            contacts.append((group, rep, res.id, {EXTERNAL_ID_FIELD: key_of(group), **payload}))
        results = self.collections.upsert(CONTACT, EXTERNAL_ID_FIELD, [r[3] for r in contacts])
        for (group, rep, account_id, _), res in zip(contacts, results, strict=True):
            if not res.success or not res.id:
                problems.update(
                    {c.ref.id: f"Salesforce refused the Contact: {res.error_text}" for c in group}
                )
                continue
            counters["contacts_created" if res.created else "contacts_updated"] += 1
            ids = CustomerIds(account_id, res.id)
            self._bind(group, ids, self.customer_hash(rep), rep.updated_at)
            made.update({c.ref.id: ids for c in group})
        return made, problems

    def _refresh(
        self,
        bound: list[tuple[Customer, Binding]],
        found: dict[str, CustomerIds],
        counters: Counter[str],
    ) -> dict[str, str]:
        """Update storebridge-created customers with strictly newer data; CRM-owned ones stay.

        Several keys (a registered id, a guest e-mail) may share one Contact, each seen on other
        orders with other details: the newest details are written, once, and every key sharing
        the Contact is bound to them, so an older order read again never rolls them back.
        """
        latest: dict[str, tuple[Customer, str]] = {}  # contact id -> newest data and its hash
        for customer, binding in bound:
            if binding.payload_hash is None:  # matched in the CRM: Salesforce owns it
                continue
            as_of = customer.updated_at
            if as_of is None or (binding.written_at is not None and as_of <= binding.written_at):
                continue
            new_hash = self.customer_hash(customer)
            contact = found[customer.ref.id].contact_id
            if new_hash != binding.payload_hash and (
                contact not in latest or newest([latest[contact][0], customer]) is customer
            ):
                latest[contact] = (customer, new_hash)
        if not latest:
            return {}
        changed = list(latest.values())
        accounts = self.collections.update(
            ACCOUNT,
            [
                {"Id": found[c.ref.id].account_id, **self._account(c, creating=False)}
                for c, _ in changed
            ],
        )
        contacts = self.collections.update(
            CONTACT,
            [
                {"Id": found[c.ref.id].contact_id, **self._contact(c, creating=False)}
                for c, _ in changed
            ],
        )
        problems: dict[str, str] = {}
        for (customer, new_hash), acc, con in zip(changed, accounts, contacts, strict=True):
            ids = found[customer.ref.id]
            sharing = [c for c, _ in bound if found.get(c.ref.id) == ids]
            if acc.success and con.success:
                self._bind(sharing, ids, new_hash, customer.updated_at)
                counters["customers_refreshed"] += 1
            else:
                why = acc.error_text or con.error_text
                for c in sharing:
                    problems[c.ref.id] = f"Salesforce refused the customer update: {why}"
                    found.pop(c.ref.id, None)
        return problems
