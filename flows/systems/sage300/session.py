"""One Sage 300 run: the Web API client, the company database, the run's look-ups and writes.

What the order and customer adapters share. Sage 300 splits its ways in: writes go through the
Web API, one record per request (no batch, no upsert by an external id); reads go to the company
database over ODBC (read-only). So a target writes record by record, and every look-up it needs
is one ODBC query per batch (chunked `IN (...)`), cached for the run where the answer cannot
change during it (items).

A POST is never resent blindly: the connector raises `Sage300WriteUnknown` when a POST failed
after it may have reached the server (a 5xx, a timeout, a reset). `Session.post` turns every
answer into a `Posted` (the entry written, Sage's refusal, a duplicate key, or an unknown
outcome with whether the server answered at all); the adapters then look the record up by its
own key before they write anything again (`orders.py`, `customers.py`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from connectors.http import RecordError, TransientError
from transforms import sage300 as codec

SAGE = "sage300"
ARCUS = "ARCUS"  # the binding entity of customers (an A/R customer)
OEORDH = "OEORDH"  # the binding entity of orders (an O/E order, by its ORDUNIQ)
AR_CUSTOMERS = "AR/ARCustomers"
OE_ORDERS = "OE/OEOrders"
AR_RECEIPT_BATCHES = "AR/ARReceiptAndAdjustmentBatches"
POST_ATTEMPTS = 5  # a create answered 5xx and not found applied is sent at most this often

Row = dict[str, Any]


def uniquifier(value: Any) -> str:
    """An ORDUNIQ / OrderUniquifier (Decimal from ODBC, number or text from the Web API) as the
    id storebridge binds an order to: its whole number as text (``"10021638"``)."""
    return str(int(Decimal(str(value).strip())))


def describe(exc: BaseException) -> str:
    """A Sage answer as text for a dead letter: HTTP status, Sage's code, its message."""
    status = getattr(exc, "status", None)
    code = getattr(exc, "code", None)
    message = getattr(exc, "message", None) or str(exc)
    head = " ".join(p for p in (f"HTTP {status}" if status else "", code or "") if p)
    return f"{head}: {message}" if head else message


@dataclass(frozen=True)
class Posted:
    """What one POST did.

    Attributes:
        row: the entry Sage returned (generated keys included) when it was created.
        refused: Sage's refusal of the record (a dead letter), when it was refused.
        duplicate: the refusal is ``RecordDuplicate`` (a record with the key exists).
        unknown: the POST may or may not have been applied (5xx, timeout): look it up.
        answered: for an unknown outcome, whether the server answered (a 5xx: the request is
            over, a look-up now sees what it did) or not (a timeout or reset: it may still be
            running, so sending it again could create a second record).
    """

    row: Row | None = None
    refused: str | None = None
    duplicate: bool = False
    unknown: str | None = None
    answered: bool = True


class Session:
    """The shared machinery of one Sage 300 adapter: client, database, run cache, counters."""

    def __init__(self, client: Any = None, db: Any = None) -> None:
        if client is None:
            from connectors.sage300 import Sage300Client

            client = Sage300Client.from_env()
        if db is None:
            from connectors.sage300 import Sage300Database

            db = Sage300Database(client.settings)
        self.client, self.db = client, db
        self._cache: dict[tuple[str, Hashable], Any] = {}
        self.counters: Counter[str] = Counter()
        self._seen = (self._queries(), self._calls())

    @property
    def settings(self) -> Any:
        return self.client.settings

    @property
    def timezone(self) -> str:
        """The Sage server's zone (AUDTDATE/AUDTTIME, document dates)."""
        return str(getattr(self.settings, "timezone", "UTC") or "UTC")

    # --- the run cache ------------------------------------------------------------------------
    def cached(self, kind: str, key: Hashable, load: Callable[[], Any]) -> Any:
        """A look-up made once per run."""
        slot = (kind, key)
        if slot not in self._cache:
            self._cache[slot] = load()
        return self._cache[slot]

    def cached_many(
        self, kind: str, keys: Iterable[Hashable], load: Callable[[list[Any]], dict[Any, Any]]
    ) -> dict[Any, Any]:
        """Values of `keys`, loading the ones not cached yet with ONE call of `load` (missing
        keys are cached as None)."""
        wanted = list(dict.fromkeys(keys))
        todo = [k for k in wanted if (kind, k) not in self._cache]
        if todo:
            found = load(todo)
            for k in todo:
                self._cache[(kind, k)] = found.get(k)
        return {k: self._cache[(kind, k)] for k in wanted}

    # --- look-ups -----------------------------------------------------------------------------
    def items(self, skus: Iterable[str]) -> dict[str, Row | str]:
        """Each SKU's ICITEM row when it is an active, sellable item, else why not (text). One
        ODBC query per batch for the SKUs not looked up yet in this run."""
        numbers = {sku: codec.item_number(sku) for sku in skus}
        rows = self.cached_many("item", numbers.values(), self.db.items)
        out: dict[str, Row | str] = {}
        for sku, number in numbers.items():
            row = rows.get(number)
            if row is None:
                out[sku] = f"is no Sage 300 item (ICITEM.ITEMNO {number!r})"
            elif row.get("INACTIVE"):
                out[sku] = f"is an inactive Sage 300 item (ICITEM {number!r})"
            elif row.get("SELLABLE") is False:
                out[sku] = f"is a Sage 300 item that is not sellable (ICITEM {number!r})"
            else:
                out[sku] = row
        return out

    # --- writes -------------------------------------------------------------------------------
    def post(self, resource: str, payload: dict[str, Any]) -> Posted:
        """POST one record (never resent by the client after it may have reached Sage)."""
        from connectors.sage300 import Sage300WriteUnknown

        try:
            row = self.client.create(resource, payload)
        except Sage300WriteUnknown as exc:
            return Posted(unknown=describe(exc), answered=exc.status is not None)
        except RecordError as exc:
            duplicate = bool(getattr(exc, "duplicate", False))
            return Posted(refused=describe(exc), duplicate=duplicate)
        except TransientError as exc:  # no HTTP answer (a reset): as unknown as it gets
            return Posted(unknown=describe(exc), answered=exc.status is not None)
        return Posted(row=row)

    # --- figures ------------------------------------------------------------------------------
    def _queries(self) -> int:
        return int(getattr(self.db, "queries", 0))

    def _calls(self) -> int:
        return int(getattr(self.client, "calls", 0))

    def take_counters(self) -> dict[str, int]:
        """The counters since the last call, with the ODBC queries and Web API requests made."""
        queries, calls = self._queries(), self._calls()
        self.counters["sage_odbc_queries"] += queries - self._seen[0]
        self.counters["sage_api_requests"] += calls - self._seen[1]
        self._seen = (queries, calls)
        out = {k: v for k, v in self.counters.items() if v}
        self.counters.clear()
        return out

    def close(self) -> None:
        self.client.close()
        self.db.close()
