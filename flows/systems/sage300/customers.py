"""Sage 300 as a target and a source of customers: one A/R customer (ARCUS) per shopper.

Link before sync (reliability bar #2): a customer storebridge never wrote is looked up by e-mail
first, over ODBC (`ARCUS.EMAIL2`, the customer's e-mail; `EMAIL1` is the contact's), one query
per batch. One match is bound (never duplicated); two or more go to review as a dead letter
naming them; none means the customer is created through the Web API (`AR/ARCustomers`) under its
deterministic number (`transforms.sage300.customer_number`: `S1042`, `SX...` for guests). The
Web API has no upsert, but the number makes the create idempotent: a POST answered
`RecordDuplicate` (or whose answer was lost) is checked over ODBC: the row is there with the
shopper's e-mail, so it is ours and that is success; a row with another e-mail is a collision
(or a number a person typed), and the next number (`attempt=1`, ...) is taken.

Before a customer is created it is screened for a duplicate (`flows.dedupe`): one SQL query on
ARCUS per batch (`candidates`: the e-mail's local part, the phone's last digits, the postal code
with the names' initials) and a scored match; a match is linked like an e-mail hit, a possible
duplicate is held as a review dead letter (`storebridge deadletters resolve ID --link IDCUST` or
`--create`), anything else is created.

Customers Sage 300 already had are bound without a hash: Sage owns them, storebridge never
overwrites them, and the binding the other way lets their edits reach the store customer.
Customers storebridge created are PATCHed with the fields the store owns when the store's data
changed (`transforms/mappings/sage300/customer.yaml`: the credit department's fields and the
phone are Sage's, written on create only).

The way back (`CustomerSource`) polls ARCUS by AUDTDATE/AUDTTIME (`changes.ChangePoll`: one key
query per page) and reads the changed rows by key (one query per page).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from connectors.http import RecordError
from connectors.records import Page
from connectors.state import Binding, BindRequest, StateStore
from flows import dedupe
from flows.ports import Context, DecodeError, Item, LoadResult, Outcome, Status, failed, not_found
from flows.systems.customers import customer_binds, newest, representative
from flows.systems.sage300.session import (
    AR_CUSTOMERS,
    ARCUS,
    POST_ATTEMPTS,
    SAGE,
    Row,
    Session,
    describe,
)
from transforms import sage300 as codec
from transforms.canonical import Customer, Entity, digest
from transforms.mapping import MappingError, fingerprint
from transforms.matching import Probe

CustomerCodec = codec.CustomerCodec  # echo suppression (the SPEC names it here)
NUMBER_ATTEMPTS = 3  # customer numbers tried when the first ones belong to someone else
NUMBER = "<number>"  # the customer number in a hashed payload (known only once resolved)
MAX_PARAMETERS = 400  # parameters of one candidate query (SQL Server takes 2,100 at most)


class CustomerHasher:
    """What a customer write sends (pure): the ARCustomers update payload."""

    binding_entity = ARCUS

    def __init__(self) -> None:
        self.fingerprint = fingerprint(codec.mapping("customer"))

    def payload(self, c: Customer, number: str, *, creating: bool = False) -> dict[str, Any]:
        return codec.customer_payload(c, number, creating=creating)

    def payload_hash(self, c: Customer) -> str:
        return digest(self.fingerprint, self.payload(c, NUMBER))


@dataclass(frozen=True)
class Resolved:
    """Where a customer is: its number, and whether Sage 300 had it before storebridge."""

    number: str
    crm_owned: bool = False
    created: bool = False  # created by this run


def _email(value: Any) -> str:
    return str(value or "").strip().lower()


class Customers:
    """Resolves, links, creates and refreshes customers (shared by orders and customers)."""

    def __init__(self, session: Session, state: StateStore, ctx: Context | None = None) -> None:
        self.session, self.state = session, state
        self.screen = dedupe.Screen.of(state, SAGE, ctx)  # duplicates before a create
        self.hasher = CustomerHasher()
        self.known: dict[str, Resolved] = {}  # customer key -> where it is, this run
        self.by_email: dict[str, Resolved] = {}  # e-mail -> the customer linked/created this run
        self.failed: dict[str, str] = {}  # customer key or e-mail -> why it could not be written
        self.binds: list[BindRequest] = []

    # --- resolution ---------------------------------------------------------------------------
    def resolve(self, customers: Sequence[Customer]) -> tuple[dict[str, Resolved], dict[str, str]]:
        """Where each customer is (by its key); a problem per key that cannot be resolved.
        Needed writes (creates, refreshes of strictly newer data) are made on the way."""
        by_key = {c.ref.key: c for c in customers}
        found = {k: r for k in by_key if (r := self.known.get(k)) is not None}
        todo = [c for k, c in by_key.items() if k not in found]
        by_system: dict[str, list[Customer]] = defaultdict(list)
        for c in todo:
            by_system[c.ref.system].append(c)
        unbound: list[Customer] = []
        for system, group in by_system.items():
            bound = self.state.lookup_many(
                system, "customer", [c.ref.id for c in group], SAGE, ARCUS
            )
            for c in group:
                binding = bound.get(c.ref.id)
                if binding is None:
                    unbound.append(c)
                    continue
                where = Resolved(binding.target_id, crm_owned=binding.payload_hash is None)
                found[c.ref.key] = self.known[c.ref.key] = where
                self._maybe_refresh(c, binding, where)
        linked, problems = self._link(unbound)
        found.update(linked)
        return found, problems

    def _link(self, unbound: list[Customer]) -> tuple[dict[str, Resolved], dict[str, str]]:
        groups: dict[str, list[Customer]] = defaultdict(list)
        problems: dict[str, str] = {}
        for c in unbound:
            if c.email:
                groups[_email(c.email)].append(c)
            else:
                problems[c.ref.key] = (
                    "customer.email is empty: Sage 300 customers are linked by e-mail (EMAIL2)"
                )
        emails = [e for e in groups if e not in self.by_email]
        matches = self.session.db.customers_by_email(emails) if emails else {}
        fresh = {e: g for e, g in groups.items() if e not in self.by_email and not matches.get(e)}
        verdicts = self.screen.screen(fresh, self.candidates, self.candidates_by_id)
        self.session.counters.update(self.screen.take_counters())
        found: dict[str, Resolved] = {}
        for email, group in groups.items():
            hits: list[Row] = matches.get(email, [])
            verdict = verdicts.get(email)
            if email in self.by_email:  # linked or created earlier in this run, for other keys
                resolved = replace(self.by_email[email], created=False)
                self._bind(group, resolved, "" if not resolved.crm_owned else None)
            elif len(hits) > 1:
                numbers = ", ".join(str(h["IDCUST"]) for h in hits)
                why = (
                    f"customer.email matches {len(hits)} Sage 300 customers ({numbers}); "
                    "merge or fix them in Sage 300, then replay"
                )
                problems.update({c.ref.key: why for c in group})
                continue
            elif hits:
                resolved = self._matched(group, hits[0])
            elif verdict is not None and verdict.action == "link" and verdict.candidate:
                resolved = self._matched(group, verdict.candidate.row, counted=False)
            elif verdict is not None and verdict.action in ("review", "refuse"):
                problems.update({c.ref.key: verdict.why for c in group})
                continue
            else:
                created = self._create(group)
                if isinstance(created, str):
                    self.failed[email] = created
                    problems.update({c.ref.key: created for c in group})
                    continue
                resolved = created
            self.by_email[email] = resolved
            for c in group:
                found[c.ref.key] = self.known[c.ref.key] = resolved
        return found, problems

    def _matched(
        self, group: list[Customer], row: Mapping[str, Any], *, counted: bool = True
    ) -> Resolved:
        """Link `group` to the ARCUS `row` (found by e-mail, by a match or by a reviewer)."""
        number = str(row["IDCUST"])
        ours = number in self._numbers(group)
        resolved = Resolved(number, crm_owned=not ours)
        # Sage's own customers are bound without a hash (never overwritten); ours with an empty
        # one, so newer details of this key still refresh them.
        self._bind(group, resolved, "" if ours else None)
        if counted:  # a link by a match or a reviewer is counted by the screen
            self.session.counters["customers_reused" if ours else "customers_matched"] += 1
        return resolved

    # --- duplicate screening (flows.dedupe) ---------------------------------------------------
    def candidates(self, probe: Probe, limit: int) -> list[dedupe.Candidate]:
        """ARCUS customers sharing a blocking key with `probe`: one query per few hundred
        parameters (e-mails, local parts, the phones' last digits, postal codes with the
        initials of NAMECTAC or NAMECUST), at most `limit` rows."""
        clauses: list[tuple[str, list[Any]]] = []
        email = 'LOWER(LTRIM(RTRIM("EMAIL2")))'
        clauses += [(f"{email} IN (?)", [e]) for e in probe.emails]
        clauses += [(f"{email} LIKE ?", [f"{local}@%"]) for local in probe.locals]
        clauses += [(f"{email} LIKE ?", [f"{local}+%"]) for local in probe.locals]
        clauses += [('RTRIM("TEXTPHON1") LIKE ?', [f"%{d}"]) for d in probe.phones]
        for prefix, initials in probe.postal.items():
            names = " OR ".join(
                ['UPPER("NAMECTAC") LIKE ?', 'UPPER("NAMECUST") LIKE ?'] * len(initials)
            )
            args = [f"{i}%" for i in initials for _ in (0, 1)]
            clauses.append(
                (f'(UPPER(RTRIM("CODEPSTL")) LIKE ? AND ({names}))', [f"{prefix}%", *args])
            )
        rows = dedupe.Rows(lambda r: str(r["IDCUST"]), limit)
        for group in dedupe.packed(
            clauses, lambda g: sum(len(args) for _, args in g) <= MAX_PARAMETERS
        ):
            where = " OR ".join(sql for sql, _ in group)
            params = [a for _, args in group for a in args]
            found = self.session.db.scan(
                "ARCUS", where=where, params=params, what="customer candidates"
            )
            if not rows.add(found):
                break
        return self._candidates(rows.rows.values())

    def candidates_by_id(self, numbers: Sequence[str]) -> list[dedupe.Candidate]:
        """ARCUS customers by number (a reviewer's link)."""
        return self._candidates(self.session.db.customers(list(numbers)).values())

    def _candidates(self, rows: Any) -> list[dedupe.Candidate]:
        tz = self.session.timezone
        return dedupe.decoded(
            rows,
            lambda r: codec.decode_customer(r, timezone=tz),
            lambda r: str(r["IDCUST"]).rstrip(),
        )

    @staticmethod
    def _numbers(group: Sequence[Customer]) -> set[str]:
        """The numbers storebridge would have given these customers."""
        out: set[str] = set()
        for c in group:
            try:
                out.update(codec.customer_number(c, n) for n in range(NUMBER_ATTEMPTS))
            except MappingError:
                continue
        return out

    # --- writes -------------------------------------------------------------------------------
    def _create(self, group: list[Customer]) -> Resolved | str:
        """Create the customer of `group` (one e-mail); its `Resolved`, or why it failed."""
        rep, data = representative(group), newest(group)
        email = _email(data.email)
        for attempt in range(NUMBER_ATTEMPTS):
            try:
                number = codec.customer_number(rep, attempt)
                payload = self.hasher.payload(data, number, creating=True)
            except MappingError as exc:
                return str(exc)
            outcome = self._post(number, payload, email)
            if outcome == "collision":
                continue
            if outcome in ("created", "ours"):
                if outcome == "created":
                    self.session.counters["customers_created"] += 1
                resolved = Resolved(number, created=True)
                self._bind(group, resolved, self.hasher.payload_hash(data), data.updated_at)
                return resolved
            return outcome
        return (
            f"customer numbers {', '.join(codec.customer_number(rep, n) for n in range(3))} "
            "all belong to other Sage 300 customers"
        )

    def _post(self, number: str, payload: dict[str, Any], email: str) -> str:
        """POST the customer: "created", "ours" (it was there with this e-mail: a lost answer),
        "collision" (there with another e-mail), or why it failed."""
        posted = None
        for _ in range(POST_ATTEMPTS):
            posted = self.session.post(AR_CUSTOMERS, payload)
            if posted.row is not None:
                return "created"
            if posted.refused is not None and not posted.duplicate:
                return f"Sage 300 refused customer {number}: {posted.refused}"
            # a duplicate number or an unknown outcome: is it there, and whose is it?
            row = self.session.db.customers([number]).get(number)
            if row is not None:
                if _email(row.get("EMAIL2")) != email:
                    return "collision"
                if posted.duplicate:
                    return "ours"
                self.session.counters["lost_answers"] += 1  # applied, the answer was lost
                return "created"
            if posted.duplicate:  # refused as a duplicate, yet no such row: do not insist
                return f"Sage 300 refused customer {number}: {posted.refused}"
            if not posted.answered:  # no answer at all: it may still be running
                return (
                    f"the create of customer {number} has an unknown outcome ({posted.unknown}); "
                    "the next run looks it up before it creates it"
                )
            # a 5xx before anything was applied: sending it again is safe (the same number
            # cannot be created twice)
        unknown = posted.unknown if posted is not None else "not sent"
        return f"Sage 300 did not create customer {number}: {unknown}"

    def _maybe_refresh(self, c: Customer, binding: Binding, where: Resolved) -> None:
        """Update storebridge-created customers with strictly newer data; Sage-owned ones stay
        (data older than what was last written never rolls a customer back)."""
        if binding.payload_hash is None:
            return
        stamps = (c.updated_at, binding.written_at)
        if stamps[0] is not None and stamps[1] is not None and stamps[0] <= stamps[1]:
            return
        try:
            if self.hasher.payload_hash(c) == binding.payload_hash:
                return
        except MappingError:
            return
        self.update(c, where)

    def update(self, c: Customer, where: Resolved) -> dict[str, Any] | str:
        """PATCH a bound customer with what the store owns; the payload, or why it failed."""
        try:
            payload = self.hasher.payload(c, where.number)
        except MappingError as exc:
            return str(exc)
        if payload:
            try:
                self.session.client.patch(AR_CUSTOMERS, where.number, payload)
            except RecordError as exc:
                why = f"Sage 300 refused the update of customer {where.number}: {describe(exc)}"
                self.failed[c.ref.key] = why
                return why
            self.session.counters["customers_refreshed"] += 1
        self._bind([c], where, self.hasher.payload_hash(c), c.updated_at)
        return payload

    def _bind(
        self,
        group: Sequence[Customer],
        where: Resolved,
        payload_hash: str | None,
        as_of: dt.datetime | None = None,
    ) -> None:
        self.binds += customer_binds(
            group, SAGE, ((ARCUS, where.number),), where.number, payload_hash, as_of
        )

    def take_binds(self) -> list[BindRequest]:
        out, self.binds = self.binds, []
        return out


class CustomerTarget:
    """`Target[Customer]`: the `customers` use case into Sage 300 (ARCUS)."""

    system = SAGE
    entity = Entity.CUSTOMER
    binding_entity = ARCUS

    def __init__(self, ctx: Context, session: Session | None = None) -> None:
        self.session = session or Session()
        self.customers = Customers(self.session, ctx.state, ctx)
        self.hasher = self.customers.hasher

    def payload_hash(self, record: Customer) -> str:
        return self.hasher.payload_hash(record)

    def validate(self, record: Customer) -> str | None:
        if not record.email:
            return (
                f"{record.ref.key}: customer.email is empty: Sage 300 customers are linked by "
                "e-mail (EMAIL2)"
            )
        return None

    def load(self, items: Sequence[Item[Customer]]) -> LoadResult:
        done: list[Outcome] = []
        fresh: list[Item[Customer]] = []
        for item in items:
            binding = item.binding
            if binding is None:
                fresh.append(item)
            elif binding.payload_hash is None:  # Sage's own customer: never overwritten
                done.append(Outcome(item.ref, Status.UNCHANGED, binding.target_id))
            else:
                done.append(self._update(item, Resolved(binding.target_id)))
        self.customers.screen.expect((i.ref, i.record) for i in fresh)
        found, problems = self.customers.resolve([i.record for i in fresh]) if fresh else ({}, {})
        for item in fresh:
            where = found.get(item.ref.key)
            if where is None:
                why = problems.get(item.ref.key, "not resolved")
                kind = "CustomerMatchError" if "matches" in why else "RecordError"
                done.append(self.customers.screen.failure(item, item.record, why, kind))
            elif where.crm_owned:  # linked to Sage's customer: bound, never overwritten
                done.append(Outcome(item.ref, Status.UNCHANGED, where.number))
            elif where.created:  # created now, with this data (or its group's newest)
                payload = self.hasher.payload(item.record, where.number)
                done.append(self._written(item, where, payload))
            else:  # a customer storebridge created earlier (from an order): refresh it
                done.append(self._update(item, where))
        return LoadResult(done, self.customers.take_binds(), self.session.take_counters())

    def _update(self, item: Item[Customer], where: Resolved) -> Outcome:
        result = self.customers.update(item.record, where)
        if isinstance(result, str):
            return failed(item, "RecordError", result)
        return self._written(item, where, result)

    def _written(self, item: Item[Customer], where: Resolved, payload: dict[str, Any]) -> Outcome:
        status = Status.CREATED if item.creating else Status.UPDATED
        # what the customer now holds, as the other side maps it: our own echo
        return Outcome(
            item.ref, status, where.number, item.payload_hash, written=payload, echo=item.record
        )

    def finish(self) -> LoadResult:
        return LoadResult()

    def close(self) -> None:
        self.session.close()


class CustomerSource:
    """`Source[Customer]`: A/R customers changed in Sage 300 (the `customers` use case back).

    A page is one key query of the AUDTDATE/AUDTTIME poll plus one query for the rows; customers
    without an e-mail are left out (nothing links them to a store customer).
    """

    system = SAGE
    entity = Entity.CUSTOMER

    def __init__(self, ctx: Context, session: Session | None = None) -> None:
        from flows.systems.sage300.changes import ChangePoll, Watched, page_size

        self.session = session or Session()
        db = self.session.db
        self.poll = ChangePoll(db, [Watched("ARCUS", "IDCUST")], page_size=page_size(db))

    def read_changed(self, since: dt.datetime, until: dt.datetime, cursor: Any) -> Page[Any]:
        keys, after = self.poll.page(since, until, cursor)
        rows = self._rows(keys)
        return Page(rows, [], after, None)

    def read_ids(self, ids: Sequence[str], cursor: Any) -> Page[Any]:
        rows = self._rows(ids)
        found = {str(r["IDCUST"]) for r in rows}
        return Page(rows, not_found(SAGE, Entity.CUSTOMER, [i for i in ids if i not in found]))

    def _rows(self, keys: Sequence[Any]) -> list[Row]:
        if not keys:
            return []
        rows = self.session.db.customers([str(k) for k in keys])
        return [r for _, r in sorted(rows.items()) if r.get("EMAIL2") or r.get("EMAIL1")]

    def decode(self, raw: Any) -> Customer:
        try:
            return codec.decode_customer(raw, timezone=self.session.timezone)
        except ValueError as exc:
            raise DecodeError(str(exc)) from None

    def external_id(self, raw: Any) -> str:
        return str(raw.get("IDCUST", "?")).rstrip()

    def close(self) -> None:
        self.session.close()
