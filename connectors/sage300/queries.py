"""Named queries of the Sage 300 company database (a mixin of `Sage300Database`).

Each query reads the declared columns of its tables (`tables.py`), normalised, by key with
chunked ``IN (?, ...)`` lists (one query per 500 keys and table), so a batch of N records costs
a fixed number of queries, not N. Keys come back as the normaliser makes them: CHAR keys as
``str`` without padding, uniquifiers (``ORDUNIQ``, ``SHIUNIQ``: DECIMAL(19,0)) as `Decimal`,
which compares and hashes equal to the `int` of the same value.

Orders: `orders_by_reference` (the look-up before an order is created: ``OEORDH.REFERENCE``),
`orders` (headers, OEORDH1, lines and shipments of orders by ``ORDUNIQ``), `shipments_of_orders`.
Receipts: `receipts_by_reference` (ARTCR entries by ``TXTRMITREF``, the look-up before a receipt
is written).
Items: `items` (ICITEM by ``ITEMNO``), `item_locations` (ICILOC), `item_prices` (ICPRIC with
the base price from ICPRICP), `item_optional_fields` (ICITEMO), `variants_of` (the optional
fields of the variant items of products: items whose parent optional field names them),
`locations` (ICLOC). Customers: `customers` (ARCUS by ``IDCUST``), `customers_by_email`
(``EMAIL2``, case-insensitive). Changes: `changed_order_keys`, `changed_item_keys`,
`changed_stock_keys`, `changed_customer_keys` (one UNION query each over the tables in
`CHANGE_TABLES`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from connectors.sage300 import resources, tables
from connectors.sage300.sql import ident, in_chunks, placeholders, select_sql

Row = dict[str, Any]
BASE_PRICE_QUANTITY = 1  # ICPRICP.DPRICETYPE: 1 Base Price Quantity, 2 Sale Price Quantity, ...

# The tables whose stamps make a record change, and the column naming the record in each.
CHANGE_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "order": (
        ("OEORDH", "ORDUNIQ"),
        ("OEORDH1", "ORDUNIQ"),
        ("OEORDD", "ORDUNIQ"),
        ("OESHIH", "ORDUNIQ"),
    ),
    "item": (
        ("ICITEM", "ITEMNO"),
        ("ICPRIC", "ITEMNO"),
        ("ICPRICP", "ITEMNO"),
        ("ICITEMO", "ITEMNO"),
    ),
    "stock": (("ICILOC", "ITEMNO"),),
    "customer": (("ARCUS", "IDCUST"),),
}


class Shipment(NamedTuple):
    """One O/E shipment: its OESHIH row and its OESHID lines (by LINENUM)."""

    header: Row
    lines: list[Row]


@dataclass(frozen=True)
class SageOrder:
    """One O/E order as the database holds it.

    Attributes:
        header: the OEORDH row.
        extra: the OEORDH1 row (``None`` if the second header is missing).
        lines: OEORDD rows by LINENUM.
        shipments: its shipments by SHIUNIQ (empty unless asked for).
    """

    header: Row
    extra: Row | None
    lines: list[Row] = field(default_factory=list)
    shipments: list[Shipment] = field(default_factory=list)

    @property
    def orduniq(self) -> Decimal:
        """The order uniquifier (the Web API's OrderUniquifier)."""
        value: Decimal = self.header["ORDUNIQ"]
        return value


class _Db(Protocol):
    def rows_by_keys(
        self,
        table: str,
        key_column: str,
        keys: Iterable[Any],
        columns: Sequence[str] | None = None,
        *,
        where: str = "",
        params: Sequence[Any] = (),
        order: Sequence[str] | None = None,
        what: str = "",
    ) -> list[Row]: ...

    def scan(
        self,
        table: str,
        columns: Sequence[str] | None = None,
        *,
        where: str = "",
        params: Sequence[Any] = (),
        key: Sequence[str] | None = None,
        page_size: int | None = None,
        what: str = "",
    ) -> Iterator[Row]: ...

    def changed_union(
        self,
        parts: Sequence[tuple[str, str]],
        since: dt.datetime | None,
        until: dt.datetime | None,
        *,
        what: str = "",
    ) -> list[Any]: ...

    def select(
        self,
        sql: str,
        params: Sequence[Any] = (),
        *,
        tables: str | Sequence[str] | None = None,
        what: str = "",
    ) -> Iterator[Row]: ...


def _padded(table: str, column: str, values: Iterable[str]) -> list[str]:
    """`values` as parameters compared with a CHAR column: padded to its length (a value longer
    than the column cannot match and is left out)."""
    length = tables.table(table).column(column).length
    return [v.ljust(length) for v in dict.fromkeys(values) if len(v) <= length]


def _variants_sql(fields: int, values: int, items: int) -> str:
    """`NamedQueries.variants_of`'s statement for `fields` field names, `values` item numbers
    compared with VALUE and `items` with ITEMNO (identifiers declared, values ``?``)."""
    t = tables.table("ICITEMO")
    table, item, value, field = ident(t.name), ident("ITEMNO"), ident("VALUE"), ident("OPTFIELD")
    parents = f"SELECT {value} FROM {table} WHERE {field} = ? AND {item} IN ({placeholders(items)})"  # noqa: S608 - declared identifiers, values are ? parameters
    family = (
        f"SELECT {item} FROM {table} WHERE {field} = ? "  # noqa: S608 - as above
        f"AND ({value} IN ({placeholders(values)}) OR {value} IN ({parents}))"
    )
    where = f"{field} IN ({placeholders(fields)}) AND {item} IN ({family})"
    return select_sql(t, t.reads, where, ("ITEMNO", "OPTFIELD"))


def _group(rows: Iterable[Row], column: str) -> dict[Any, list[Row]]:
    out: dict[Any, list[Row]] = {}
    for row in rows:
        out.setdefault(row[column], []).append(row)
    return out


class NamedQueries:
    """The queries storebridge runs (see the module docstring); `Sage300Database` has them."""

    # -- orders ---------------------------------------------------------------------------------

    def orders_by_reference(self: _Db, references: Iterable[str]) -> dict[str, Row]:
        """OEORDH rows by their ``REFERENCE`` (the store key written as OrderReference): the
        earliest order (lowest ORDUNIQ) of each reference found; absent references are missing
        from the result. One query per 500 references."""
        rows = self.rows_by_keys(
            "OEORDH",
            "REFERENCE",
            references,
            order=("REFERENCE", "ORDUNIQ"),
            what="orders by REFERENCE",
        )
        out: dict[str, Row] = {}
        for row in rows:
            out.setdefault(row["REFERENCE"], row)
        return out

    def order_headers(self: _Db, orduniqs: Iterable[Any]) -> dict[Decimal, Row]:
        """OEORDH rows by ORDUNIQ."""
        rows = self.rows_by_keys("OEORDH", "ORDUNIQ", orduniqs, what="order headers")
        return {row["ORDUNIQ"]: row for row in rows}

    def order_extras(self: _Db, orduniqs: Iterable[Any]) -> dict[Decimal, Row]:
        """OEORDH1 rows (e-mails, tracking, last shipment number) by ORDUNIQ."""
        rows = self.rows_by_keys("OEORDH1", "ORDUNIQ", orduniqs, what="order headers (OEORDH1)")
        return {row["ORDUNIQ"]: row for row in rows}

    def order_lines(self: _Db, orduniqs: Iterable[Any]) -> dict[Decimal, list[Row]]:
        """OEORDD rows of each order by ORDUNIQ, in LINENUM order."""
        rows = self.rows_by_keys("OEORDD", "ORDUNIQ", orduniqs, what="order lines")
        return _group(rows, "ORDUNIQ")

    def shipments_of_orders(self: _Db, orduniqs: Iterable[Any]) -> dict[Decimal, list[Shipment]]:
        """The shipments (OESHIH + OESHID lines) of each order by ORDUNIQ, by SHIUNIQ."""
        headers = self.rows_by_keys(
            "OESHIH", "ORDUNIQ", orduniqs, order=("ORDUNIQ", "SHIUNIQ"), what="shipments"
        )
        lines = _group(
            self.rows_by_keys(
                "OESHID", "SHIUNIQ", [h["SHIUNIQ"] for h in headers], what="shipment lines"
            ),
            "SHIUNIQ",
        )
        out: dict[Decimal, list[Shipment]] = {}
        for header in headers:
            shipment = Shipment(header, lines.get(header["SHIUNIQ"], []))
            out.setdefault(header["ORDUNIQ"], []).append(shipment)
        return out

    def orders(self: _Db, orduniqs: Iterable[Any], *, shipments: bool = True) -> list[SageOrder]:
        """Orders by ORDUNIQ, in ORDUNIQ order (unknown keys are left out): header, OEORDH1,
        lines and (unless `shipments` is false) shipments. Three queries per 500 orders (five
        with shipments)."""
        wanted = list(dict.fromkeys(orduniqs))
        headers = NamedQueries.order_headers(self, wanted)
        found = list(headers)
        extras = NamedQueries.order_extras(self, found)
        lines = NamedQueries.order_lines(self, found)
        shipped = NamedQueries.shipments_of_orders(self, found) if shipments else {}
        return [
            SageOrder(headers[k], extras.get(k), lines.get(k, []), shipped.get(k, []))
            for k in sorted(found)
        ]

    # -- receipts -------------------------------------------------------------------------------

    def receipts_by_reference(
        self: _Db, references: Iterable[str], batch_type: str = "CA"
    ) -> dict[str, Row]:
        """ARTCR entries of `batch_type` batches (CA: receipts) by their ``TXTRMITREF`` (the
        Entry Reference: storebridge writes the payment's store key there): the first entry
        of each reference found (lowest batch and entry); absent references are missing from
        the result. One query per 500 references."""
        rows = self.rows_by_keys(
            "ARTCR",
            "TXTRMITREF",
            references,
            ("CODEPYMTYP", "CNTBTCH", "CNTITEM", "TXTRMITREF", "IDCUST", "AMTRMIT"),
            where=f"{ident('CODEPYMTYP')} = ?",
            params=_padded("ARTCR", "CODEPYMTYP", [batch_type]),
            order=("TXTRMITREF", "CNTBTCH", "CNTITEM"),
            what="receipts by TXTRMITREF",
        )
        out: dict[str, Row] = {}
        for row in rows:
            out.setdefault(row["TXTRMITREF"], row)
        return out

    # -- items ----------------------------------------------------------------------------------

    def items(self: _Db, itemnos: Iterable[str]) -> dict[str, Row]:
        """ICITEM rows by (unformatted) ITEMNO."""
        rows = self.rows_by_keys("ICITEM", "ITEMNO", itemnos, what="items")
        return {row["ITEMNO"]: row for row in rows}

    def item_locations(
        self: _Db, itemnos: Iterable[str], locations: Sequence[str] | None = None
    ) -> dict[str, list[Row]]:
        """ICILOC rows (quantities per location) of each item, by LOCATION; only `locations`
        when given."""
        rows = self.rows_by_keys("ICILOC", "ITEMNO", itemnos, what="item locations")
        if locations is not None:
            keep = set(locations)
            rows = [r for r in rows if r["LOCATION"] in keep]
        return _group(rows, "ITEMNO")

    def item_prices(
        self: _Db,
        itemnos: Iterable[str],
        price_lists: Sequence[str] | None = None,
        currency: str | None = None,
    ) -> dict[str, list[Row]]:
        """ICPRIC rows of each item (by currency and price list), each with ``BASEPRICE``: the
        base price of its default base unit (ICPRICP ``UNITPRICE`` of ``DPRICETYPE`` 1, Base
        Price Quantity, for ``QTYUNIT`` = ``DEFBUNIT``, else its first base price; ``None``
        without one). Only `price_lists` and `currency` when given. Two queries per 500 items.
        """
        rows = self.rows_by_keys(
            "ICPRIC",
            "ITEMNO",
            itemnos,
            order=("ITEMNO", "CURRENCY", "PRICELIST"),
            what="item prices",
        )
        if price_lists is not None:
            keep = set(price_lists)
            rows = [r for r in rows if r["PRICELIST"] in keep]
        if currency is not None:
            rows = [r for r in rows if r["CURRENCY"] == currency]
        details: dict[tuple[str, str, str], list[Row]] = {}
        if rows:
            for d in self.rows_by_keys(
                "ICPRICP",
                "ITEMNO",
                [r["ITEMNO"] for r in rows],
                where='"DPRICETYPE" = ?',
                params=[BASE_PRICE_QUANTITY],
                what="item base prices",
            ):
                details.setdefault((d["CURRENCY"], d["ITEMNO"], d["PRICELIST"]), []).append(d)
        out: list[Row] = []
        for r in rows:
            found = details.get((r["CURRENCY"], r["ITEMNO"], r["PRICELIST"]), [])
            unit = [d for d in found if d["QTYUNIT"] == r.get("DEFBUNIT")] or found
            out.append({**r, "BASEPRICE": unit[0]["UNITPRICE"] if unit else None})
        return _group(out, "ITEMNO")

    def item_optional_fields(
        self: _Db, itemnos: Iterable[str], fields: Sequence[str] | None = None
    ) -> dict[str, list[Row]]:
        """ICITEMO rows (item optional fields) of each item, by OPTFIELD; only `fields` (names
        as Sage keeps them, upper case) when given. One query per 500 items."""
        where, params = "", []
        if fields is not None:
            names = _padded("ICITEMO", "OPTFIELD", fields)
            if not names:
                return {}
            where, params = f'"OPTFIELD" IN ({placeholders(len(names))})', names
        rows = self.rows_by_keys(
            "ICITEMO", "ITEMNO", itemnos, where=where, params=params, what="item optional fields"
        )
        return _group(rows, "ITEMNO")

    def variants_of(
        self: _Db, itemnos: Iterable[str], parent_field: str, fields: Sequence[str] = ()
    ) -> dict[str, list[Row]]:
        """The variant items of the products `itemnos` touch, with their optional fields: an
        item is a variant of the product whose item number its `parent_field` optional field
        holds (ICITEMO.VALUE). For each item of `itemnos` that is a product, its variants; for
        each that is a variant, every variant of its product (itself included). Keyed by the
        variant's ITEMNO, each list by OPTFIELD: its `parent_field` row (the product it names)
        and its rows of `fields` (e.g. the options). ONE query per 250 items (the item numbers
        are compared twice, as values and as item numbers):

            SELECT ... FROM ICITEMO WHERE OPTFIELD IN (parent, fields...) AND ITEMNO IN (
              SELECT ITEMNO FROM ICITEMO WHERE OPTFIELD = parent AND (VALUE IN (items)
                OR VALUE IN (SELECT VALUE FROM ICITEMO WHERE OPTFIELD = parent
                             AND ITEMNO IN (items))))

        The value is compared as stored (the product's unformatted item number; SQL Server's
        usual case-insensitive collation also matches it typed in lower case). No index serves
        VALUE: the database reads ICITEMO's rows of the parent field."""
        wanted = list(dict.fromkeys(itemnos))
        names = _padded("ICITEMO", "OPTFIELD", dict.fromkeys([parent_field, *fields]))
        parent = _padded("ICITEMO", "OPTFIELD", [parent_field])
        out: dict[str, list[Row]] = {}
        if not parent:
            return out
        seen: set[tuple[str, str]] = set()
        for chunk in in_chunks(wanted, resources.IN_CHUNK // 2):
            as_items = _padded("ICITEMO", "ITEMNO", chunk)
            as_values = _padded("ICITEMO", "VALUE", chunk)
            if not as_items:
                continue
            sql = _variants_sql(len(names), len(as_values), len(as_items))
            params = [*names, *parent, *as_values, *parent, *as_items]
            for row in self.select(sql, params, tables="ICITEMO", what="variants of items"):
                if (row["ITEMNO"], row["OPTFIELD"]) not in seen:
                    seen.add((row["ITEMNO"], row["OPTFIELD"]))
                    out.setdefault(row["ITEMNO"], []).append(row)
        return out

    def locations(self: _Db) -> list[Row]:
        """Every ICLOC row (the company's inventory locations)."""
        return list(self.scan("ICLOC", what="locations"))

    # -- customers ------------------------------------------------------------------------------

    def customers(self: _Db, numbers: Iterable[str]) -> dict[str, Row]:
        """ARCUS rows by IDCUST."""
        rows = self.rows_by_keys("ARCUS", "IDCUST", numbers, what="customers")
        return {row["IDCUST"]: row for row in rows}

    def customers_by_email(self: _Db, emails: Iterable[str]) -> dict[str, list[Row]]:
        """ARCUS rows whose EMAIL2 (the customer's e-mail; EMAIL1 is the contact's) is one of
        `emails`, compared trimmed and case-insensitively; keyed by the lower-case e-mail, each
        list by IDCUST. EMAIL2 has no index in Sage, so this reads ARCUS through
        ``LOWER(RTRIM(EMAIL2)) IN (...)``."""
        wanted = list(dict.fromkeys(e.strip().lower() for e in emails if e and e.strip()))
        out: dict[str, list[Row]] = {}
        for chunk in in_chunks(wanted):
            where = f'LOWER(LTRIM(RTRIM("EMAIL2"))) IN ({placeholders(len(chunk))})'
            for row in self.scan(
                "ARCUS", where=where, params=list(chunk), what="customers by EMAIL2"
            ):
                out.setdefault(row["EMAIL2"].strip().lower(), []).append(row)
        return out

    # -- changes --------------------------------------------------------------------------------

    def changed_order_keys(
        self: _Db, since: dt.datetime | None, until: dt.datetime | None
    ) -> list[Decimal]:
        """ORDUNIQ of the orders whose header, OEORDH1, a line or a shipment changed in
        ``[since, until]``, ascending (one UNION query)."""
        return self.changed_union(CHANGE_TABLES["order"], since, until, what="changed orders")

    def changed_item_keys(
        self: _Db, since: dt.datetime | None, until: dt.datetime | None
    ) -> list[str]:
        """ITEMNO of the items whose ICITEM, ICPRIC, ICPRICP or ICITEMO (optional fields) rows
        changed in ``[since, until]``."""
        return self.changed_union(CHANGE_TABLES["item"], since, until, what="changed items")

    def changed_stock_keys(
        self: _Db, since: dt.datetime | None, until: dt.datetime | None
    ) -> list[str]:
        """ITEMNO of the items whose ICILOC rows (quantities) changed in ``[since, until]``."""
        return self.changed_union(CHANGE_TABLES["stock"], since, until, what="changed stock")

    def changed_customer_keys(
        self: _Db, since: dt.datetime | None, until: dt.datetime | None
    ) -> list[str]:
        """IDCUST of the customers whose ARCUS row changed in ``[since, until]``."""
        return self.changed_union(CHANGE_TABLES["customer"], since, until, what="changed customers")
