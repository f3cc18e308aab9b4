"""Dynamics 365 as a target and a source of customers: one account and one contact per shopper.

Link before sync (reliability bar #2), as for Salesforce: a customer storebridge never wrote is
looked up by e-mail first (`emailaddress1`; a guest's key is a keyed hash, never an e-mail, so no
row gets an address as its `storebridge_id`); one matching contact is bound (never duplicated),
two go to review as a dead letter naming them, none means an account and a contact are created
in one atomic changeset, both upserted by the alternate key `storebridge_id` so a retried or
overlapping run updates instead of duplicating. Before a create, the customer is screened for a
duplicate the e-mail missed (`flows.dedupe`: one OData `$filter` on contacts per batch, more only
when the batch's blocks outgrow a filter; `candidates`): a match is linked like an e-mail hit, a
possible duplicate is held as a review dead letter (`storebridge deadletters resolve ID --link
<contactid>` or `--create`). Contacts the CRM already had are bound without a hash: Dynamics
365 owns them and storebridge never overwrites them. Field ownership per direction lives in the
mappings (`transforms/mappings/dynamics365/account.yaml`, `contact.yaml`).

The way back (`CustomerSource`) reads changed contacts through change tracking (`session.
ChangeReader`: the delta link moves with the watermark), `modifiedon` polling when tracking is
off, then the changed contacts with their account in one query per 200.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.records import Page
from connectors.state import Binding, BindRequest, StateStore, Window
from flows import dedupe
from flows.ports import Context, DecodeError, Item, LoadResult, Outcome, Status, not_found
from flows.systems.customers import customer_binds, masked, newest, representative
from flows.systems.dynamics365.session import (
    D365,
    ChangeReader,
    Job,
    Session,
    Tracker,
    Unit,
    by_alt,
    by_id,
    describe,
)
from transforms import dynamics365 as codec
from transforms.canonical import Customer, Entity, digest
from transforms.mapping import MappingError, Symbolic, fingerprint, load_mapping
from transforms.matching import Probe

CustomerCodec = codec.CustomerCodec  # echo suppression (the SPEC names it here)
ACCOUNT, CONTACT = "account", "contact"
ACCOUNTS, CONTACTS = "accounts", "contacts"
CONTACT_COLUMNS = (
    "contactid",
    "firstname",
    "lastname",
    "emailaddress1",
    "telephone1",
    "address1_line1",
    "address1_line2",
    "address1_city",
    "address1_stateorprovince",
    "address1_postalcode",
    "address1_country",
    "address1_composite",
    "storebridge_id",
    "_parentcustomerid_value",
    "modifiedon",
)
ACCOUNT_EXPAND = "parentcustomerid_account($select=accountid,name,storebridge_id)"


class CustomerHasher:
    """What a customer write sends (pure): the update payloads of its account and contact."""

    binding_entity = CONTACT

    def __init__(self) -> None:
        self.fingerprint = fingerprint(
            load_mapping("dynamics365/account"), load_mapping("dynamics365/contact")
        )

    def payload_hash(self, c: Customer) -> str:
        return digest(
            self.fingerprint,
            codec.encode(ACCOUNT, c, creating=False),
            codec.encode(CONTACT, c, creating=False, ctx=Symbolic()),
        )


@dataclass
class Resolved:
    """Where a customer is (or will be): ids, or the key it is being created under."""

    account_id: str | None = None
    contact_id: str | None = None
    ext: str | None = None  # being created under this storebridge key
    deps: tuple[Hashable, ...] = ()  # units an order must wait for
    crm_owned: bool = False  # matched a contact the CRM had before storebridge

    def order_ctx(self) -> dict[str, Any]:
        """The salesorder's customer (`customerid_account@odata.bind`)."""
        if self.account_id:
            return {"customer_account": codec.bind(ACCOUNTS, self.account_id)}
        if self.ext is not None:
            return {"customer_account": codec.bind(ACCOUNTS, {"storebridge_id": self.ext})}
        return {"customer_contact": codec.bind(CONTACTS, self.contact_id or "")}


class Customers:
    """Resolves, links, creates and refreshes customers (shared by orders and customers)."""

    def __init__(self, session: Session, state: StateStore, ctx: Context | None = None) -> None:
        self.session, self.state = session, state
        self.screen = dedupe.Screen.of(state, D365, ctx)  # duplicates before a create
        self.hasher = CustomerHasher()
        self.known: dict[str, Resolved] = {}  # customer id (or "ext:<key>") -> where it is
        self.creating: dict[str, str] = {}  # e-mail -> storebridge key being created this run
        self.groups: dict[str, list[Customer]] = {}
        self.failed: dict[str, str] = {}  # key -> why its creation failed
        self.binds: list[BindRequest] = []
        self.counters: Counter[str] = Counter()

    # --- resolution ---------------------------------------------------------------------------
    def resolve(self, customers: Sequence[Customer]) -> tuple[dict[str, Resolved], dict[str, str]]:
        """Where each customer is; a problem per id that cannot be resolved. Needed writes
        (creates, refreshes) are queued on the session."""
        by_key = {c.ref.id: c for c in customers}
        found: dict[str, Resolved] = {
            k: r for k in by_key if (r := self.known.get(k)) is not None and r.ext is not None
        }
        todo = [k for k in by_key if k not in found]
        if todo:
            system = by_key[todo[0]].ref.system
            accounts = self.state.lookup_many(system, "customer", todo, D365, ACCOUNT)
            contacts = self.state.lookup_many(system, "customer", todo, D365, CONTACT)
            latest: dict[str, tuple[Customer, Binding, Resolved]] = {}
            sharing: dict[str, list[Customer]] = defaultdict(list)
            for k in todo:
                if k in accounts and k in contacts:
                    found[k] = self.known[k] = Resolved(
                        accounts[k].target_id, contacts[k].target_id
                    )
                    contact = found[k].contact_id or ""
                    sharing[contact].append(by_key[k])
                    seen = latest.get(contact)
                    if seen is None or newest([seen[0], by_key[k]]) is by_key[k]:
                        latest[contact] = (by_key[k], contacts[k], found[k])
            for contact, (c, binding, where) in latest.items():
                self._maybe_refresh(c, binding, where, sharing[contact])
        linked, problems = self._link([by_key[k] for k in todo if k not in found])
        found.update(linked)
        return found, problems

    def _link(self, unbound: list[Customer]) -> tuple[dict[str, Resolved], dict[str, str]]:
        groups: dict[str, list[Customer]] = defaultdict(list)
        problems: dict[str, str] = {}
        for c in unbound:
            if c.email:
                groups[c.email.lower()].append(c)
            else:
                problems[c.ref.id] = "customer.email is empty: contacts are matched by e-mail"
        emails = [e for e in groups if e not in self.creating]
        matches: dict[str, list[dict[str, Any]]] = defaultdict(list)
        if emails:
            rows = self.session.rows_where_in(
                CONTACTS,
                "emailaddress1",
                emails,
                ["contactid", "emailaddress1", "storebridge_id", "_parentcustomerid_value"],
            )
            for row in rows:
                matches[str(row.get("emailaddress1") or "").lower()].append(row)
        fresh = {e: g for e, g in groups.items() if e not in self.creating and not matches.get(e)}
        verdicts = self.screen.screen(fresh, self.candidates, self.candidates_by_id)
        self.counters.update(self.screen.take_counters())
        found: dict[str, Resolved] = {}
        for email, group in groups.items():
            hits = matches.get(email, [])
            verdict = verdicts.get(email)
            if email in self.creating:  # created earlier in this run: the same rows
                ext = self.creating[email]
                resolved = self.known.get(f"ext:{ext}") or Resolved(ext=ext)
            elif len(hits) > 1:
                ids = ", ".join(str(h["contactid"]) for h in hits)
                why = (
                    f"customer.email matches {len(hits)} Dynamics 365 contacts ({ids}); "
                    "merge or fix them in Dynamics 365, then replay"
                )
                problems.update({c.ref.id: why for c in group})
                continue
            elif hits and hits[0].get("_parentcustomerid_value"):
                resolved = self._matched(group, hits[0])
            elif verdict is not None and verdict.action == "link" and verdict.candidate:
                if not verdict.candidate.row.get("_parentcustomerid_value"):
                    why = (
                        f"contact {verdict.candidate.target_id} has no parent account (an "
                        "order needs one): give it one in Dynamics 365, then replay"
                    )
                    problems.update({c.ref.id: why for c in group})
                    continue
                resolved = self._matched(group, verdict.candidate.row, counted=False)
            elif verdict is not None and verdict.action in ("review", "refuse"):
                problems.update({c.ref.id: verdict.why for c in group})
                continue
            else:
                try:
                    resolved = self._create(group)
                except MappingError as exc:
                    problems.update({c.ref.id: str(exc) for c in group})
                    continue
            for c in group:
                found[c.ref.id] = self.known[c.ref.id] = resolved
        return found, problems

    def _matched(
        self, group: list[Customer], hit: Mapping[str, Any], *, counted: bool = True
    ) -> Resolved:
        """Link `group` to the contact `hit` (found by e-mail, by a match or by a reviewer)."""
        ours = bool(hit.get("storebridge_id"))
        resolved = Resolved(
            str(hit["_parentcustomerid_value"]), str(hit["contactid"]), crm_owned=not ours
        )
        self._bind(group, resolved, "" if ours else None)
        if counted:  # a link by a match or a reviewer is counted by the screen
            self.counters["contacts_reused" if ours else "contacts_matched"] += 1
        return resolved

    # --- duplicate screening (flows.dedupe) ---------------------------------------------------
    def candidates(self, probe: Probe, limit: int) -> list[dedupe.Candidate]:
        """Contacts sharing a blocking key with `probe`: the blocks OR-ed into as few `$filter`
        queries as the URL limit allows (usually one per batch), at most `limit` rows."""
        from connectors.dynamics365 import resources
        from connectors.dynamics365.odata import encoded_len, odata_literal

        lit = odata_literal
        clauses = [f"emailaddress1 eq {lit(e)}" for e in probe.emails]
        clauses += [f"startswith(emailaddress1,{lit(local + '@')})" for local in probe.locals]
        clauses += [f"startswith(emailaddress1,{lit(local + '+')})" for local in probe.locals]
        clauses += [f"endswith(telephone1,{lit(d)})" for d in probe.phones]
        for prefix, initials in probe.postal.items():
            names = " or ".join(
                f"startswith({f},{lit(i)})" for i in initials for f in ("firstname", "lastname")
            )
            clauses.append(f"(startswith(address1_postalcode,{lit(prefix)}) and ({names}))")
        rows = dedupe.Rows(lambda r: str(r["contactid"]), limit)
        budget = resources.MAX_FILTER_CHARS
        for group in dedupe.packed(clauses, lambda g: encoded_len(" or ".join(g)) <= budget):
            found = self.session.client.query(
                CONTACTS,
                select=list(CONTACT_COLUMNS),
                filter=" or ".join(group),
                expand=ACCOUNT_EXPAND,
            )
            if not rows.add(dict(r) for r in found):
                break
        return self._candidates(rows.rows.values())

    def candidates_by_id(self, ids: Sequence[str]) -> list[dedupe.Candidate]:
        """Contacts by contactid (a reviewer's link)."""
        rows = self.session.rows_where_in(
            CONTACTS, "contactid", ids, CONTACT_COLUMNS, expand=ACCOUNT_EXPAND
        )
        return self._candidates(rows)

    @staticmethod
    def _candidates(rows: Any) -> list[dedupe.Candidate]:
        return dedupe.decoded(rows, codec.decode_customer, lambda r: str(r["contactid"]))

    # --- writes -------------------------------------------------------------------------------
    def _create(self, group: list[Customer]) -> Resolved:
        rep, data = representative(group), newest(group)
        ext = codec.external_key(rep.ref)  # the storebridge_id of both rows
        cid = self.session.content_id()
        account = codec.encode(ACCOUNT, data)
        contact = codec.encode(CONTACT, data, ctx={"account_bind": f"${cid}"})
        request = self.session.request
        unit = self.session.add(
            ("customer", ext),
            [
                request("PATCH", by_alt(ACCOUNTS, ext), account, content_id=cid),
                request("PATCH", by_alt(CONTACTS, ext), contact),
            ],
            self._on_created,
        )
        self.creating[(data.email or ext).lower()] = ext
        self.groups[ext] = list(group)
        resolved = Resolved(ext=ext, deps=(unit.key,))
        self.known[f"ext:{ext}"] = resolved
        return resolved

    def _on_created(self, unit: Unit, answers: list[Any]) -> None:
        ext = str(unit.key[1])  # type: ignore[index]
        bad = next((a for a in answers if not a.ok), None)
        if bad is not None or len(answers) < 2 or not all(a.entity_id for a in answers):
            why = "Dynamics 365 refused the account and contact: " + (
                describe(bad) if bad else "no id"
            )
            self.failed[ext] = masked(why, self.groups.get(ext, []))
            return
        # Created by this run: a retried upsert after a lost answer may read as an update, but
        # nothing had this customer before (it was looked up by e-mail first).
        self.counters["accounts_created"] += 1
        self.counters["contacts_created"] += 1
        resolved = Resolved(answers[0].entity_id, answers[1].entity_id)
        group = self.groups.pop(ext, [])
        if group:
            data = newest(group)
            self._bind(group, resolved, self.hasher.payload_hash(data), data.updated_at)
        self.known[f"ext:{ext}"] = resolved
        for c in group:
            self.known[c.ref.id] = resolved

    def _maybe_refresh(
        self, c: Customer, contact: Binding, where: Resolved, sharing: Sequence[Customer] = ()
    ) -> None:
        """Update storebridge-created customers with strictly newer data; CRM-owned ones stay
        (data older than what was last written never rolls a contact back)."""
        if contact.payload_hash is None:
            return
        stamps = (c.updated_at, contact.written_at)
        if stamps[0] is not None and stamps[1] is not None and stamps[0] <= stamps[1]:
            return
        if self.hasher.payload_hash(c) == contact.payload_hash:
            return
        self.update(c, where, sharing)

    def update(self, c: Customer, where: Resolved, sharing: Sequence[Customer] = ()) -> Hashable:
        """Queue the account and contact updates of a bound customer (one changeset, `If-Match:
        *` so a row deleted in the CRM is not created again); returns the unit's key."""
        only_update = {"If-Match": "*"}
        request = self.session.request
        requests = []
        if where.account_id:
            body = codec.encode(ACCOUNT, c, creating=False)
            url = by_id(ACCOUNTS, where.account_id)
            requests.append(request("PATCH", url, body, headers=only_update))
        body = codec.encode(CONTACT, c, creating=False, ctx={"account_bind": None})
        url = by_id(CONTACTS, where.contact_id or "")
        requests.append(request("PATCH", url, body, headers=only_update))
        key = ("customer-update", c.ref.key)
        group = list(sharing or [c])
        self.session.add(
            key, requests, lambda unit, answers: self._on_updated(c, where, answers, group)
        )
        return key

    def _on_updated(
        self, c: Customer, where: Resolved, answers: list[Any], sharing: Sequence[Customer]
    ) -> None:
        bad = next((a for a in answers if not a.ok), None)
        if bad is not None:
            why = f"Dynamics 365 refused the customer update: {describe(bad)}"
            self.failed[c.ref.key] = masked(why, [c])
            return
        # every key sharing the contact is bound to the newest details
        self._bind(sharing, where, self.hasher.payload_hash(c), c.updated_at)
        self.counters["customers_refreshed"] += 1

    def _bind(
        self,
        group: Sequence[Customer],
        where: Resolved,
        payload_hash: str | None,
        as_of: dt.datetime | None = None,
    ) -> None:
        self.binds += customer_binds(
            group,
            D365,
            ((ACCOUNT, where.account_id), (CONTACT, where.contact_id)),
            where.contact_id,
            payload_hash,
            as_of,
        )

    def take_binds(self) -> list[BindRequest]:
        out, self.binds = self.binds, []
        return out


class CustomerTarget:
    """`Target[Customer]`: the `customers` use case into Dynamics 365."""

    system = D365
    entity = Entity.CUSTOMER
    binding_entity = CONTACT

    def __init__(self, ctx: Context, session: Session | None = None) -> None:
        self.session = session or Session()
        self.customers = Customers(self.session, ctx.state, ctx)
        self.hasher = self.customers.hasher
        self.tracker = Tracker()

    def payload_hash(self, record: Customer) -> str:
        return self.hasher.payload_hash(record)

    def validate(self, record: Customer) -> str | None:
        if not record.email:
            return f"{record.ref.key}: customer.email is empty: contacts are matched by e-mail"
        return None

    def load(self, items: Sequence[Item[Customer]]) -> LoadResult:
        done: list[Outcome] = []
        owned = [i for i in items if i.binding is not None and i.binding.payload_hash is not None]
        for item in items:
            if item.binding is not None and item.binding.payload_hash is None:
                done.append(Outcome(item.ref, Status.UNCHANGED, item.binding.target_id))
        accounts = (
            self.customers.state.lookup_many(
                owned[0].ref.system, "customer", [i.ref.id for i in owned], D365, ACCOUNT
            )
            if owned
            else {}
        )
        for item in owned:
            assert item.binding is not None
            account = accounts.get(item.ref.id)
            where = Resolved(account.target_id if account else None, item.binding.target_id)
            self._track(item, [self.customers.update(item.record, where)], where)
        fresh = [i for i in items if i.binding is None]
        self.customers.screen.expect((i.ref, i.record) for i in fresh)
        found, problems = self.customers.resolve([i.record for i in fresh]) if fresh else ({}, {})
        for item in fresh:
            where_or_none = found.get(item.ref.id)
            if where_or_none is None:
                why = problems.get(item.ref.id, "not resolved")
                kind = "CustomerMatchError" if "matches" in why else "ValidationError"
                done.append(self.customers.screen.failure(item, item.record, why, kind))
            elif where_or_none.ext is not None:  # being created
                self._track(item, list(where_or_none.deps), where_or_none)
            elif where_or_none.crm_owned:  # the CRM's contact: bound, never overwritten
                done.append(Outcome(item.ref, Status.UNCHANGED, where_or_none.contact_id))
            else:  # a contact storebridge created (from an order): refresh it
                unit = self.customers.update(item.record, where_or_none)
                self._track(item, [unit], where_or_none)
        self.session.pump()
        return self._result(done)

    def _track(self, item: Item[Customer], units: list[Hashable], where: Resolved) -> None:
        job = Job(item, target_id=where.contact_id)
        job.payload = codec.encode(CONTACT, item.record, creating=False, ctx={"account_bind": None})
        job.echo = item.record  # what the contact now holds, as the other side maps it
        job.extra["where"] = where
        waiting = [k for k in units if self.session.queued(k)]
        for key in waiting:
            self.session.watch(key, self._answered)
        if not waiting:
            self._settle(job)
        self.tracker.start(job, waiting)

    def _answered(self, unit: Unit, answers: list[Any]) -> None:
        bad = next((a for a in answers if not a.ok), None)
        for job in self.tracker.jobs_of(unit.key):
            if bad is not None:
                why = f"Dynamics 365 refused the customer: {describe(bad)}"
                self.tracker.fail(job, "RecordError", why)
            else:
                self._settle(job)
        self.tracker.answered(unit.key)

    def _settle(self, job: Job) -> None:
        """The contact id of a customer created in this run (or why it is not there)."""
        where: Resolved = job.extra["where"]
        if where.ext is None:
            return
        final = self.customers.known.get(f"ext:{where.ext}")
        if where.ext in self.customers.failed or final is None or final.contact_id is None:
            why = self.customers.failed.get(where.ext, "the contact was not created")
            self.tracker.fail(job, "RecordError", why)
        else:
            job.target_id = final.contact_id

    def _result(self, done: list[Outcome]) -> LoadResult:
        counters = dict(self.customers.counters)
        self.customers.counters.clear()
        return LoadResult([*done, *self.tracker.take()], self.customers.take_binds(), counters)

    def finish(self) -> LoadResult:
        self.session.pump(force=True)
        return self._result([])

    def close(self) -> None:
        self.session.close()


class CustomerSource:
    """`Source[Customer]`: contacts changed in Dynamics 365 (the `customers` use case back)."""

    system = D365
    entity = Entity.CUSTOMER

    def __init__(self, ctx: Context, session: Session | None = None) -> None:
        self.session = session or Session()
        self.changes = ChangeReader(self.session, ctx.state)

    def read_tracked(self, window: Window, cursor: Any) -> Page[Any]:
        """Contacts changed since the stored delta link (staged for `window`)."""
        rows, _ = self.changes.changed(CONTACTS, "contactid", window)  # deletions: not synced
        return Page(self._rows([str(r["contactid"]) for r in rows]), [], None, None)

    def read_changed(self, since: dt.datetime, until: dt.datetime, cursor: Any) -> Page[Any]:
        rows = self.changes.polled(
            CONTACTS,
            CONTACT_COLUMNS,
            since,
            until,
            extra="emailaddress1 ne null",
            expand=ACCOUNT_EXPAND,
        )
        return Page(rows, [], None, len(rows))

    def read_ids(self, ids: Sequence[str], cursor: Any) -> Page[Any]:
        rows = self._rows(ids)
        found = {str(r["contactid"]) for r in rows}
        return Page(rows, not_found(D365, Entity.CUSTOMER, [i for i in ids if i not in found]))

    def _rows(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        return self.session.rows_where_in(
            CONTACTS,
            "contactid",
            ids,
            CONTACT_COLUMNS,
            extra="emailaddress1 ne null",
            expand=ACCOUNT_EXPAND,
        )

    def decode(self, raw: Any) -> Customer:
        try:
            return codec.decode_customer(raw)
        except ValueError as exc:
            raise DecodeError(str(exc)) from None

    def external_id(self, raw: Any) -> str:
        return str(raw.get("contactid", "?"))

    def close(self) -> None:
        self.session.close()
