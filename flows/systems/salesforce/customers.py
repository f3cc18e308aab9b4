"""Salesforce as a target and a source of customers: one Account and one Contact per shopper.

Link before sync (reliability bar #2): a customer storebridge never wrote is looked up by e-mail
first (never keyed by it: a guest's key is a keyed hash of the address, so no Account or Contact
gets an e-mail as its `Storebridge_Id__c`); one matching Contact is bound (never duplicated),
two go to review as a dead letter naming them, none means an Account and a Contact are created,
upserted by the customer's external id so a retried or overlapping run updates instead of
duplicating. Before a create, the customer is screened for a duplicate the e-mail missed
(`flows.dedupe`: one SOQL query on Contact per batch, more only when the batch's blocks outgrow a
query URL; `candidates`): a match is linked like an e-mail hit, a possible duplicate is held as
a review dead letter (`storebridge deadletters resolve ID --link <Contact Id>` or `--create`).
Contacts the CRM already had are bound without a hash: Salesforce owns them and
storebridge never overwrites them. Field ownership per direction lives in the mappings
(`owner: salesforce` fields are written on create only).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import quote

from connectors.records import Page
from connectors.salesforce import soql
from connectors.salesforce.models import SaveResult
from connectors.salesforce.resources import EXTERNAL_ID_FIELD as EXT
from connectors.salesforce.writer import Write
from connectors.state import Binding, BindRequest, StateStore
from flows import dedupe
from flows.ports import (
    Context,
    DecodeError,
    Item,
    LoadResult,
    Outcome,
    Status,
    not_found,
)
from flows.systems.customers import customer_binds, masked, newest, representative
from flows.systems.salesforce.session import Job, Session, Tracker
from transforms import salesforce as codec
from transforms.canonical import Customer, Entity, digest
from transforms.mapping import MappingError, Symbolic, apply, fingerprint, load_mapping
from transforms.matching import Probe

SF = "salesforce"
ACCOUNT, CONTACT = "Account", "Contact"
CONTACT_FIELDS = (
    "FirstName",
    "LastName",
    "Email",
    "Phone",
    "MailingStreet",
    "MailingCity",
    "MailingState",
    "MailingPostalCode",
    "MailingCountry",
    "AccountId",
    EXT,
)
CANDIDATE_FIELDS = (*CONTACT_FIELDS, "SystemModstamp")


class CustomerHasher:
    """What a customer write sends (pure): the update payloads of its Account and Contact."""

    binding_entity = CONTACT

    def __init__(self) -> None:
        self.account = load_mapping("salesforce/account")
        self.contact = load_mapping("salesforce/contact")
        self.fingerprint = fingerprint(self.account, self.contact)

    def payload_hash(self, c: Customer) -> str:
        return digest(
            self.fingerprint,
            apply(self.account, c, creating=False),
            apply(self.contact, c, creating=False, ctx=Symbolic()),
        )


@dataclass
class Resolved:
    """Where a customer is (or will be) in the org: ids, or the external id being created."""

    account_id: str | None = None
    contact_id: str | None = None
    ext: str | None = None  # being created under this external id
    deps: tuple[Hashable, ...] = ()  # writes an order must wait for
    crm_owned: bool = False  # matched a contact the CRM had before storebridge

    def order_ctx(self) -> dict[str, Any]:
        if self.ext is not None and self.account_id is None:
            return {"account_ref": {EXT: self.ext}, "contact_ref": {EXT: self.ext}}
        return {"account_id": self.account_id, "contact_id": self.contact_id}


class Customers:
    """Resolves, links, creates and refreshes customers (shared by orders and customers)."""

    def __init__(self, session: Session, state: StateStore, ctx: Context | None = None) -> None:
        self.session, self.state = session, state
        self.screen = dedupe.Screen.of(state, SF, ctx)  # duplicates before a create
        self.hasher = CustomerHasher()
        self.known: dict[str, Resolved] = {}  # customer key -> where it is, this run
        self.creating: dict[str, str] = {}  # e-mail -> external id being created this run
        self.groups: dict[str, list[Customer]] = {}  # external id -> customers created under it
        self.failed: dict[str, str] = {}  # external id -> why its creation failed
        self.binds: list[BindRequest] = []
        self.counters: Counter[str] = Counter()
        self._pending: dict[str, dict[str, str]] = defaultdict(dict)  # ext -> object -> id

    # --- resolution ---------------------------------------------------------------------------
    def resolve(self, customers: Sequence[Customer]) -> tuple[dict[str, Resolved], dict[str, str]]:
        """Where each customer is; a problem (ambiguous match, mapping error) per key that
        cannot be resolved. Writes needed (creates, refreshes) are queued on the session."""
        by_key = {c.ref.id: c for c in customers}
        # Customers still being created this run are where the run left them; the others are
        # looked up in xref (their bindings hold what a refresh compares).
        found: dict[str, Resolved] = {
            k: r for k in by_key if (r := self.known.get(k)) is not None and r.ext is not None
        }
        todo = [k for k in by_key if k not in found]
        problems: dict[str, str] = {}
        if todo:
            system = by_key[todo[0]].ref.system
            accounts = self.state.lookup_many(system, "customer", todo, SF, ACCOUNT)
            contacts = self.state.lookup_many(system, "customer", todo, SF, CONTACT)
            latest: dict[str, tuple[Customer, Binding, Resolved]] = {}  # contact -> newest data
            sharing: dict[str, list[Customer]] = defaultdict(list)
            for k in todo:
                if k in accounts and k in contacts:
                    found[k] = Resolved(accounts[k].target_id, contacts[k].target_id)
                    self.known[k] = found[k]
                    contact = found[k].contact_id or ""
                    sharing[contact].append(by_key[k])
                    seen = latest.get(contact)
                    if seen is None or newest([seen[0], by_key[k]]) is by_key[k]:
                        latest[contact] = (by_key[k], contacts[k], found[k])
            for contact, (c, binding, where) in latest.items():
                self._maybe_refresh(c, binding, where, sharing[contact])
        unbound = [by_key[k] for k in todo if k not in found]
        linked, link_problems = self._link(unbound)
        found.update(linked)
        problems.update(link_problems)
        return found, problems

    def _link(self, unbound: list[Customer]) -> tuple[dict[str, Resolved], dict[str, str]]:
        groups: dict[str, list[Customer]] = defaultdict(list)
        problems: dict[str, str] = {}
        for c in unbound:
            if c.email:
                groups[c.email].append(c)
            else:
                problems[c.ref.id] = "customer.email is empty: Contacts are matched by e-mail"
        found: dict[str, Resolved] = {}
        emails = [e for e in groups if e not in self.creating]
        matches = self.session.lookups.contacts_by_email(emails) if emails else {}
        fresh = {e: g for e, g in groups.items() if e not in self.creating and not matches.get(e)}
        verdicts = self.screen.screen(fresh, self.candidates, self.candidates_by_id)
        self.counters.update(self.screen.take_counters())
        for email, group in groups.items():
            hits = matches.get(email, [])
            verdict = verdicts.get(email)
            if email in self.creating:  # created earlier in this run: the same records
                ext = self.creating[email]
                resolved = self.known.get(f"ext:{ext}") or Resolved(ext=ext)
            elif len(hits) > 1:
                ids = ", ".join(h["Id"] for h in hits)
                why = (
                    f"customer.email {email!r} matches {len(hits)} Salesforce Contacts "
                    f"({ids}); merge or fix them in Salesforce, then replay"
                )
                problems.update({c.ref.id: why for c in group})
                continue
            elif hits and hits[0].get("AccountId"):
                resolved = self._matched(group, hits[0])
            elif verdict is not None and verdict.action == "link" and verdict.candidate:
                if not verdict.candidate.row.get("AccountId"):
                    why = (
                        f"Contact {verdict.candidate.target_id} has no Account (an order needs "
                        "one): give it one in Salesforce, then replay"
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
        """Link `group` to the Contact `hit` (found by e-mail, by a match or by a reviewer)."""
        ours = bool(hit.get(EXT))  # created by storebridge earlier
        resolved = Resolved(hit["AccountId"], hit["Id"], crm_owned=not ours)
        # CRM-owned contacts are bound without a hash and never overwritten; ours with an empty
        # one, so newer details from this key still refresh them.
        self._bind(group, resolved, "" if ours else None)
        if counted:  # a link by a match or a reviewer is counted by the screen
            self.counters["contacts_reused" if ours else "contacts_matched"] += 1
        return resolved

    # --- duplicate screening (flows.dedupe) ---------------------------------------------------
    def candidates(self, probe: Probe, limit: int) -> list[dedupe.Candidate]:
        """Contacts sharing a blocking key with `probe`: the blocks OR-ed into as few SOQL
        queries as the URL limit allows (usually one per batch), at most `limit` rows."""
        q = soql.quote
        clauses = [f"Email = {q(e)}" for e in probe.emails]
        clauses += [f"Email LIKE {q(local + '@%')}" for local in probe.locals]
        clauses += [f"Email LIKE {q(local + '+%')}" for local in probe.locals]
        clauses += [f"Phone LIKE {q('%' + d)}" for d in probe.phones]
        for prefix, initials in probe.postal.items():
            names = " OR ".join(
                f"{f} LIKE {q(i + '%')}" for i in initials for f in ("FirstName", "LastName")
            )
            clauses.append(f"(MailingPostalCode LIKE {q(prefix + '%')} AND ({names}))")
        columns = ", ".join(dict.fromkeys(["Id", *CANDIDATE_FIELDS]))
        head = f"SELECT {columns} FROM Contact WHERE "  # noqa: S608 - quoted literals only
        tail = f" LIMIT {int(limit)}"
        budget = soql.MAX_URL_BYTES - soql.URL_HEADROOM
        rows = dedupe.Rows(lambda r: str(r["Id"]), limit)
        for group in dedupe.packed(
            clauses, lambda g: len(quote(head + " OR ".join(g) + tail, safe="")) <= budget
        ):
            if not rows.add(self.session.client.query(head + " OR ".join(group) + tail)):
                break
        return self._candidates(rows.rows.values())

    def candidates_by_id(self, ids: Sequence[str]) -> list[dedupe.Candidate]:
        """Contacts by Id (a reviewer's link)."""
        return self._candidates(self.session.lookups.by_ids(CONTACT, CANDIDATE_FIELDS, ids))

    @staticmethod
    def _candidates(rows: Any) -> list[dedupe.Candidate]:
        return dedupe.decoded(rows, codec.decode_contact, lambda r: str(r["Id"]))

    # --- writes -------------------------------------------------------------------------------
    def _create(self, group: list[Customer]) -> Resolved:
        rep, data = representative(group), newest(group)
        ext = rep.ref.key
        account = {EXT: ext, **apply(self.hasher.account, data, creating=True)}
        contact = {
            EXT: ext,
            **apply(self.hasher.contact, data, creating=True, ctx={"account_id": "x"}),
        }
        contact.pop("AccountId", None)
        contact["Account"] = {EXT: ext}
        keys = self.session.add(
            [
                Write((ACCOUNT, ext), ACCOUNT, "upsert", account, EXT, stage=0),
                Write(
                    (CONTACT, ext),
                    CONTACT,
                    "upsert",
                    contact,
                    EXT,
                    stage=1,
                    after=((ACCOUNT, ext),),
                ),
            ],
            self._on_created,
        )
        self.creating[data.email or ext] = ext
        self.groups[ext] = list(group)
        resolved = Resolved(ext=ext, deps=tuple(keys))
        self.known[f"ext:{ext}"] = resolved
        return resolved

    def _on_created(self, key: Hashable, result: SaveResult) -> None:
        sobject, ext = cast(tuple[str, str], key)
        if not result.success or not result.id:
            why = f"Salesforce refused the {sobject}: {result.error_text}"
            self.failed[ext] = masked(why, self.groups.get(ext, []))
            return
        # Created means created by this run: a retried upsert after a lost answer reads
        # "updated", but nothing had this customer before (it was looked up by e-mail first).
        self.counters[f"{sobject.lower()}s_created"] += 1
        self._pending[ext][sobject] = result.id
        ids = self._pending[ext]
        if ACCOUNT in ids and CONTACT in ids:
            group = self.groups.pop(ext, [])
            resolved = Resolved(ids[ACCOUNT], ids[CONTACT])
            data = newest(group) if group else None
            if data is not None:
                self._bind(group, resolved, self.hasher.payload_hash(data), data.updated_at)
            self.known[f"ext:{ext}"] = resolved
            for c in group:
                self.known[c.ref.id] = resolved
            del self._pending[ext]

    def _maybe_refresh(
        self, c: Customer, contact: Binding, where: Resolved, sharing: Sequence[Customer] = ()
    ) -> None:
        """Update storebridge-created customers with strictly newer data; CRM-owned ones stay.

        Several keys (a registered id, a guest e-mail) may share one Contact, each seen on other
        orders with other details: data older than what was last written (`written_at`) never
        rolls it back, so an old order read late changes nothing.
        """
        if contact.payload_hash is None:
            return
        if (
            c.updated_at is not None
            and contact.written_at is not None
            and (c.updated_at <= contact.written_at)
        ):
            return
        if self.hasher.payload_hash(c) == contact.payload_hash:
            return
        self.update(c, where, sharing)

    def update(
        self, c: Customer, where: Resolved, sharing: Sequence[Customer] = ()
    ) -> list[Hashable]:
        """Queue the Account and Contact updates of a bound customer; returns the write keys."""
        account = {"Id": where.account_id, **apply(self.hasher.account, c, creating=False)}
        contact = {
            "Id": where.contact_id,
            **apply(self.hasher.contact, c, creating=False, ctx={"account_id": where.account_id}),
        }
        tag = c.ref.key
        return self.session.add(
            [
                Write((ACCOUNT, "update", tag), ACCOUNT, "update", account, stage=0),
                Write((CONTACT, "update", tag), CONTACT, "update", contact, stage=1),
            ],
            lambda key, result: self._on_updated(c, where, key, result, sharing or [c]),
        )

    def _on_updated(
        self,
        c: Customer,
        where: Resolved,
        key: Hashable,
        result: SaveResult,
        sharing: Sequence[Customer],
    ) -> None:
        if not result.success:
            why = f"Salesforce refused the customer update: {result.error_text}"
            self.failed[c.ref.key] = masked(why, [c])
        elif key[0] == CONTACT:  # type: ignore[index]
            # every key sharing the Contact is bound to the newest details, so an older order
            # of any of them read later never rolls them back
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
            SF,
            ((ACCOUNT, where.account_id), (CONTACT, where.contact_id)),
            where.contact_id,
            payload_hash,
            as_of,
        )

    def take_binds(self) -> list[BindRequest]:
        out, self.binds = self.binds, []
        return out


class CustomerTarget:
    """`Target[Customer]`: the `customers` use case into Salesforce."""

    system = SF
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
            return f"{record.ref.key}: customer.email is empty: Contacts are matched by e-mail"
        return None

    def load(self, items: Sequence[Item[Customer]]) -> LoadResult:
        done: list[Outcome] = []
        owned: list[Item[Customer]] = []
        for item in items:
            if item.binding is None:
                continue
            if item.binding.payload_hash is None:  # the CRM's own contact: never overwritten
                done.append(Outcome(item.ref, Status.UNCHANGED, item.binding.target_id))
            else:
                owned.append(item)
        accounts = (
            self.customers.state.lookup_many(
                owned[0].ref.system, "customer", [i.ref.id for i in owned], SF, ACCOUNT
            )
            if owned
            else {}
        )
        for item in owned:
            assert item.binding is not None
            account = accounts.get(item.ref.id)
            self._update(
                item, Resolved(account.target_id if account else None, item.binding.target_id)
            )
        fresh = [i for i in items if i.binding is None]
        self.customers.screen.expect((i.ref, i.record) for i in fresh)
        found, problems = self.customers.resolve([i.record for i in fresh]) if fresh else ({}, {})
        for item in fresh:
            where = found.get(item.ref.id)
            if where is None:
                why = problems.get(item.ref.id, "not resolved")
                done.append(self.customers.screen.failure(item, item.record, why, _kind(why)))
            elif where.ext is not None:  # being created
                self._track(item, list(where.deps), where)
            elif where.crm_owned:  # linked to the CRM's contact: bound, never overwritten
                done.append(Outcome(item.ref, Status.UNCHANGED, where.contact_id))
            else:  # linked to a contact storebridge created (from an order): refresh it
                self._update(item, where)
        self.session.pump()
        return self._result(done)

    def _update(self, item: Item[Customer], where: Resolved) -> None:
        self._track(item, self.customers.update(item.record, where), where)

    def _track(self, item: Item[Customer], keys: list[Hashable], where: Resolved) -> None:
        job = self.tracker.start(Job(item, target_id=where.contact_id))
        job.payload = apply(
            self.hasher.contact, item.record, creating=False, ctx={"account_id": where.account_id}
        )
        job.extra["echo"] = item.record  # what the Contact now holds, as the other side maps it
        job.on_done = lambda j: self._settle(j, where)
        if not keys:
            self.tracker.finish(job)
            return
        self.tracker.wait(job, keys)
        self.session.watch(keys, self._answered)

    def _answered(self, key: Hashable, result: SaveResult) -> None:
        job = self.tracker.job_of(key)
        if job is not None and not result.success:
            self.tracker.fail(
                job,
                "RecordError",
                f"Salesforce refused the {key[0]}: "  # type: ignore[index]
                f"{result.error_text}",
            )
        self.tracker.answered(key)

    def _settle(self, job: Job, where: Resolved) -> None:
        if where.ext is None:
            return
        final = self.customers.known.get(f"ext:{where.ext}")
        if where.ext in self.customers.failed or final is None or final.contact_id is None:
            self.tracker.fail(
                job,
                "RecordError",
                self.customers.failed.get(where.ext, "the Contact was not created"),
            )
            return
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


def _kind(why: str) -> str:
    return "CustomerMatchError" if "matches" in why else "ValidationError"


class CustomerSource:
    """`Source[Customer]`: Contacts changed in Salesforce (the `customers` use case read back)."""

    system = SF
    entity = Entity.CUSTOMER

    def __init__(self, ctx: Context, session: Session | None = None) -> None:
        self.session = session or Session()

    def read_changed(self, since: dt.datetime, until: dt.datetime, cursor: Any) -> Page[Any]:
        query = soql.changed(CONTACT, CONTACT_FIELDS, since, until, where="Email != null")
        rows, nxt, total = self.session.client.query_page(query, cursor)
        return Page(rows, [], nxt, total)

    def read_ids(self, ids: Sequence[str], cursor: Any) -> Page[Any]:
        rows = self.session.lookups.by_ids(CONTACT, [*CONTACT_FIELDS, "SystemModstamp"], ids)
        found = {r["Id"] for r in rows}
        return Page(rows, not_found(SF, Entity.CUSTOMER, [i for i in ids if i not in found]))

    def decode(self, raw: Any) -> Customer:
        try:
            return codec.decode_contact(raw)
        except codec.DecodeError as exc:
            raise DecodeError(str(exc)) from None

    def external_id(self, raw: Any) -> str:
        return str(raw.get("Id", "?"))

    def close(self) -> None:
        self.session.close()
