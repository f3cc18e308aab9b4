"""Duplicate-customer screening before a back office creates a customer: candidates -> scores ->
decision, shared by the `Customers` of Salesforce, Dynamics 365 and Sage 300.

Each back office links a customer by its e-mail first (one look-up per batch); the customers
that e-mail finds nowhere used to be created at once. Now they are screened first, per batch:

1. **candidates**: the back office reads its customers that share a blocking key with any of
   them, in a bounded number of queries per batch (`candidates` of each system: SOQL on
   Contact, an OData ``$filter`` on contacts, SQL on ARCUS over ODBC), from the batch's
   `transforms.matching.Probe`: the e-mails and their local parts, the phones' last digits, the
   postal codes with the names' initials. The rows are decoded by the system's own codec.
2. **scores**: `transforms.matching` compares each new customer with the candidates that share a
   key with it (`rank`, `decide`: Fellegi-Sunter weights, thresholds and rules in
   `transforms/mappings/matching.yaml`).
3. **decision**: *match* -> the customer is linked to the existing one exactly as an e-mail hit
   would be (bound, never created; the back office's own customer is never overwritten);
   *review* -> nothing is written: the record (the customer, or in order-to-cash the order that
   needs it) is held as a dead letter of kind ``review`` (`connectors.state.Review`, error class
   `REVIEW_CLASS`) with the findings (score, the fields that agreed and their levels, the
   candidates: references and numbers, no values) and the existing customer as the other side
   (masked as stored); *no-match* -> created as before.

A reviewer decides with ``storebridge deadletters resolve ID --link TARGET_ID`` (bind it to that
customer) or ``--create`` (create it anyway); the decision is kept on the letter and the replay
of its record honours it (`StateStore.review_decisions`): the linked customer is read by id and
bound, or the customer is created without screening. Once bound, a customer is never screened
again (xref has it), whichever use case meets it next.

Settings ``STOREBRIDGE_DEDUPE_*``: `enabled` (default true), `match` and `review` (override the
file's thresholds), `config_file` (a YAML replacing the shipped one). Nothing personal is logged
or counted: counters are numbers (``customers_screened``, ``customers_linked_by_match``,
``customers_held_for_review``, ``dedupe_candidates``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from connectors.settings import StorebridgeSettings, load_settings
from connectors.state import Review, ReviewDecision
from flows.ports import Item, Outcome, Status, failed
from transforms import matching
from transforms.canonical import Customer, ExternalRef

REVIEW_CLASS = "DuplicateReview"  # the error class of a customer held as a possible duplicate
RULE = "customer.duplicate"
Action = Literal["create", "link", "review", "refuse"]
T = TypeVar("T")


class DedupeSettings(StorebridgeSettings):
    """Duplicate-customer screening: ``STOREBRIDGE_DEDUPE_*`` (numbers: `matching.yaml`)."""

    model_config = SettingsConfigDict(env_prefix="STOREBRIDGE_DEDUPE_")

    enabled: bool = Field(default=True, description="screen customers before they are created")
    match: float | None = Field(default=None, gt=0, le=1, description="link at this score")
    review: float | None = Field(default=None, gt=0, le=1, description="hold at this score")
    config_file: Path | None = Field(
        default=None, description="a YAML replacing transforms/mappings/matching.yaml"
    )

    def config(self) -> matching.MatchConfig:
        text = self.config_file.read_text(encoding="utf-8") if self.config_file else None
        cfg = matching.load_config(text)
        if self.match is not None or self.review is not None:
            cfg = cfg.with_thresholds(self.match, self.review)
        return cfg


def settings() -> DedupeSettings:
    return load_settings(DedupeSettings)


@dataclass(frozen=True)
class Candidate:
    """One of the back office's customers, as its candidate read found it.

    Attributes:
        target_id: what a customer linked to it is bound to (Contact Id, contactid, IDCUST).
        customer: the row decoded by the system's codec (what is compared).
        row: the raw row (the system's own fields a link needs: the account, our external id).
    """

    target_id: str
    customer: Customer
    row: Mapping[str, Any]

    @property
    def ref(self) -> str:
        return self.customer.ref.key


@dataclass(frozen=True)
class Verdict:
    """What to do with one new customer (a group of store customers sharing its e-mail)."""

    action: Action
    candidate: Candidate | None = None  # the customer to link to, or it may duplicate
    found: matching.Verdict | None = None  # the screening (None: a reviewer decided)
    decision: str | None = None  # the reviewer's decision it honours
    why: str = ""  # for review and refuse: what to tell (no personal data)


CandidateRead = Callable[[matching.Probe, int], list[Candidate]]
ByIdRead = Callable[[Sequence[str]], list[Candidate]]


def newest(group: Sequence[Customer]) -> Customer:
    floor = dt.datetime.min.replace(tzinfo=dt.UTC)
    return max(group, key=lambda c: c.updated_at or floor)


class Screen:
    """The screening of one target's customers for one run (one per `Customers`).

    Args:
        state: the state store (the reviewers' decisions).
        target: the back office's system slug.
        stream: the use case and pair (``order-to-cash:shift4shop->sage300``) whose review
            letters hold the decisions; None: decisions are not read.
    """

    def __init__(self, state: Any, target: str, stream: str | None) -> None:
        self.state, self.target, self.stream = state, target, stream
        conf = settings()
        self.enabled = conf.enabled
        self.cfg = conf.config()
        self.records: dict[str, list[ExternalRef]] = defaultdict(list)  # customer key -> records
        self.held: dict[str, Verdict] = {}  # customer key -> its review verdict (this batch)
        self.counters: Counter[str] = Counter()

    @classmethod
    def of(cls, state: Any, target: str, ctx: Any) -> Screen:
        """The screen of a target built with `ctx` (`flows.ports.Context`, or None)."""
        stream = f"{ctx.use_case}:{ctx.peer}->{target}" if ctx is not None else None
        return cls(state, target, stream)

    # --- decisions ------------------------------------------------------------------------------
    def expect(self, records: Iterable[tuple[ExternalRef, Customer]]) -> None:
        """The batch's records and the customer each needs: a review letter is the record's
        (the customer itself in `customers`, the order in order-to-cash), so is its decision."""
        self.records.clear()
        self.held.clear()
        for ref, customer in records:
            self.records[customer.ref.key].append(ref)

    def _decisions(self, keys: Iterable[str]) -> dict[str, str]:
        """customer key -> the decision on an unresolved review letter of a record needing it."""
        if self.stream is None or self.state is None:
            return {}
        wanted: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)  # -> id -> customer
        for key in keys:
            for ref in self.records.get(key, ()):
                wanted[(ref.system, ref.entity.value)][ref.id] = key
        out: dict[str, str] = {}
        for (system, entity), ids in wanted.items():
            found = self.state.review_decisions(self.stream, system, entity, list(ids))
            for record_id, decision in found.items():
                head = decision.partition(":")[0]
                if head in (ReviewDecision.LINK.value, ReviewDecision.CREATE.value):
                    out.setdefault(ids[record_id], decision)
        return out

    # --- screening ------------------------------------------------------------------------------
    def screen(
        self, groups: Mapping[str, Sequence[Customer]], read: CandidateRead, by_id: ByIdRead
    ) -> dict[str, Verdict]:
        """A verdict per group (customers sharing one e-mail that the back office does not
        have): create, link (to a candidate), review, or refuse (a link decision whose customer
        is gone). One candidate read for all of them, one read by id for decided links."""
        verdicts: dict[str, Verdict] = {}
        if not groups:
            return verdicts
        decided = self._decisions(c.ref.key for g in groups.values() for c in g)
        todo: dict[str, Customer] = {}
        links: dict[str, str] = {}
        for name, group in groups.items():
            decision = next((decided[c.ref.key] for c in group if c.ref.key in decided), None)
            if decision is None:
                todo[name] = newest(group)
            elif decision == ReviewDecision.CREATE.value:
                verdicts[name] = Verdict("create", decision=decision)
                self.counters["customers_created_after_review"] += 1
            else:
                links[name] = decision.partition(":")[2]
        verdicts.update(self._decided_links(links, by_id))
        if todo and self.enabled:
            verdicts.update(self._screened(todo, read))
        for name in todo:
            verdicts.setdefault(name, Verdict("create"))
        for name, v in verdicts.items():
            if v.action == "review":
                self.held.update({c.ref.key: v for c in groups[name]})
        return verdicts

    def _decided_links(self, links: Mapping[str, str], by_id: ByIdRead) -> dict[str, Verdict]:
        if not links:
            return {}
        found = {c.target_id: c for c in by_id(sorted(set(links.values())))}
        out: dict[str, Verdict] = {}
        for name, target_id in links.items():
            candidate = found.get(target_id)
            decision = f"{ReviewDecision.LINK.value}:{target_id}"
            if candidate is None:
                why = (
                    f"the reviewer's link names {self.target} customer {target_id}, which "
                    f"{self.target} does not have (any more); resolve the letter again"
                )
                out[name] = Verdict("refuse", decision=decision, why=why)
                continue
            out[name] = Verdict("link", candidate, decision=decision)
            self.counters["customers_linked_after_review"] += 1
        return out

    def _screened(self, todo: Mapping[str, Customer], read: CandidateRead) -> dict[str, Verdict]:
        cfg = self.cfg
        query = matching.probe(todo.values(), cfg)
        rows = read(query, cfg.candidates.rows_per_batch) if not query.empty else []
        self.counters["customers_screened"] += len(todo)
        self.counters["dedupe_candidates"] += len(rows)
        profiles = [matching.profile(c.customer, cfg) for c in rows]
        by_ref = {c.ref: c for c in rows}
        blocks: dict[str, list[int]] = defaultdict(list)
        for i, p in enumerate(profiles):
            for key in matching.blocking_keys(p, cfg):
                blocks[key].append(i)
        out: dict[str, Verdict] = {}
        for name, customer in todo.items():
            new = matching.profile(customer, cfg)
            seen = sorted({i for k in matching.blocking_keys(new, cfg) for i in blocks.get(k, ())})
            found = matching.decide(matching.rank(new, [profiles[i] for i in seen], cfg), cfg)
            best = by_ref.get(found.best.candidate) if found.best else None
            if found.decision is matching.Decision.MATCH and best is not None:
                out[name] = Verdict("link", best, found)
                self.counters["customers_linked_by_match"] += 1
            elif found.decision is matching.Decision.REVIEW and best is not None:
                out[name] = Verdict("review", best, found, why=self._why(found, best))
                self.counters["customers_held_for_review"] += 1
            else:
                out[name] = Verdict("create", None, found)
        return out

    def _why(self, found: matching.Verdict, best: Candidate) -> str:
        assert found.best is not None
        agreed = ", ".join(found.best.agreed) or "nothing"
        others = len(found.matches) - 1
        more = f" (and {others} more candidate(s))" if others > 0 else ""
        return (
            f"may be {self.target} customer {best.target_id}{more}: score "
            f"{found.best.score:.2f}, agreeing {agreed}; held for review: `storebridge "
            f"deadletters resolve <id> --link {best.target_id}` binds it, `--create` creates "
            "it anyway (`storebridge deadletters compare <id>` shows both)"
        )

    # --- outcomes -------------------------------------------------------------------------------
    def failure(self, item: Item[Any], customer: Customer, why: str, kind: str) -> Outcome:
        """The FAILED outcome of `item` whose customer was not resolved: a review letter when
        the customer is held as a possible duplicate, else an error `kind` with `why`."""
        verdict = self.held.get(customer.ref.key)
        if verdict is None or verdict.found is None or verdict.candidate is None:
            return failed(item, kind, why)
        return self.review(item, customer, verdict)

    def review(self, item: Item[Any], customer: Customer, verdict: Verdict) -> Outcome:
        """The review outcome of `item` (its customer `customer` held by `verdict`)."""
        from connectors.http.redaction import redact_record

        assert verdict.found is not None
        assert verdict.candidate is not None
        ref, candidate = item.ref, verdict.candidate
        subject = "it" if customer.ref.key == ref.key else f"its customer {customer.ref.key}"
        message = f"{ref.key}: {subject} {verdict.why}"
        findings = {
            **verdict.found.findings(self.cfg.candidates.reported),
            "customer": customer.ref.key,
            "target": self.target,
            "target_id": candidate.target_id,
        }
        masked = redact_record("", candidate.customer.model_dump(mode="json"))[1]
        review = Review(
            ref.system,
            ref.entity.value,
            ref.id,
            REVIEW_CLASS,
            message,
            item.record.model_dump(mode="json"),
            findings=findings,
            other={"ref": candidate.ref, "target_id": candidate.target_id, "payload": masked},
        )
        return Outcome(ref, Status.FAILED, failure=review)

    def take_counters(self) -> dict[str, int]:
        out = dict(self.counters)
        self.counters.clear()
        return out


# --- query building (shared by the candidate reads) -------------------------------------------
def packed(clauses: Sequence[T], fits: Callable[[Sequence[T]], bool]) -> Iterator[list[T]]:
    """`clauses` in as few consecutive groups as `fits` accepts (each group is OR-ed into one
    query); a clause too long for any query alone is left out (candidates are a superset)."""
    group: list[T] = []
    for clause in clauses:
        if fits([*group, clause]):
            group.append(clause)
            continue
        if group:
            yield group
        group = [clause] if fits([clause]) else []
    if group:
        yield group


@dataclass
class Rows:
    """Rows gathered over several queries, each row once (by key), at most `limit`."""

    key: Callable[[Mapping[str, Any]], str]
    limit: int
    rows: dict[str, Mapping[str, Any]] = field(default_factory=dict)

    def add(self, found: Iterable[Mapping[str, Any]]) -> bool:
        """Add rows; False once the limit is reached (stop querying)."""
        for row in found:
            if len(self.rows) >= self.limit:
                return False
            self.rows.setdefault(self.key(row), row)
        return len(self.rows) < self.limit


def decoded(
    rows: Iterable[Mapping[str, Any]],
    decode: Callable[[Mapping[str, Any]], Customer],
    target_id: Callable[[Mapping[str, Any]], str],
) -> list[Candidate]:
    """Candidates of raw rows (a row the codec refuses is left out: it cannot be compared)."""
    out: list[Candidate] = []
    for row in rows:
        try:
            customer = decode(row)
        except ValueError:
            continue
        out.append(Candidate(target_id(row), customer, row))
    return out


# --- the review console (`storebridge deadletters compare`) ----------------------------------
SHOWN = ("name", "email", "phone", "street", "postal_code", "city", "country")


def _fields(c: Customer | None) -> dict[str, str]:
    if c is None:
        return {}
    a = next((x for x in (c.billing_address, c.shipping_address, *c.addresses) if x), None)
    street = " ".join(p for p in (a.line1, a.line2) if p) if a else ""
    return {
        "name": " ".join(p for p in (c.first_name, c.last_name) if p),
        "email": c.email or "",
        "phone": c.phone or (a.phone if a and a.phone else ""),
        "street": street,
        "postal_code": (a.postal_code or "") if a else "",
        "city": (a.city or "") if a else "",
        "country": (a.country or "") if a else "",
    }


def _read_one(system: str, entity: Any, record_id: str, ctx: Any) -> Any:
    """One record re-read from `system` by id and decoded (None when it is gone)."""
    from flows import registry
    from flows.registry import Role

    adapter = registry.spec(system).adapter(entity, Role.SOURCE)(ctx)
    try:
        page = adapter.read_ids([record_id], None)
        return adapter.decode(page.records[0]) if page.records else None
    finally:
        adapter.close()


def side_by_side(state: Any, letter: Any) -> dict[str, Any]:
    """A review letter's two customers IN CLEAR, each re-read from its system by its ref (the
    store's stays masked in the letter): the held record's customer and the target's customer
    it may duplicate, field by field with the matcher's level. For the console only.

    Raises:
        ValueError: the letter is not a duplicate review (no target customer to compare with).
    """
    from flows.ports import Context
    from flows.usecases import parse_stream
    from transforms.canonical import Entity

    findings = letter.findings if isinstance(letter.findings, dict) else {}
    if findings.get("rule") != RULE or not findings.get("target_id"):
        raise ValueError(f"dead letter {letter.id} is not a possible duplicate customer")
    use_case, source, target = parse_stream(letter.flow)
    held = _read_one(
        letter.system,
        Entity(letter.entity),
        letter.external_id,
        Context(state, target, use_case.name),
    )
    customer = getattr(held, "customer", held)
    other_system = str(findings.get("target") or target)
    other = _read_one(
        other_system,
        Entity.CUSTOMER,
        str(findings["target_id"]),
        Context(state, source, "customers"),
    )
    cfg = settings().config()
    levels: dict[str, str] = {}
    if isinstance(customer, Customer) and isinstance(other, Customer):
        found = matching.compare(matching.profile(customer, cfg), matching.profile(other, cfg), cfg)
        levels = dict(found.levels)
        score: float | None = found.score
    else:
        score = None
    left, right = _fields(customer if isinstance(customer, Customer) else None), _fields(other)
    return {
        "letter": letter.id,
        "held": customer.ref.key if isinstance(customer, Customer) else None,
        "target": f"{other_system}:customer:{findings['target_id']}",
        "score": score,
        "rows": [
            {
                "field": f,
                "held": left.get(f, ""),
                "target": right.get(f, ""),
                "level": levels.get(f, ""),
            }
            for f in SHOWN
        ],
    }
