"""Duplicate-customer screening (pure): is a new customer one the back office already has?

A scored rule set in the Fellegi-Sunter style, on `rapidfuzz`, `phonenumbers`, `email-validator`
and `usaddress`; the numbers are data (`transforms/mappings/matching.yaml`, `MatchConfig`).

* **normalise** each customer once (`profile`): the e-mail by `email-validator` (syntax only, no
  DNS; lower case; a provider's dots and sub-address tags dropped only for the providers whose
  rules say so), the phone as E.164 by `phonenumbers` (the region from the address, else the
  default; a number no plan allows keeps its digits), the names case- and accent-folded, the
  addresses (billing, shipping, the address book) as street tokens with one form per street word
  and the house number apart, the postal code compact (US: the five-digit ZIP), the city, the
  country; a US street written on one line ("12 Oak St, Austin, TX 73301") is split by
  `usaddress`.
* **block** (`blocking_keys`, `probe`): only customers sharing a key are compared: the e-mail,
  its local part, the phone's last digits, the postal code with the initial of either name.
* **compare** field by field (`compare`): each field at one level (e-mail exact / similar /
  different, phone exact / partial / different, name exact / swapped / typo / initial /
  different, street exact / similar / different, postal code, city, country); a level weighs
  log2(m/u), a missing field nothing. The score is the posterior probability of a duplicate
  under the configured prior, 0..1.
* **decide** (`screen`): match (link, create nothing), review (a person decides) or no-match
  (create), by the thresholds and rules of the config; two candidates at the match level are a
  review. A `Match` names the fields that agreed and their levels, never their values.
"""

from __future__ import annotations

import enum
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator
from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from transforms.canonical import Address, Customer

FIELDS = ("email", "phone", "name", "street", "postal_code", "city", "country")
LEVELS: dict[str, tuple[str, ...]] = {
    "email": ("exact", "similar", "different"),
    "phone": ("exact", "partial", "different"),
    "name": ("exact", "swapped", "typo", "initial", "different"),
    "street": ("exact", "similar", "different"),
    "postal_code": ("exact", "different"),
    "city": ("exact", "different"),
    "country": ("exact", "different"),
}
ADDRESS_FIELDS = ("street", "postal_code", "city", "country")


class Decision(enum.StrEnum):
    """What to do with a new customer."""

    MATCH = "match"  # it is the existing customer: link, create nothing
    REVIEW = "review"  # it may be: a person decides
    NO_MATCH = "no-match"  # create it


# --- configuration ---------------------------------------------------------------------------
class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Level(_Model):
    """One comparison level of a field: m = P(level | duplicate), u = P(level | different)."""

    m: float = Field(gt=0, lt=1)
    u: float = Field(gt=0, lt=1)
    agree: bool = False  # the field counts as agreeing at this level

    @property
    def weight(self) -> float:
        return math.log2(self.m / self.u)


class Thresholds(_Model):
    match: float = Field(gt=0, le=1)
    review: float = Field(gt=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.review > self.match:
            raise ValueError("thresholds: review must not be above match")
        return self


class Rules(_Model):
    """Which agreeing fields a decision needs (``field`` or ``field:level``)."""

    match_requires_all: tuple[str, ...] = ()
    match_requires_any: tuple[str, ...] = ()
    review_requires_any: tuple[str, ...] = ()


class Candidates(_Model):
    per_customer: int = Field(default=50, ge=1)
    reported: int = Field(default=3, ge=1)
    rows_per_batch: int = Field(default=2000, ge=1)


class Similarity(_Model):
    name_typo: float = Field(default=0.92, gt=0, le=1)
    name_token_sort: float = Field(default=92, gt=0, le=100)
    email_edits: int = Field(default=2, ge=0)
    street_fuzzy: float = Field(default=88, gt=0, le=100)
    city: float = Field(default=0.92, gt=0, le=1)


class PhoneRules(_Model):
    default_region: str = "US"
    partial_digits: int = Field(default=7, ge=4)
    query_digits: int = Field(default=4, ge=3)


class Provider(_Model):
    dots: bool = False
    tag: str | None = None
    alias: str | None = None


class MatchConfig(_Model):
    """`transforms/mappings/matching.yaml` (documented there)."""

    prior: float = Field(gt=0, lt=1)
    thresholds: Thresholds
    rules: Rules = Rules()
    candidates: Candidates = Candidates()
    similarity: Similarity = Similarity()
    phone: PhoneRules = PhoneRules()
    fields: dict[str, dict[str, Level]]
    email_providers: dict[str, Provider] = {}
    street_words: dict[str, str] = {}

    @model_validator(mode="after")
    def _complete(self) -> MatchConfig:
        for name, levels in LEVELS.items():
            given = self.fields.get(name)
            if given is None:
                raise ValueError(f"fields.{name}: missing (levels {', '.join(levels)})")
            if set(given) != set(levels):
                raise ValueError(f"fields.{name}: levels must be {', '.join(levels)}")
        unknown = set(self.fields) - set(LEVELS)
        if unknown:
            raise ValueError(f"fields: unknown field(s) {sorted(unknown)}")
        for rule in (
            *self.rules.match_requires_all,
            *self.rules.match_requires_any,
            *self.rules.review_requires_any,
        ):
            name, _, level = rule.partition(":")
            if name not in LEVELS or (level and level not in LEVELS[name]):
                raise ValueError(f"rules: {rule!r} names no field (or level) of `fields`")
        return self

    def level(self, name: str, level: str) -> Level:
        return self.fields[name][level]

    def with_thresholds(
        self, match: float | None = None, review: float | None = None
    ) -> MatchConfig:
        """A copy with other thresholds (settings may override the file's)."""
        given = self.thresholds
        thresholds = Thresholds(
            match=given.match if match is None else match,
            review=given.review if review is None else review,
        )
        return self.model_copy(update={"thresholds": thresholds})


@cache
def load_config(text: str | None = None) -> MatchConfig:
    """The shipped config (`transforms/mappings/matching.yaml`), or one from YAML `text`."""
    if text is None:
        ref = resources.files("transforms").joinpath("mappings", "matching.yaml")
        text = ref.read_text(encoding="utf-8")
    return MatchConfig.model_validate(yaml.safe_load(text))


# --- normalisation ---------------------------------------------------------------------------
_NON_WORD = re.compile(r"[^0-9a-z]+")
_DIGITS = re.compile(r"\D+")


def fold(text: str | None) -> str:
    """Lower case without accents and punctuation, single spaces ("Zoë O'Neil" -> "zoe o neil")."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return _NON_WORD.sub(" ", plain).strip()


def normalise_email(text: str | None, cfg: MatchConfig) -> str | None:
    """The e-mail as one mailbox: checked by `email-validator` (syntax only, no DNS), lower
    case, the provider's dots and sub-address tag dropped where its rules say so."""
    if not text or not text.strip():
        return None
    return _email(text.strip(), _providers(cfg))


def _providers(cfg: MatchConfig) -> tuple[tuple[str, Provider], ...]:
    return tuple(sorted(cfg.email_providers.items()))


@lru_cache(maxsize=65536)
def _email(text: str, providers: tuple[tuple[str, Provider], ...]) -> str | None:
    from email_validator import EmailNotValidError, validate_email

    try:
        found = validate_email(text, check_deliverability=False)
        local, domain = str(found.local_part), str(found.ascii_domain or found.domain)
    except EmailNotValidError:
        local, sep, domain = text.rpartition("@")
        if not sep or not local or not domain:
            return None
    local, domain = local.casefold(), domain.casefold()
    rule = dict(providers).get(domain)
    if rule is not None:
        if rule.tag and rule.tag in local:
            local = local.split(rule.tag, 1)[0]
        if rule.dots:
            local = local.replace(".", "")
        domain = rule.alias or domain
    return f"{local}@{domain}" if local else None


def email_local(text: str | None) -> str | None:
    """The local part of an address before any ``+`` tag, lower case (a blocking key; what a
    back office's candidate read looks for as ``local@%``)."""
    if not text or "@" not in text:
        return None
    local = text.strip().rpartition("@")[0].casefold().split("+", 1)[0]
    return local or None


def normalise_phone(text: str | None, region: str) -> str | None:
    """E.164 (``+14165550142``) when `phonenumbers` reads a possible number (an extension is
    dropped), else ``#`` and the digits; None for fewer than six digits."""
    if not text:
        return None
    digits = _DIGITS.sub("", text)
    if len(digits) < 6:
        return None
    return _phone(text.strip(), region)


@lru_cache(maxsize=65536)
def _phone(text: str, region: str) -> str:
    import phonenumbers

    digits = _DIGITS.sub("", text)
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return "#" + digits
    if not phonenumbers.is_possible_number(number):
        return "#" + digits
    number.extension = None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _region(country: str | None, cfg: MatchConfig) -> str:
    import phonenumbers

    code = (country or "").upper()
    return code if code in phonenumbers.SUPPORTED_REGIONS else cfg.phone.default_region


@dataclass(frozen=True)
class Place:
    """One normalised address: street tokens (house number apart), postal code, city, country."""

    number: str | None = None
    street: str | None = None  # the street's words, one form each ("main st")
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.street or self.postal_code or self.city)


_HOUSE = re.compile(r"^\d+[a-z]?$")


def normalise_street(line: str | None, cfg: MatchConfig) -> tuple[str | None, str | None]:
    """(house number, street words) of a street line: folded, one form per street word."""
    words = [cfg.street_words.get(w, w) for w in fold(line).split()]
    if not words:
        return None, None
    number = next((w for w in words if _HOUSE.match(w)), None)
    rest = [w for w in words if w != number]
    return number, (" ".join(rest) or None)


def normalise_postal(code: str | None, country: str | None) -> str | None:
    """Upper case without spaces or dashes; a US code as its five-digit ZIP."""
    compact = re.sub(r"[^0-9A-Za-z]", "", code or "").upper()
    if not compact:
        return None
    us = country == "US" or (country is None and compact.isdigit() and len(compact) in (5, 9))
    return compact[:5] if us and compact[:5].isdigit() else compact


def _single_line(a: Address) -> dict[str, str | None] | None:
    """The parts of a US address written on its first line, by `usaddress` (None: it is not
    one, or `usaddress` cannot tell)."""
    line = a.line1 or ""
    if a.postal_code or a.city or "," not in line or a.country not in (None, "US"):
        return None
    from transforms.converters import parse_us_address

    try:
        return parse_us_address(line)
    except ValueError:
        return None


def place(a: Address, cfg: MatchConfig) -> Place:
    """`a` normalised (`Place`)."""
    line1, postal, city, country = a.line1, a.postal_code, a.city, a.country
    parts = _single_line(a)
    if parts is not None:
        line1 = parts.get("line1") or line1
        postal, city, country = parts.get("postal_code"), parts.get("city"), "US"
    number, street = normalise_street(line1, cfg)
    return Place(
        number=number,
        street=street,
        postal_code=normalise_postal(postal, country),
        city=fold(city) or None,
        country=(country or "").upper() or None,
    )


@dataclass(frozen=True)
class Profile:
    """What screening compares of one customer (normalised once)."""

    ref: str
    email: str | None
    email_local: str | None
    phone: str | None
    first: str
    last: str
    places: tuple[Place, ...]

    @property
    def initials(self) -> frozenset[str]:
        return frozenset(n[0] for n in (self.first, self.last) if n)

    @property
    def has_name(self) -> bool:
        return bool(self.first or self.last)


def _addresses(c: Customer) -> list[Address]:
    found = [a for a in (c.billing_address, c.shipping_address, *c.addresses) if a is not None]
    return found


def profile(c: Customer, cfg: MatchConfig) -> Profile:
    """`c` normalised for comparison."""
    places: list[Place] = []
    for a in _addresses(c):
        p = place(a, cfg)
        if not p.empty and p not in places:
            places.append(p)
    country = next((p.country for p in places if p.country), None)
    phones = [c.phone, *(a.phone for a in _addresses(c))]
    phone = next((p for p in phones if p), None)
    first = c.first_name or (c.billing_address.first_name if c.billing_address else None)
    last = c.last_name or (c.billing_address.last_name if c.billing_address else None)
    email = normalise_email(c.email, cfg)
    return Profile(
        ref=c.ref.key,
        email=email,
        email_local=email_local(c.email),
        phone=normalise_phone(phone, _region(country, cfg)),
        first=fold(first),
        last=fold(last),
        places=tuple(places),
    )


# --- blocking --------------------------------------------------------------------------------
def _phone_digits(phone: str | None) -> str:
    return _DIGITS.sub("", phone or "")


def blocking_keys(p: Profile, cfg: MatchConfig) -> frozenset[str]:
    """The keys a candidate must share with `p` to be compared with it."""
    keys: set[str] = set()
    if p.email:
        keys.add(f"email:{p.email}")
    if p.email_local:
        keys.add(f"local:{p.email_local}")
    digits = _phone_digits(p.phone)
    if len(digits) >= cfg.phone.partial_digits:
        keys.add(f"phone:{digits[-cfg.phone.partial_digits :]}")
    for pl in p.places:
        if pl.postal_code:
            keys.update(f"postal:{pl.postal_code}:{i}" for i in p.initials)
    return frozenset(keys)


def postal_prefix(code: str) -> str:
    """What a back office's candidate read looks for of a (normalised) postal code, as a
    prefix (``LIKE '62701%'``): the stored value may carry a ZIP+4 or spaces."""
    return code[:5] if code.isdigit() else code[:3]


@dataclass(frozen=True)
class Probe:
    """What a back office's candidate read looks for, for a batch of new customers: a superset
    of the blocks (values, so it goes into queries only, never into logs).

    Attributes:
        emails: normalised and given e-mails (``Email IN (...)``).
        locals: e-mail local parts (``Email LIKE 'local@%'`` or ``'local+%'``).
        phones: the last `PhoneRules.query_digits` digits (``Phone LIKE '%1234'``).
        postal: postal-code prefix -> upper-case name initials (``PostalCode LIKE '627%' AND
            (LastName LIKE 'C%' OR FirstName LIKE 'C%' ...)``).
    """

    emails: tuple[str, ...] = ()
    locals: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    postal: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.emails or self.locals or self.phones or self.postal)


def probe(customers: Iterable[Customer], cfg: MatchConfig) -> Probe:
    """The `Probe` of a batch of new customers."""
    emails: set[str] = set()
    locals_: set[str] = set()
    phones: set[str] = set()
    postal: dict[str, set[str]] = {}
    for c in customers:
        p = profile(c, cfg)
        emails.update(e for e in (p.email, (c.email or "").strip().lower()) if e)
        if p.email_local:
            locals_.add(p.email_local)
        digits = _phone_digits(p.phone)
        if len(digits) >= cfg.phone.query_digits:
            phones.add(digits[-cfg.phone.query_digits :])
        for pl in p.places:
            if pl.postal_code and p.initials:
                postal.setdefault(postal_prefix(pl.postal_code), set()).update(
                    i.upper() for i in p.initials
                )
    return Probe(
        tuple(sorted(emails)),
        tuple(sorted(locals_)),
        tuple(sorted(phones)),
        {k: tuple(sorted(v)) for k, v in sorted(postal.items())},
    )


# --- comparison ------------------------------------------------------------------------------
def _name_like(local: str, *people: Profile) -> bool:
    """Whether an e-mail local part is only a name ("ada.chen", "achen", "chen.ada"): the same
    one at another domain is then no more evidence than the name."""
    if any(ch.isdigit() for ch in local):
        return False
    letters = re.sub(r"[^a-z]", "", local)
    for p in people:
        f, la = p.first.replace(" ", ""), p.last.replace(" ", "")
        if letters in {f + la, la + f, f[:1] + la, f + la[:1], la + f[:1], f, la} - {""}:
            return True
    return False


def _email_level(a: Profile, b: Profile, cfg: MatchConfig) -> str | None:
    if not a.email or not b.email:
        return None
    if a.email == b.email:
        return "exact"
    local_a, _, domain_a = a.email.rpartition("@")
    local_b, _, domain_b = b.email.rpartition("@")
    if local_a == local_b and len(local_a) >= 4:  # the same mailbox name at another domain:
        if DamerauLevenshtein.distance(domain_a, domain_b) <= cfg.similarity.email_edits:
            return "similar"  # a typo of the domain
        return None if _name_like(local_a, a, b) else "similar"  # a name says no more
    undotted = re.sub(r"[._-]", "", local_a) == re.sub(r"[._-]", "", local_b)
    if undotted and _name_like(local_a, a, b):
        return None  # ada.chen and adachen at one provider: two mailboxes, only the name agrees
    # a typo: few edits, the same first character and digits (first.last12 and first.last150,
    # or achen and bchen, are two people)
    same_digits = _DIGITS.sub("", local_a) == _DIGITS.sub("", local_b)
    edits = DamerauLevenshtein.distance(a.email, b.email)
    if (
        same_digits
        and local_a[:1] == local_b[:1]
        and edits <= cfg.similarity.email_edits
        and min(len(local_a), len(local_b)) > 3
    ):
        return "similar"
    return "different"


def _phone_level(a: Profile, b: Profile, cfg: MatchConfig) -> str | None:
    if not a.phone or not b.phone:
        return None
    if a.phone == b.phone:
        return "exact"
    da, db = _phone_digits(a.phone), _phone_digits(b.phone)
    if min(len(da), len(db)) >= 10 and da[-10:] == db[-10:]:
        return "exact"  # one side without its country code, or not a possible number
    n = cfg.phone.partial_digits
    if min(len(da), len(db)) >= n and da[-n:] == db[-n:]:
        return "partial"
    return "different"


def _jw(x: str, y: str) -> float:
    return float(JaroWinkler.similarity(x, y)) if x and y else 0.0


def _name_level(a: Profile, b: Profile, cfg: MatchConfig) -> str | None:
    if not a.has_name or not b.has_name:
        return None
    if (a.first, a.last) == (b.first, b.last):
        return "exact"
    if a.first and a.last and (a.first, a.last) == (b.last, b.first):
        return "swapped"
    typo = cfg.similarity.name_typo
    full_a, full_b = f"{a.first} {a.last}".strip(), f"{b.first} {b.last}".strip()
    for first, last in ((b.first, b.last), (b.last, b.first)):
        if a.first and a.last and _jw(a.first, first) >= typo and _jw(a.last, last) >= typo:
            return "typo"
    if (
        _jw(full_a, full_b) >= max(typo, 0.96)
        or fuzz.token_sort_ratio(full_a, full_b) >= cfg.similarity.name_token_sort
    ):
        return "typo"
    if a.first and a.last and len(full_a) >= 6:  # one edit in a short name ("Aad Chen")
        for first, last in ((b.first, b.last), (b.last, b.first)):
            initials = (a.first[:1], a.last[:1]) == (first[:1], last[:1])
            if initials and DamerauLevenshtein.distance(full_a, f"{first} {last}") == 1:
                return "typo"
    same_initial = bool(a.first[:1]) and a.first[:1] == b.first[:1]
    if a.last and a.last == b.last and same_initial and min(len(a.first), len(b.first)) == 1:
        return "initial"  # "J Smith" and "John Smith"
    return "different"


def _place_levels(a: Place, b: Place, cfg: MatchConfig) -> dict[str, str | None]:
    levels: dict[str, str | None] = dict.fromkeys(ADDRESS_FIELDS)
    if a.street and b.street:
        if a.number != b.number and a.number and b.number:
            levels["street"] = "different"
        elif a.street == b.street and a.number == b.number:
            levels["street"] = "exact"
        elif fuzz.token_sort_ratio(a.street, b.street) >= cfg.similarity.street_fuzzy:
            levels["street"] = "similar"
        else:
            levels["street"] = "different"
    if a.postal_code and b.postal_code:
        levels["postal_code"] = "exact" if a.postal_code == b.postal_code else "different"
    if a.city and b.city and not (a.postal_code and b.postal_code):  # the code says more
        close = a.city == b.city or _jw(a.city, b.city) >= cfg.similarity.city
        levels["city"] = "exact" if close else "different"
    if a.country and b.country:
        levels["country"] = "exact" if a.country == b.country else "different"
    return levels


def _weight(levels: Mapping[str, str | None], cfg: MatchConfig) -> float:
    return sum(cfg.level(f, lv).weight for f, lv in levels.items() if lv is not None)


def _address_levels(a: Profile, b: Profile, cfg: MatchConfig) -> dict[str, str | None]:
    """The address levels of the closest pair of the two customers' addresses."""
    best: dict[str, str | None] = dict.fromkeys(ADDRESS_FIELDS)
    best_weight = -math.inf
    for pa in a.places:
        for pb in b.places:
            levels = _place_levels(pa, pb, cfg)
            w = _weight(levels, cfg)
            if w > best_weight:
                best, best_weight = levels, w
    return best


@dataclass(frozen=True)
class Match:
    """How a new customer compares with one candidate (field names and levels, no values)."""

    candidate: str  # the candidate's reference ("sage300:customer:1100")
    score: float  # 0..1
    weight: float  # the summed log2 weights
    decision: Decision
    levels: Mapping[str, str]  # field -> level, for the fields both sides have
    agreed: tuple[str, ...]  # the fields at an agreeing level, in `FIELDS` order

    def findings(self) -> dict[str, Any]:
        """As plain JSON for a review's findings (no personal data; no field name is a key,
        so the dead-letter redaction, which masks values under keys such as "email", keeps
        them)."""
        return {
            "candidate": self.candidate,
            "score": round(self.score, 4),
            "decision": self.decision.value,
            "agreed": list(self.agreed),
            "levels": [{"field": f, "level": lv} for f, lv in self.levels.items()],
        }


def _satisfies(rule: str, levels: Mapping[str, str], agreed: Sequence[str]) -> bool:
    name, _, level = rule.partition(":")
    return levels.get(name) == level if level else name in agreed


def compare(a: Profile, b: Profile, cfg: MatchConfig) -> Match:
    """Compare a new customer `a` with candidate `b`: score, levels, the decision for this
    pair alone (`screen` decides over all candidates)."""
    found: dict[str, str | None] = {
        "email": _email_level(a, b, cfg),
        "phone": _phone_level(a, b, cfg),
        "name": _name_level(a, b, cfg),
        **_address_levels(a, b, cfg),
    }
    levels = {f: lv for f in FIELDS if (lv := found.get(f)) is not None}
    weight = _weight(levels, cfg)
    odds = cfg.prior / (1 - cfg.prior) * 2.0**weight
    score = 1.0 if math.isinf(odds) else odds / (1 + odds)
    agreed = tuple(f for f, lv in levels.items() if cfg.level(f, lv).agree)
    return Match(b.ref, score, weight, _decide(score, levels, agreed, cfg), levels, agreed)


def _decide(
    score: float, levels: Mapping[str, str], agreed: Sequence[str], cfg: MatchConfig
) -> Decision:
    rules, t = cfg.rules, cfg.thresholds
    reviewable = not rules.review_requires_any or any(
        _satisfies(r, levels, agreed) for r in rules.review_requires_any
    )
    if score < t.review or not reviewable:
        return Decision.NO_MATCH
    linkable = all(_satisfies(r, levels, agreed) for r in rules.match_requires_all) and (
        not rules.match_requires_any
        or any(_satisfies(r, levels, agreed) for r in rules.match_requires_any)
    )
    return Decision.MATCH if score >= t.match and linkable else Decision.REVIEW


@dataclass(frozen=True)
class Verdict:
    """The decision for one new customer over its candidates."""

    decision: Decision
    best: Match | None = None  # the candidate it matches or may duplicate
    matches: tuple[Match, ...] = ()  # candidates at review level or above, best first
    compared: int = 0  # candidates compared

    def findings(self, reported: int = 3) -> dict[str, Any]:
        """As plain JSON (no personal data): the rule, the best score and agreeing fields, and
        the candidates at review level or above."""
        best = self.best
        return {
            "rule": "customer.duplicate",
            "decision": self.decision.value,
            "score": round(best.score, 4) if best else 0.0,
            "agreed": list(best.agreed) if best else [],
            "candidate": best.candidate if best else None,
            "candidates": [m.findings() for m in self.matches[:reported]],
            "compared": self.compared,
        }


BLOCK_WEIGHTS = {"email": 8, "local": 4, "phone": 4, "postal": 1}


def _specificity(keys: Iterable[str]) -> int:
    """How telling shared blocking keys are: an e-mail or a phone before a postal code."""
    return sum(BLOCK_WEIGHTS.get(k.split(":", 1)[0], 1) for k in keys)


def rank(new: Profile, candidates: Sequence[Profile], cfg: MatchConfig) -> list[Match]:
    """Every candidate that shares a blocking key with `new`, compared, best first (at most
    `candidates.per_customer`: those sharing the most keys)."""
    keys = blocking_keys(new, cfg)
    shared = [(_specificity(keys & blocking_keys(c, cfg)), i) for i, c in enumerate(candidates)]
    chosen = sorted((s for s in shared if s[0] > 0), key=lambda s: (-s[0], s[1]))
    chosen = chosen[: cfg.candidates.per_customer]
    matches = [compare(new, candidates[i], cfg) for _, i in chosen]
    return sorted(matches, key=lambda m: (-m.score, m.candidate))


def decide(matches: Sequence[Match], cfg: MatchConfig) -> Verdict:
    """The verdict over ranked matches: the best one's decision, but a review when two or
    more candidates reach the match level (which one is it?)."""
    worth = tuple(m for m in matches if m.decision is not Decision.NO_MATCH)
    if not worth:
        return Verdict(Decision.NO_MATCH, matches[0] if matches else None, (), len(matches))
    best = worth[0]
    decision = best.decision
    if decision is Decision.MATCH and sum(m.score >= cfg.thresholds.match for m in worth) > 1:
        decision = Decision.REVIEW
    return Verdict(decision, best, worth, len(matches))


def screen(new: Customer, candidates: Sequence[Customer], cfg: MatchConfig) -> Verdict:
    """Is `new` one of `candidates` (a back office's customers)? See the module docstring."""
    profiles = [profile(c, cfg) for c in candidates]
    return decide(rank(profile(new, cfg), profiles, cfg), cfg)
