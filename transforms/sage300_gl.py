"""The daily GL postings for Sage 300 (pure): a store's payments of one business day as one
balanced GL/GLJournalBatches batch.

A *business day* is a calendar day in the merchant's time zone (`BusinessDay`: its UTC bounds
follow DST). Of the payments processed in it, only successful money movements count:

* SALE and CAPTURE (status SUCCEEDED) are sales; REFUND (SUCCEEDED) is a refund;
* authorisations (no money moved yet: the capture is posted when it happens), voids, failed and
  pending transactions, and payments without a processing time are skipped (counted per reason).

`DayTotals` adds them up order by order (sums per gateway and kind only, so a run keeps no
order: memory is bounded by the day's gateways, plus the day's counted payment keys, which make a
payment read twice count once). `journal_batch` turns the totals into the batch payload:

* the batch `Description` is ``storebridge <store> <YYYY-MM-DD>``, the look-up key that makes
  the flow idempotent (one batch per day and store);
* one journal entry **per gateway and kind** (sales, refunds, fees), each balanced in two
  details: sales Dr the gateway's clearing account / Cr receipts; refunds Dr refunds / Cr
  clearing; fees Dr fees expense / Cr clearing. An entry per gateway and kind reads like the
  processor's statement (one line per kind) and keeps each entry a two-line posting; empty
  entries are left out;
* amounts are Decimal, each payment rounded to the currency's minor unit (half-even) before it
  is summed, Amount > 0 a debit and < 0 a credit (as in Sage's sample), so debits = credits.

Assumptions where the APIs are silent (mapping: `transforms/mappings/sage300/gl_accounts.yaml`):
* neither store API reports the processor's fee of a transaction, so fees come from the
  mapping's schedule per gateway (percent + fixed per sale or capture, each fee rounded half-up
  to the minor unit); refunds cost no fee and return none;
* one currency: the batch is in the company's functional currency (`currency` of the mapping).
  A payment in another currency stops the day's posting with a message naming the payments
  (storebridge knows no exchange rate, and a batch without them could never be completed: a
  day's batch, once found, is never written again);
* a payment's direction is its kind: amounts are taken as absolute values;
* Sage numbers the batch, its entries and their details (BatchNumber, EntryNumber,
  TransactionNumber are not sent); descriptions and references are cut to 60 characters
  (the GL batch, entry and detail description fields of Sage 300's dictionary);
* the batch is created Open (Sage's default), not ReadyToPost: the accountant reviews and posts
  it (GLPostJournal), as with any imported batch.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from transforms.canonical import Order, Payment, PaymentKind, PaymentStatus
from transforms.canonical.base import Currency
from transforms.mapping import load_table

MAPPING = "sage300/gl_accounts"
KEY_PREFIX = "storebridge"
TEXT_MAX = 60  # GL batch, entry and detail descriptions, detail references: String*60 (GL dict.)
DEFAULT_GATEWAY = "_default"
NO_GATEWAY = "none"  # how a payment without a gateway is shown
SALES, REFUNDS, FEES = "sales", "refunds", "fees"
COUNTED: dict[PaymentKind, str] = {
    PaymentKind.SALE: SALES,
    PaymentKind.CAPTURE: SALES,
    PaymentKind.REFUND: REFUNDS,
}
SAMPLE = 5  # payment keys named in a message
# ISO 4217 minor units that are not 2 (the rest of `transforms.currencies.ISO_4217` have 2).
_ZERO_PLACES = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF"
_THREE_PLACES = "BHD IQD JOD KWD LYD OMR TND"
MINOR_UNITS: dict[str, int] = {
    **{code: 0 for code in _ZERO_PLACES.split()},
    **{code: 3 for code in _THREE_PLACES.split()},
}


class GLError(ValueError):
    """The day cannot be posted as it is (the message says why and what to change)."""


def _decimal(value: Any) -> Any:
    """YAML numbers (`2.9`) and text (`"2.9"`) as exact Decimals; booleans refused."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, float):
        return Decimal(repr(value))  # the shortest repr: the digits written in the YAML
    return value


def _account(value: Any) -> Any:
    """An account number as text (an unquoted YAML number becomes its digits)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _text_keys(value: Any) -> Any:
    """Gateway ids as text: an unquoted YAML key (`1:`) is the id "1"."""
    if not isinstance(value, Mapping):
        return value
    return {
        str(store): {str(k): v for k, v in table.items()} if isinstance(table, Mapping) else table
        for store, table in value.items()
    }


Rate = Annotated[Decimal, BeforeValidator(_decimal), Field(ge=0, le=100)]
Fixed = Annotated[Decimal, BeforeValidator(_decimal), Field(ge=0)]
AccountNumber = Annotated[str, BeforeValidator(_account), Field(min_length=1, max_length=45)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Gateway(_Model):
    """A gateway's clearing account and fee schedule (per sale or capture)."""

    name: str | None = None
    clearing: AccountNumber
    fee_percent: Rate = Decimal(0)
    fee_fixed: Fixed = Decimal(0)

    def fee(self, amount: Decimal, places: int) -> Decimal:
        """The fee of one sale or capture of `amount`, rounded half-up to `places`."""
        raw = amount * self.fee_percent / 100 + self.fee_fixed
        return raw.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


class Accounts(_Model):
    """The accounts shared by every store and gateway."""

    receipts: AccountNumber
    refunds: AccountNumber
    fees: AccountNumber


class GLAccounts(_Model):
    """The whole mapping (`gl_accounts.yaml`, see its comments)."""

    currency: Currency
    source_ledger: Annotated[str, Field(min_length=2, max_length=2)] = "GL"
    source_type: Annotated[str, Field(min_length=2, max_length=2)] = "JE"
    accounts: Accounts
    gateways: Annotated[dict[str, dict[str, Gateway]], BeforeValidator(_text_keys)] = Field(
        default_factory=dict
    )

    @property
    def places(self) -> int:
        """Decimal places of the currency."""
        return MINOR_UNITS.get(self.currency, 2)

    def gateway(self, store: str, gateway: str) -> Gateway | None:
        """The entry of a store's gateway (or the store's `_default`), None when neither."""
        table = self.gateways.get(store, {})
        return table.get(gateway) or table.get(DEFAULT_GATEWAY)


def load_accounts(data: Mapping[str, Any] | None = None) -> GLAccounts:
    """The account mapping: `data`, or `transforms/mappings/sage300/gl_accounts.yaml`.

    Raises:
        GLError: the mapping is invalid (the message names each field).
    """
    raw = data if data is not None else load_table(MAPPING)
    try:
        return GLAccounts.model_validate(dict(raw))
    except ValidationError as exc:
        fields = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(mapping)'}: {e['msg']}" for e in exc.errors()
        )
        raise GLError(f"mappings/{MAPPING}.yaml: {fields}") from None


def zone_of(name: str) -> ZoneInfo:
    """The time zone called `name` (IANA).

    Raises:
        GLError: unknown zone.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise GLError(
            f"unknown time zone {name!r} (use an IANA name, e.g. America/New_York)"
        ) from None


def parse_day(text: str) -> dt.date:
    """`YYYY-MM-DD` as a date.

    Raises:
        GLError: not such a date.
    """
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise GLError(f"day {text!r} is not a date YYYY-MM-DD") from None


def yesterday(now: dt.datetime, zone: ZoneInfo) -> dt.date:
    """The business day before the one `now` (aware) falls in, in `zone`."""
    return now.astimezone(zone).date() - dt.timedelta(days=1)


@dataclass(frozen=True)
class BusinessDay:
    """One calendar day of one store in the merchant's time zone."""

    store: str
    day: dt.date
    zone: ZoneInfo

    @property
    def start(self) -> dt.datetime:
        """Its first instant, aware UTC (midnight in the zone)."""
        return _midnight(self.day, self.zone)

    @property
    def end(self) -> dt.datetime:
        """The first instant of the next day, aware UTC (23 or 25 hours later on DST days)."""
        return _midnight(self.day + dt.timedelta(days=1), self.zone)

    @property
    def key(self) -> str:
        """The batch Description: ``storebridge <store> <YYYY-MM-DD>`` (the look-up key)."""
        return f"{KEY_PREFIX} {self.store} {self.day.isoformat()}"

    def holds(self, moment: dt.datetime) -> bool:
        """Whether `moment` (aware) falls in this day."""
        return self.start <= moment < self.end

    def is_over(self, now: dt.datetime) -> bool:
        """Whether the day has ended at `now` (a day is posted once, when complete)."""
        return now >= self.end


def _midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(dt.UTC)


def counted_kind(payment: Payment) -> str | None:
    """SALES or REFUNDS for a payment that moved money, None for one that did not."""
    if payment.status is not PaymentStatus.SUCCEEDED:
        return None
    return COUNTED.get(payment.kind)


@dataclass
class Tally:
    """The sums of one (gateway, kind) of the day."""

    amount: Decimal = Decimal(0)
    fees: Decimal = Decimal(0)
    count: int = 0


@dataclass
class DayTotals:
    """The counted payments of one business day, summed per gateway and kind (no orders kept)."""

    day: BusinessDay
    accounts: GLAccounts
    tallies: dict[tuple[str, str], Tally] = field(default_factory=dict)
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> payments
    orders: int = 0  # orders that had a counted payment
    foreign: Counter[str] = field(default_factory=Counter)  # currency -> payments
    foreign_sample: list[str] = field(default_factory=list)
    unmapped: Counter[str] = field(default_factory=Counter)  # gateway -> payments
    _seen: set[str] = field(default_factory=set)

    @property
    def counted(self) -> int:
        """Payments counted (sales, captures and refunds of the day)."""
        return sum(t.count for t in self.tallies.values())

    @property
    def empty(self) -> bool:
        """No payment of the day counts: nothing to post."""
        return not self.tallies

    def add_order(self, order: Order) -> int:
        """Count the order's payments processed on the day; returns how many counted."""
        n = sum(self.add(p) for p in order.payments)
        self.orders += 1 if n else 0
        return n

    def add_orders(self, orders: Iterable[Order]) -> int:
        return sum(self.add_order(o) for o in orders)

    def add(self, payment: Payment) -> bool:
        """Count one payment when it moved money on the day (once, however often it is read)."""
        kind = counted_kind(payment)
        reason = self._skip_reason(payment, kind)
        if reason is not None:
            self.skipped[reason] += 1
            return False
        assert kind is not None
        key = payment.ref.key
        if key in self._seen:
            self.skipped["read twice"] += 1
            return False
        self._seen.add(key)
        if payment.amount.currency != self.accounts.currency:
            self.foreign[payment.amount.currency] += 1
            if len(self.foreign_sample) < SAMPLE:
                self.foreign_sample.append(key)
            return False
        gateway = payment.gateway or NO_GATEWAY
        entry = self.accounts.gateway(self.day.store, gateway)
        if entry is None:
            self.unmapped[gateway] += 1
            return False
        places = self.accounts.places
        amount = abs(payment.amount.amount).quantize(
            Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN
        )
        tally = self.tallies.setdefault((gateway, kind), Tally())
        tally.amount += amount
        tally.count += 1
        if kind == SALES:
            tally.fees += entry.fee(amount, places)
        return True

    def _skip_reason(self, payment: Payment, kind: str | None) -> str | None:
        if payment.status is not PaymentStatus.SUCCEEDED:
            return f"{payment.status.value} {payment.kind.value}"
        if kind is None:
            return payment.kind.value  # authorization, void: no money moved
        if payment.processed_at is None:
            return "no processing time"
        if not self.day.holds(payment.processed_at):
            return "another day"
        if payment.amount.amount == 0:
            return "zero amount"
        return None

    def problems(self) -> list[str]:
        """Why the day cannot be posted (empty when it can)."""
        out = []
        where = f"{self.day.store} {self.day.day.isoformat()}"
        if self.foreign:
            currencies = ", ".join(f"{n} in {c}" for c, n in sorted(self.foreign.items()))
            out.append(
                f"{where}: payment(s) {currencies} ({', '.join(self.foreign_sample)}"
                f"{', ...' if sum(self.foreign.values()) > len(self.foreign_sample) else ''}), "
                f"but the GL batch is in {self.accounts.currency} (mappings/{MAPPING}.yaml "
                "`currency`): storebridge posts one currency and knows no exchange rate"
            )
        for gateway, n in sorted(self.unmapped.items()):
            out.append(
                f"{where}: {n} payment(s) of gateway {gateway!r} have no clearing account: add "
                f"`gateways.{self.day.store}.{gateway}` (or `_default`) to mappings/{MAPPING}.yaml"
            )
        return out


def _clip(text: str) -> str:
    return text[:TEXT_MAX]


def _detail(account: str, amount: Decimal, description: str, reference: str) -> dict[str, Any]:
    return {
        "AccountNumber": account,
        "Amount": amount,
        "SourceCurrencyAmount": amount,
        "Description": _clip(description),
        "Reference": _clip(reference),
    }


def journal_batch(totals: DayTotals) -> dict[str, Any]:
    """The GL/GLJournalBatches payload of the day (see the module docstring).

    Raises:
        GLError: the day has a payment in another currency or of an unmapped gateway, or no
            counted payment at all (nothing to post).
    """
    problems = totals.problems()
    if problems:
        raise GLError("; ".join(problems) + ": nothing posted for this day")
    if totals.empty:
        raise GLError(f"{totals.day.key}: no payment of the day counts: nothing to post")
    day, accounts = totals.day, totals.accounts
    date = day.day.isoformat()
    headers: list[dict[str, Any]] = []
    for gateway in sorted({g for g, _ in totals.tallies}):
        entry = accounts.gateway(day.store, gateway)
        assert entry is not None  # unmapped gateways are problems
        name = entry.name or f"gateway {gateway}"
        sales = totals.tallies.get((gateway, SALES), Tally())
        refunds = totals.tallies.get((gateway, REFUNDS), Tally())
        postings = (
            (SALES, sales.amount, sales.count, entry.clearing, accounts.accounts.receipts),
            (REFUNDS, refunds.amount, refunds.count, accounts.accounts.refunds, entry.clearing),
            (FEES, sales.fees, sales.count, accounts.accounts.fees, entry.clearing),
        )
        for kind, amount, count, debit, credit in postings:
            if amount == 0:
                continue
            text = f"{day.store} {date} {kind} {name}"
            what = f"{kind}: {count} transaction(s) via {name}"
            reference = f"{KEY_PREFIX}:{day.store}:{date}:{gateway}:{kind}"
            headers.append(
                {
                    "SourceLedger": accounts.source_ledger,
                    "SourceType": accounts.source_type,
                    "Description": _clip(text),
                    "DocumentDate": date,
                    "JournalDetails": [
                        _detail(debit, amount, what, reference),
                        _detail(credit, -amount, what, reference),
                    ],
                }
            )
    payload = {"Description": day.key, "JournalHeaders": headers}
    check_balanced(payload)
    return payload


def check_balanced(payload: Mapping[str, Any]) -> None:
    """Every entry of a batch payload balances (debits = credits).

    Raises:
        GLError: an entry does not (names it and the difference).
    """
    for i, header in enumerate(payload.get("JournalHeaders") or ()):
        amounts = [Decimal(str(d["Amount"])) for d in header.get("JournalDetails") or ()]
        if sum(amounts, Decimal(0)) != 0:
            raise GLError(
                f"{payload.get('Description')}: entry {i + 1} ({header.get('Description')}) is "
                f"out of balance by {sum(amounts, Decimal(0))}"
            )


def account_totals(payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Debits and credits per account of a batch payload (the run's artifact rows, no personal
    data), accounts in order; amounts as text with the currency's digits."""
    debit: dict[str, Decimal] = {}
    credit: dict[str, Decimal] = {}
    for header in payload.get("JournalHeaders") or ():
        for d in header.get("JournalDetails") or ():
            account, amount = str(d["AccountNumber"]), Decimal(str(d["Amount"]))
            debit.setdefault(account, Decimal(0))
            credit.setdefault(account, Decimal(0))
            if amount >= 0:
                debit[account] += amount
            else:
                credit[account] -= amount
    return [{"account": a, "debit": str(debit[a]), "credit": str(credit[a])} for a in sorted(debit)]


def net_by_account(batch: Mapping[str, Any]) -> dict[str, Decimal]:
    """Net amount (debits positive) per account of a batch, a payload or one Sage returned
    (amounts as numbers or numeric text); accounts netting to zero are left out."""
    net: dict[str, Decimal] = {}
    for header in batch.get("JournalHeaders") or ():
        for d in header.get("JournalDetails") or ():
            account = str(d["AccountNumber"]).strip()
            net[account] = net.get(account, Decimal(0)) + Decimal(str(d["Amount"]))
    return {a: n for a, n in sorted(net.items()) if n != 0}


def summary_rows(totals: DayTotals) -> list[dict[str, Any]]:
    """Per gateway and kind: transactions and amount (for logs and the artifact)."""
    rows = []
    for (gateway, kind), t in sorted(totals.tallies.items()):
        rows.append(
            {"gateway": gateway, "kind": kind, "transactions": t.count, "amount": str(t.amount)}
        )
        if kind == SALES and t.fees:
            rows.append(
                {"gateway": gateway, "kind": FEES, "transactions": t.count, "amount": str(t.fees)}
            )
    return rows
