"""Benchmark: duplicate-customer screening on a seeded set with known duplicates. Prints figures.

    .venv/bin/python bench/duplicates.py [--existing 3000] [--new 1500] [--share 0.5] [--seed 11]

A back office holds `--existing` customers (the seed's first and last names, so different
people share names; its streets and cities; households: some share an address, a last name
and often a landline). `--new` customers arrive to be created, `--share` of them duplicates of
an existing one that the e-mail look-up missed (a person who is already there under another
address):

* typo: a typo in the first or last name, the e-mail mistyped or the same with a tag;
* swapped: first and last name swapped, another e-mail;
* changed e-mail: another provider, the phone and street written another way;
* gmail variant: the same Gmail mailbox with dots or a ``+tag`` (one mailbox by provider rule);
* moved: another e-mail and another address, the same phone;
* no phone: another e-mail, no phone, the same address;
* one line: another e-mail, the US address on one line (``usaddress`` splits it);

and the others new people, the hard ones among them on purpose:

* household: the address, the last name and half the time the phone of an existing customer,
  another first name and e-mail;
* same name: the first and last name of an existing customer, elsewhere (half of them in the
  same city and postal code);
* new: anyone else.

Each new customer goes through the same path as in a back office: its blocking keys pick the
candidates (`transforms.matching.blocking_keys`), `rank` scores them, `decide` decides.
Printed: precision and recall of "match" (linked automatically) and of "match + review" (linked
or held for a person), where a positive is right only if it names the true duplicate; then per
kind the share linked, held and created; the candidates compared per customer and the time per
customer. Last, the sandbox's seed world (its 200 customers and guests as order-to-cash creates
them): how many would be held or linked (none should: they are all different people or share
an e-mail, which links them before screening).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox.seed.people import FIRST, FOREIGN, LAST, STREETS, US_CITIES
from transforms.canonical import Address, Customer, Entity, ExternalRef
from transforms.matching import (
    Decision,
    MatchConfig,
    Profile,
    blocking_keys,
    decide,
    load_config,
    normalise_email,
    profile,
    rank,
)

DUPLICATE_KINDS = (
    "typo",
    "swapped",
    "changed e-mail",
    "gmail variant",
    "moved",
    "no phone",
    "one line",
)
OTHER_KINDS = ("household", "same name", "new")
PROVIDERS = ("gmail.com", "yahoo.com", "outlook.com", "example.com", "icloud.com", "mail.de")
AREA = {"Springfield": "217", "Austin": "512", "Denver": "303", "Portland": "503"}
AREA |= {"Miami": "305", "Boston": "617", "Seattle": "206", "Phoenix": "602"}
STREET_TYPES = (("St", "Street"), ("Ave", "Avenue"), ("Rd", "Road"), ("Dr", "Drive"))
MORE_STREETS = (*STREETS, "Maple", "Birch", "Willow", "Harbor", "Lake", "Hill", "Park", "Mill")


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    email: str
    phone: str | None
    line1: str
    city: str
    region: str
    postal: str
    country: str


@dataclass(frozen=True)
class Case:
    customer: Customer
    kind: str
    truth: str | None  # the reference of the existing customer it duplicates


def _phone(rng: random.Random, city: str, country: str, style: int | None = None) -> str:
    style = rng.randrange(4) if style is None else style
    if country != "US":
        prefix = next((f[4] for f in FOREIGN if f[0] == city), "+44 20 7946")
        return f"{prefix} {rng.randint(0, 9999):04d}"
    area = AREA.get(city, "555")
    exchange, line = rng.randint(200, 999), rng.randint(0, 9999)
    return _styled(area, exchange, line, style)


def _styled(area: str, exchange: int, line: int, style: int) -> str:
    return (
        f"({area}) {exchange}-{line:04d}",
        f"{area}-{exchange}-{line:04d}",
        f"+1 {area} {exchange} {line:04d}",
        f"{area}{exchange}{line:04d}",
    )[style]


def _restyle(rng: random.Random, phone: str | None) -> str | None:
    """The same US number written another way."""
    if phone is None:
        return None
    digits = "".join(ch for ch in phone if ch.isdigit())[-10:]
    if len(digits) != 10 or phone.startswith("+4") or phone.startswith("+3"):
        return phone
    return _styled(digits[:3], int(digits[3:6]), int(digits[6:]), rng.randrange(4))


def _street(rng: random.Random) -> str:
    short, _ = rng.choice(STREET_TYPES)
    return f"{rng.randint(1, 999)} {rng.choice(MORE_STREETS)} {short}"


def _long_form(line1: str) -> str:
    for short, long in STREET_TYPES:
        if line1.endswith(f" {short}"):
            return line1[: -len(short)] + long
    return line1


def _place(rng: random.Random) -> tuple[str, str, str, str]:
    if rng.random() < 0.15:
        city, region, postal, country, _ = rng.choice(FOREIGN)
        return city, region, postal, country
    city, region, postal = rng.choice(US_CITIES)
    return city, region, postal, "US"


def _email(rng: random.Random, first: str, last: str, n: int) -> str:
    local = rng.choice(
        (
            f"{first}.{last}",
            f"{first}{last}",
            f"{first[0]}{last}{n % 100}",
            f"{first}.{last}{n % 1000}",
            f"{last}.{first}",
        )
    ).lower()
    return f"{local}@{rng.choice(PROVIDERS)}"


MAILBOXES: set[str] = set()  # one person per mailbox (as providers make it)


def _unique(rng: random.Random, email: str) -> str:
    """`email`, or with digits added, so no two people share a mailbox (by provider rule)."""
    cfg = load_config()
    while normalise_email(email, cfg) in MAILBOXES:
        local, _, domain = email.partition("@")
        email = f"{local}{rng.randint(1, 9999)}@{domain}"
    MAILBOXES.add(str(normalise_email(email, cfg)))
    return email


def person(rng: random.Random, n: int) -> Person:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    city, region, postal, country = _place(rng)
    phone = _phone(rng, city, country) if rng.random() < 0.85 else None
    email = _unique(rng, _email(rng, first, last, n))
    return Person(first, last, email, phone, _street(rng), city, region, postal, country)


def customer(p: Person, system: str, cid: str, *, one_line: bool = False) -> Customer:
    address = (
        Address(line1=f"{p.line1}, {p.city}, {p.region} {p.postal}")
        if one_line
        else Address(
            line1=p.line1,
            city=p.city,
            region=p.region or None,
            postal_code=p.postal,
            country=p.country,
        )
    )
    return Customer(
        ref=ExternalRef(system=system, entity=Entity.CUSTOMER, id=cid),  # type: ignore[arg-type]
        email=p.email,
        first_name=p.first,
        last_name=p.last,
        phone=p.phone,
        billing_address=address,
    )


def _typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word)) if len(word) > 1 else 0
    op = rng.randrange(4)
    if op == 0 and i < len(word) - 1:  # transpose
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op == 1 and len(word) > 3:  # delete
        return word[:i] + word[i + 1 :]
    if op == 2:  # insert
        return word[:i] + rng.choice("aeinrst") + word[i:]
    return word[:i] + rng.choice("aeioulnrst".replace(word[i], "")) + word[i + 1 :]


def _other_email(rng: random.Random, p: Person, n: int) -> str:
    """Another mailbox (of the same person, or of someone else of that name)."""
    return _unique(rng, _email(rng, p.first, p.last, n + rng.randint(1, 99)))


def duplicate(rng: random.Random, p: Person, kind: str, n: int) -> tuple[Person, bool]:
    """A new record of the existing person `p` (and whether its address is on one line)."""
    d = {**p.__dict__}
    if kind == "typo":
        which = rng.choice(("first", "last"))
        d[which] = _typo(rng, d[which])
        local, _, domain = p.email.partition("@")
        d["email"] = rng.choice(
            (f"{_typo(rng, local)}@{domain}", f"{local}@{_typo(rng, domain.split('.')[0])}.com")
        )
    elif kind == "swapped":
        d["first"], d["last"] = p.last, p.first
        d["email"] = _other_email(rng, p, n)
    elif kind == "changed e-mail":
        d["email"] = _other_email(rng, p, n)
        d["phone"] = _restyle(rng, p.phone)
        d["line1"] = _long_form(p.line1)
    elif kind == "gmail variant":
        local = p.email.split("@")[0].replace(".", "")
        dotted = ".".join(local[i : i + 3] for i in range(0, len(local), 3))
        d["email"] = rng.choice((f"{dotted}@gmail.com", f"{local}+shop@gmail.com"))
    elif kind == "moved":
        d["email"] = _other_email(rng, p, n)
        d["city"], d["region"], d["postal"], d["country"] = _place(rng)
        d["line1"] = _street(rng)
    elif kind == "no phone":
        d["email"] = _other_email(rng, p, n)
        d["phone"] = None
    elif kind == "one line":
        d["email"] = _other_email(rng, p, n)
    return Person(**d), kind == "one line" and p.country == "US"


def _member(rng: random.Random, p: Person, people: list[Person]) -> str:
    """A first name nobody at `p`'s address has (another member of the household)."""
    taken = {q.first for q in people if (q.line1, q.postal) == (p.line1, p.postal)}
    return rng.choice([f for f in FIRST if f not in taken])


def other(rng: random.Random, kind: str, existing: list[Person], n: int) -> Person:
    """A new person (a hard one for `household` and `same name`)."""
    if kind == "household":
        p = rng.choice(existing)
        first = _member(rng, p, existing)
        phone = p.phone if rng.random() < 0.5 else _phone(rng, p.city, p.country)
        return Person(
            first,
            p.last,
            _unique(rng, _email(rng, first, p.last, n)),
            phone,
            p.line1,
            p.city,
            p.region,
            p.postal,
            p.country,
        )
    fresh = person(rng, n)
    if kind == "same name":
        p = rng.choice(existing)
        near = rng.random() < 0.5
        city, region, postal, country = (
            (p.city, p.region, p.postal, p.country)
            if near
            else (fresh.city, fresh.region, fresh.postal, fresh.country)
        )
        return Person(
            p.first,
            p.last,
            _other_email(rng, p, n),
            fresh.phone,
            fresh.line1,
            city,
            region,
            postal,
            country,
        )
    return fresh


def build(
    rng: random.Random, n_existing: int, n_new: int, share: float
) -> tuple[list[Customer], list[Case]]:
    people: list[Person] = []
    for i in range(n_existing):
        if people and rng.random() < 0.1:  # a household: two customers at one address
            p = rng.choice(people)
            first = _member(rng, p, people)
            people.append(
                Person(
                    first,
                    p.last,
                    _unique(rng, _email(rng, first, p.last, i)),
                    p.phone,
                    p.line1,
                    p.city,
                    p.region,
                    p.postal,
                    p.country,
                )
            )
        else:
            people.append(person(rng, i))
    existing = [customer(p, "sage300", f"C{i:05d}") for i, p in enumerate(people)]
    emails = {p.email for p in people}
    cases: list[Case] = []
    for j in range(n_new):
        cid = f"{j + 1}"
        if rng.random() < share:
            i = rng.randrange(len(people))
            kind = rng.choice(DUPLICATE_KINDS)
            if kind == "gmail variant" and not people[i].email.endswith("@gmail.com"):
                kind = "changed e-mail"
            p, one_line = duplicate(rng, people[i], kind, j)
            truth: str | None = existing[i].ref.key
        else:
            kind = rng.choice(OTHER_KINDS)
            p, one_line, truth = other(rng, kind, people, n_existing + j), False, None
        if p.email in emails:  # linked by its e-mail before any screening: not screened
            continue
        cases.append(Case(customer(p, "shift4shop", cid, one_line=one_line), kind, truth))
    return existing, cases


def index(profiles: list[Profile], cfg: MatchConfig) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(profiles):
        for key in blocking_keys(p, cfg):
            out[key].append(i)
    return out


@dataclass
class Tally:
    tp: int = 0
    predicted: int = 0

    def precision(self) -> float:
        return self.tp / self.predicted if self.predicted else 1.0


def evaluate(existing: list[Customer], cases: list[Case], cfg: MatchConfig) -> None:
    profiles = [profile(c, cfg) for c in existing]
    blocks = index(profiles, cfg)
    match, either = Tally(), Tally()
    per_kind: dict[str, Counter[str]] = defaultdict(Counter)
    compared: list[int] = []
    duplicates = sum(c.truth is not None for c in cases)
    started = time.perf_counter()
    for case in cases:
        new = profile(case.customer, cfg)
        seen = sorted({i for key in blocking_keys(new, cfg) for i in blocks.get(key, ())})
        verdict = decide(rank(new, [profiles[i] for i in seen], cfg), cfg)
        compared.append(verdict.compared)
        decision = verdict.decision
        named = verdict.best.candidate if verdict.best else None
        right = case.truth is not None and named == case.truth
        per_kind[case.kind][
            decision.value
            + (
                ""
                if right or decision is Decision.NO_MATCH or case.truth is None
                else " (wrong one)"
            )
        ] += 1
        if decision is Decision.MATCH:
            match.predicted += 1
            match.tp += right
        if decision in (Decision.MATCH, Decision.REVIEW):
            either.predicted += 1
            either.tp += right
    elapsed = time.perf_counter() - started
    print(f"{len(existing)} existing customers, {len(cases)} new ({duplicates} duplicates)")
    for label, t in (("match", match), ("match + review", either)):
        recall = t.tp / duplicates if duplicates else 1.0
        print(
            f"  {label:<15} precision {t.precision():.3f}  recall {recall:.3f}  "
            f"({t.tp} right of {t.predicted} predicted)"
        )
    print("  per kind (share of its cases):")
    for kind in (*DUPLICATE_KINDS, *OTHER_KINDS):
        counts = per_kind.get(kind, Counter())
        total = sum(counts.values())
        if not total:
            continue
        shown = ", ".join(f"{k} {n / total:.2f}" for k, n in sorted(counts.items()))
        role = "duplicate" if kind in DUPLICATE_KINDS else "different"
        print(f"    {kind:<15} {role:<9} n={total:<4} {shown}")
    print(
        f"  candidates compared per customer: mean {statistics.mean(compared):.1f}, "
        f"max {max(compared)}; {1000 * elapsed / len(cases):.2f} ms per customer"
    )


def seed_world(cfg: MatchConfig) -> None:
    """The sandbox's world as the customers use case and order-to-cash create it: each new
    e-mail is screened against the customers created before it and the back office's own."""
    import datetime as dt

    from sandbox.seed import SeedConfig, build_world

    world = build_world(SeedConfig(anchor=dt.datetime(2026, 11, 23, tzinfo=dt.UTC)))
    known: dict[str, Customer] = {}
    for n, contact in enumerate(world.crm_contacts):
        ref = ExternalRef(system="sage300", entity=Entity.CUSTOMER, id=f"{1100 + 5 * n}")  # type: ignore[arg-type]
        known.setdefault(
            contact.email,
            Customer(
                ref=ref,
                email=contact.email,
                first_name=contact.first_name,
                last_name=contact.last_name,
            ),
        )
    shoppers = [*world.customers, *(o.customer for o in sorted(world.orders, key=_placed))]
    held = linked = screened = 0
    existing: list[Profile] = [profile(c, cfg) for c in known.values()]
    for n, c in enumerate(shoppers):
        if not c.email or c.email in known:
            continue  # linked by its e-mail
        p = Person(
            c.first_name,
            c.last_name,
            c.email,
            c.phone or None,
            c.address,
            c.city,
            c.state,
            c.zip_code,
            c.country,
        )
        new = customer(p, "shift4shop", str(c.customer_id or f"guest{n}"))
        screened += 1
        verdict = decide(rank(profile(new, cfg), existing, cfg), cfg)
        held += verdict.decision is Decision.REVIEW
        linked += verdict.decision is Decision.MATCH
        known[c.email] = new
        existing.append(profile(new, cfg))
    print(
        f"sandbox seed world: {screened} new e-mails screened, {linked} linked, {held} held "
        "for review (expected: 0 and 0)"
    )


def _placed(o: object) -> object:
    return getattr(o, "order_date")  # noqa: B009


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--existing", type=int, default=3000)
    parser.add_argument("--new", type=int, default=1500)
    parser.add_argument("--share", type=float, default=0.5, help="share of duplicates")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    cfg = load_config()
    rng = random.Random(args.seed)
    MAILBOXES.clear()
    existing, cases = build(rng, args.existing, args.new, args.share)
    t = cfg.thresholds
    print(f"thresholds: match {t.match}, review {t.review}; prior {cfg.prior}")
    evaluate(existing, cases, cfg)
    seed_world(cfg)


if __name__ == "__main__":
    main()
