"""O/E orders: entry through OE/OEOrders (POST), shipments, completion and deletion.

Order entry (what the O/E order view does with a POST, as far as storebridge can tell):

* ``CustomerNumber`` must be an active ARCUS customer, else RecordInvalid
  ``Customer Number 'X' does not exist.`` / ``Customer 'X' is inactive.``; bill-to name and
  address, e-mail (EMAIL2), group, terms, tax group, price list, ship-via and currency default
  from the customer, the ship-to from the bill-to, ``DefaultLocationCode`` from the customer's
  inventory location or the company's first location (must exist in ICLOC).
* ``OrderUniquifier`` and ``OrderNumber`` are generated (``ORD`` + 12 digits) unless given; a
  given one that exists is RecordDuplicate. ``OrderDate`` defaults to the server's business date.
* ``OrderDetails``: ``LineType`` "Item" (default) or "Miscellaneous"; LINENUM 32, 64, ...
  (DETAILNUM 1, 2, ...). Item lines: ``Item`` is the unformatted or formatted item number of an
  active, sellable ICITEM (else ``Item number 'X' does not exist.`` / ``... is inactive.`` /
  ``... is not sellable.``), ``Location`` (default: the header's) must exist, ``QuantityOrdered``
  > 0, unit of measure defaults to the stocking unit. Price: ``PricingUnitPrice`` (or
  ``OrderUnitPrice``) when given, with PRICEOVER set (``PriceOverride`` false ignores a given
  price); else the base price of ICPRICP for the line's price list (line ``PriceList``, header
  ``DefaultPriceListCode``/``PriceList``, the customer's, the item's) in the customer's currency,
  else RecordInvalid. ``DiscountPercent`` or ``DiscountAmount`` (INVDISC, the line's discount).
  Miscellaneous lines: ``MiscellaneousChargesCode`` (any code; no OEMISC table here) and
  ``ExtendedAmount``. Header ``OrderDiscountPercentage``/``OrderDiscountAmount`` is spread over
  the item lines (HDRDISC); ``TaxOverridden`` + ``ExcludedTaxAmount1..5`` carry tax (no tax is
  calculated).
* Totals (OEORDH): EXTOPRICE = qty x unit price; ORDTOTAL = INVITMTOT = sum(EXTOPRICE - INVDISC)
  of item lines; ORDMTOTAL = INVMISC = sum of misc amounts; INVDISCBAS = ORDTOTAL; INVNET =
  ORDTOTAL - INVDISCAMT; INVSUBTOT = INVNETNOTX = INVNET + ORDMTOTAL; INVETAXTOT = sum TEAMOUNTn;
  INVNETWTX (Order Total) = INVNETNOTX + INVETAXTOT; INVAMTDUE = INVNETWTX - ORDPAYTOT.
* Active orders commit stock: ICILOC.QTYSALORDR and QTYCOMMIT grow by the quantity (an ICILOC
  row is added for an item first used at a location).
* Lines posted with ``QuantityShipped`` > 0 (the SDK's "OEOrders_WithShipmentsandInvoice"
  sample) also ship: one shipment as `ship` makes (no invoice is produced).

Shipments (`ship`; O/E has no shipment endpoint in the 2022 reference, so only the admin helper
and the POST above make them): OESHIH + OESHID (SHINUMBER ``SH`` + 13 digits, SHIDATE the
business date, SHIPTRACK); misc charges ride on the first shipment. Each shipped order line:
QTYSHPTODT += q (cumulative), QTYSHIPPED = q (this shipment), QTYBACKORD = ordered - shipped to
date, QTYCOMMIT -= q, COMPLETE 2 (Completed) once fully shipped, SHIPTRACK. OEORDH: SHIPDATE,
COMPLETE 3 (Complete/Not Included) + COMPDATE once every item line is complete; OEORDH1:
LASTSHINUM, NUMSHPMENT, SHIPTRACK. ICILOC: QTYSHNOCST += q (shipped, not yet costed: the live
on-hand QTYONHAND + QTYRENOCST + QTYADNOCST - QTYSHNOCST drops), QTYSALORDR and QTYCOMMIT -= q,
LASTSHIPDT.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sandbox.sage300.constants import (
    CURRENCY,
    FIRST_ORDUNIQ,
    LINE_STEP,
    ORDER_PREFIX,
    SHIPMENT_PREFIX,
)
from sandbox.sage300.db import CompanyDb, Row
from sandbox.sage300.errors import bad_payload, duplicate, invalid
from sandbox.sage300.resources import (
    DETAIL_OPTIONAL,
    ORDER,
    ORDER_DETAIL,
    ORDER_OPTIONAL,
    decode,
)
from sandbox.sage300.service import Ctx, delete_tree, insert, update

CENT = Decimal("0.01")
ZERO = Decimal(0)


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def num(row: Row, column: str) -> Decimal:
    """A stored number as Decimal."""
    return Decimal(str(row[column] or 0))


def text(row: Row, column: str) -> str:
    return str(row[column] or "").rstrip()


# --- look-ups -------------------------------------------------------------------------------------
def find_item(db: CompanyDb, number: str) -> Row | None:
    """ICITEM by unformatted (ITEMNO) or formatted (FMTITEMNO) item number."""
    wanted = number.strip().upper()
    if not wanted or len(wanted) > 24:
        return None
    return db.get("ICITEM", {"ITEMNO": wanted}) or next(
        iter(db.select("ICITEM", {"FMTITEMNO": wanted})), None
    )


def order_by_number(db: CompanyDb, number: str) -> Row:
    """OEORDH by ORDNUMBER (KeyError if none)."""
    rows = db.select("OEORDH", {"ORDNUMBER": number.strip().upper()}) if number.strip() else []
    if not rows:
        raise KeyError(f"no order {number!r}")
    return rows[0]


def ensure_iloc(db: CompanyDb, item: str, location: str) -> Row:
    """The ICILOC row of item x location, added (allowed, in use) when the item is new there."""
    key = {"ITEMNO": item, "LOCATION": location}
    row = db.get("ICILOC", key)
    if row is None:
        today = db.today()
        row = db.insert("ICILOC", {**key, "ACTIVE": 1, "USED": 1, "DATEACTIVE": today})
    return row


def _bump(db: CompanyDb, item: str, location: str, **deltas: Decimal) -> None:
    row = ensure_iloc(db, item, location)
    changes: dict[str, Any] = {c: num(row, c) + d for c, d in deltas.items()}
    db.update("ICILOC", {"ITEMNO": item, "LOCATION": location}, changes)


def _base_price(db: CompanyDb, currency: str, item: str, pricelist: str) -> Decimal | None:
    rows = db.select(
        "ICPRICP", {"CURRENCY": currency, "ITEMNO": item, "PRICELIST": pricelist, "DPRICETYPE": 1}
    )
    return num(rows[0], "UNITPRICE") if rows else None


# --- entry ----------------------------------------------------------------------------------------
def _next_ids(ctx: Ctx) -> tuple[int, str]:
    db = ctx.db
    uniq = ctx.next("ORDUNIQ", max(int(db.max_of("OEORDH", "ORDUNIQ") or 0), FIRST_ORDUNIQ))
    while True:
        number = f"{ORDER_PREFIX}{ctx.next('ORDNUMBER'):012d}"
        if not db.select("OEORDH", {"ORDNUMBER": number}):
            return uniq, number


def _customer(db: CompanyDb, number: Any) -> Row:
    customer = str(number or "").strip().upper()
    if not customer:
        raise invalid("Customer Number cannot be blank.")
    row = db.get("ARCUS", {"IDCUST": customer}) if len(customer) <= 12 else None
    if row is None:
        raise invalid(f"Customer Number '{customer}' does not exist.")
    if int(row["SWACTV"]) != 1:
        raise invalid(f"Customer '{customer}' is inactive.")
    return row


def _location(db: CompanyDb, code: str) -> str:
    if db.get("ICLOC", {"LOCATION": code}) is None:
        raise invalid(f"Location '{code}' does not exist.")
    return code


def _header_defaults(ctx: Ctx, h: dict[str, Any], h1: dict[str, Any], cust: Row) -> None:
    db = ctx.db
    bill = {
        "BILNAME": "NAMECUST",
        "BILADDR1": "TEXTSTRE1",
        "BILADDR2": "TEXTSTRE2",
        "BILADDR3": "TEXTSTRE3",
        "BILADDR4": "TEXTSTRE4",
        "BILCITY": "NAMECITY",
        "BILSTATE": "CODESTTE",
        "BILZIP": "CODEPSTL",
        "BILCOUNTRY": "CODECTRY",
        "BILPHONE": "TEXTPHON1",
        "BILCONTACT": "NAMECTAC",
    }
    for column, source in bill.items():
        if not h.get(column):
            h[column] = text(cust, source)
    for suffix in (
        "NAME",
        "ADDR1",
        "ADDR2",
        "ADDR3",
        "ADDR4",
        "CITY",
        "STATE",
        "ZIP",
        "COUNTRY",
        "PHONE",
        "CONTACT",
    ):
        ship = "SHP" + suffix
        if not h.get(ship):
            h[ship] = h.get("BIL" + suffix, "")
    defaults = {
        "CUSTGROUP": text(cust, "IDGRP"),
        "TERMS": text(cust, "CODETERM"),
        "TAXGROUP": text(cust, "CODETAXGRP"),
        "PRICELIST": text(cust, "PRICLIST"),
        "SHIPVIA": text(cust, "SHPVIACODE"),
        "ORSOURCURR": text(cust, "CODECURN") or CURRENCY,
        "SALESPER1": text(cust, "CODESLSP1"),
    }
    for column, value in defaults.items():
        if not h.get(column):
            h[column] = value
    h["CUSTGROUP"] = text(cust, "IDGRP")
    if not h.get("LOCATION"):
        h["LOCATION"] = text(cust, "LOCATION") or ctx.default_location
    h["LOCATION"] = _location(db, str(h["LOCATION"]).strip())
    if not h1.get("BILEMAIL"):
        h1["BILEMAIL"] = text(cust, "EMAIL2")
    if not h1.get("SHPEMAIL"):
        h1["SHPEMAIL"] = h1["BILEMAIL"]


def _item_line(db: CompanyDb, h: dict[str, Any], cols: dict[str, Any], given: set[str]) -> None:
    number = str(cols.get("ITEM") or "").strip()
    if not number:
        raise invalid("Item number cannot be blank.")
    item = find_item(db, number)
    if item is None:
        raise invalid(f"Item number '{number}' does not exist.")
    if int(item["INACTIVE"]):
        raise invalid(f"Item '{number}' is inactive.")
    if not int(item["SELLABLE"]):
        raise invalid(f"Item '{number}' is not sellable.")
    itemno = text(item, "ITEMNO")
    qty = Decimal(cols.get("QTYORDERED") or 0)
    if qty <= 0:
        raise invalid(f"Quantity Ordered of item '{number}' must be greater than zero.")
    location = _location(db, str(cols.get("LOCATION") or h["LOCATION"]).strip())
    pricelist = str(cols.get("PRICELIST") or h.get("PRICELIST") or text(item, "DEFPRICLST")).strip()
    unit = str(cols.get("ORDUNIT") or text(item, "STOCKUNIT")).strip()
    currency = str(h.get("ORSOURCURR") or CURRENCY)
    listed = _base_price(db, currency, itemno, pricelist)
    given_price = cols.get("PRIUNTPRC", cols.get("UNITPRICE"))
    override = cols.get("PRICEOVER")
    if given_price is not None and override is not False:
        price, override = Decimal(given_price), True
    elif listed is not None:
        price, override = listed, False
    else:
        raise invalid(f"Item '{number}' has no pricing in price list '{pricelist}'.")
    ext = money(qty * price)
    if "DiscountAmount" in given and cols.get("INVDISC") is not None:
        disc = money(Decimal(cols["INVDISC"]))
        percent = (disc / ext * 100).quantize(Decimal("0.00001")) if ext else ZERO
    else:
        percent = Decimal(cols.get("DISCPER") or 0)
        disc = money(ext * percent / 100)
    if disc > ext or disc < 0:
        raise invalid(f"The discount of item '{number}' is more than its extended amount.")
    weight = num(item, "UNITWGT")
    cols.update(
        {
            "LINETYPE": 1,
            "ITEM": itemno,
            "DESC": cols.get("DESC") or text(item, "DESC"),
            "ACCTSET": text(item, "CNTLACCT"),
            "CATEGORY": text(item, "CATEGORY"),
            "STOCKITEM": int(item["STOCKITEM"]),
            "LOCATION": location,
            "PRICELIST": pricelist,
            "QTYORDERED": qty,
            "ORIGQTY": qty,
            "QTYSHIPPED": ZERO,
            "QTYSHPTODT": ZERO,
            "QTYBACKORD": qty,
            "QTYCOMMIT": qty if int(h.get("TYPE") or 1) == 1 else ZERO,
            "ORDUNIT": unit,
            "PRICEUNIT": str(cols.get("PRICEUNIT") or unit),
            "UNITCONV": 1,
            "PRIUNTCONV": 1,
            "UNITPRICE": price,
            "PRIUNTPRC": price,
            "PRIBASPRC": listed if listed is not None else price,
            "PRICEOVER": override,
            "EXTOPRICE": ext,
            "EXTINVMISC": ZERO,
            "DISCPER": percent,
            "INVDISC": disc,
            "UNITWEIGHT": weight,
            "EXTWEIGHT": weight * qty,
            "COMPLETE": 0,
        }
    )


def _misc_line(cols: dict[str, Any]) -> None:
    code = str(cols.get("MISCCHARGE") or "").strip()
    if not code:
        raise invalid("Miscellaneous Charges Code cannot be blank.")
    amount = money(Decimal(cols.get("EXTINVMISC") or 0))
    cols.update(
        {
            "ITEM": "",
            "MISCCHARGE": code,
            "DESC": cols.get("DESC") or code,
            "EXTINVMISC": amount,
            "EXTOPRICE": amount,
            "QTYORDERED": ZERO,
            "QTYBACKORD": ZERO,
            "QTYCOMMIT": ZERO,
            "INVDISC": ZERO,
            "DISCPER": ZERO,
            "COMPLETE": 0,
        }
    )


def _spread(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """`total` split in proportion to `weights`, the rounding left on the last share."""
    base = sum(weights, ZERO)
    if not weights or not base:
        return [ZERO for _ in weights]
    shares = [money(total * w / base) for w in weights]
    shares[-1] += total - sum(shares, ZERO)
    return shares


def totals(h: dict[str, Any], h1: dict[str, Any], lines: list[dict[str, Any]]) -> None:
    """Fill the header totals from the lines (see the module docstring)."""
    items = [ln for ln in lines if int(ln["LINETYPE"]) == 1]
    misc = [ln for ln in lines if int(ln["LINETYPE"]) == 2]
    items_net = sum((Decimal(ln["EXTOPRICE"]) - Decimal(ln["INVDISC"]) for ln in items), ZERO)
    misc_total = sum((Decimal(ln["EXTINVMISC"]) for ln in misc), ZERO)
    percent = Decimal(h.get("INVDISCPER") or 0)
    if h.get("INVDISCAMT") not in (None, 0, ZERO):
        discount = money(Decimal(h["INVDISCAMT"]))
        percent = (discount / items_net * 100).quantize(Decimal("0.00001")) if items_net else ZERO
    else:
        discount = money(items_net * percent / 100)
    if discount > items_net:
        raise invalid("The order discount is more than the order's item total.")
    for ln, share in zip(
        items, _spread(discount, [Decimal(ln["EXTOPRICE"]) for ln in items]), strict=True
    ):
        ln["HDRDISC"] = share
    taxes = sum((Decimal(h.get(f"TEAMOUNT{i}") or 0) for i in range(1, 6)), ZERO)
    net = items_net - discount
    before_tax = net + misc_total
    paid = Decimal(h.get("ORDPAYTOT") or 0)
    h.update(
        {
            "ORDTOTAL": items_net,
            "INVITMTOT": items_net,
            "ORDMTOTAL": misc_total,
            "INVMISC": misc_total,
            "ORDLINES": len(lines),
            "NOMISCLINE": len(misc),
            "INVDISCBAS": items_net,
            "INVDISCPER": percent,
            "INVDISCAMT": discount,
            "INVNET": net,
            "INVSUBTOT": before_tax,
            "INVNETNOTX": before_tax,
            "INVETAXTOT": taxes,
            "INVNETWTX": before_tax + taxes,
            "INVAMTDUE": before_tax + taxes - paid,
        }
    )
    h1["ITEMDISTOT"] = sum((Decimal(ln["INVDISC"]) for ln in items), ZERO)
    h1["MISCDISTOT"] = ZERO


def create_order(ctx: Ctx, payload: Any) -> Row:
    """POST OE/OEOrders: validate, price, total and store one order (see the module docstring)."""
    db = ctx.db
    decoded = decode(ORDER, payload)
    h = dict(decoded.columns.get("OEORDH", {}))
    h1 = dict(decoded.columns.get("OEORDH1", {}))
    cust = _customer(db, h.get("CUSTOMER"))
    h["CUSTOMER"] = text(cust, "IDCUST")
    if h.get("ORDUNIQ") is not None and db.get("OEORDH", {"ORDUNIQ": h["ORDUNIQ"]}):
        raise duplicate("Order Uniquifier", str(h["ORDUNIQ"]))
    if h.get("ORDNUMBER") and db.select("OEORDH", {"ORDNUMBER": h["ORDNUMBER"]}):
        raise duplicate("Order Number", str(h["ORDNUMBER"]))
    uniq, number = _next_ids(ctx)
    if h.get("ORDUNIQ") is not None:
        uniq = int(h["ORDUNIQ"])
    h["ORDUNIQ"] = uniq
    h["ORDNUMBER"] = h.get("ORDNUMBER") or number
    today = db.today()
    order_date = h.get("ORDDATE") or today
    h["ORDDATE"] = order_date
    h.setdefault("EXPDATE", order_date)
    if not h.get("EXPDATE"):
        h["EXPDATE"] = order_date
    h["ORDFISCYR"] = f"{order_date.year:04d}"
    h["ORDFISCPER"] = order_date.month
    h.setdefault("TYPE", 1)
    h["COMPLETE"] = 1
    h["ORDERSOURC"] = h.get("ORDERSOURC") or 0
    _header_defaults(ctx, h, h1, cust)
    h1["ORDUNIQ"] = uniq
    h1["ENTEREDBY"] = db.user
    lines: list[dict[str, Any]] = []
    ship_now: dict[str | int, Decimal] = {}
    line_payloads = decoded.details.get("OrderDetails", [])
    for i, raw in enumerate(line_payloads, start=1):
        d = decode(ORDER_DETAIL, raw)
        cols = dict(d.columns.get("OEORDD", {}))
        cols["ORDUNIQ"] = uniq
        cols["LINENUM"] = LINE_STEP * i
        cols["DETAILNUM"] = i
        cols.setdefault("EXPDATE", h["EXPDATE"])
        if not cols.get("EXPDATE"):
            cols["EXPDATE"] = h["EXPDATE"]
        shipped = Decimal(cols.get("QTYSHIPPED") or 0)
        line_type = int(cols.get("LINETYPE") or 1)
        if line_type == 1:
            _item_line(db, h, cols, d.given)
            if shipped > 0:
                ship_now[int(cols["LINENUM"])] = shipped
        else:
            _misc_line(cols)
        cols["_optional"] = d.details.get("OrderDetailOptionalFields", [])
        lines.append(cols)
    totals(h, h1, lines)
    insert(db, "OEORDH", h)
    insert(db, "OEORDH1", h1)
    for cols in lines:
        optional = cols.pop("_optional")
        insert(db, "OEORDD", cols)
        if int(cols["LINETYPE"]) == 1 and cols["QTYCOMMIT"]:
            _bump(
                db,
                cols["ITEM"],
                cols["LOCATION"],
                QTYSALORDR=Decimal(cols["QTYORDERED"]),
                QTYCOMMIT=Decimal(cols["QTYCOMMIT"]),
            )
        for opt in optional:
            o = decode(DETAIL_OPTIONAL, opt).columns.get("OEORDDO", {})
            if not o.get("OPTFIELD"):
                raise invalid("Optional Field cannot be blank.")
            insert(db, "OEORDDO", {**o, "ORDUNIQ": uniq, "LINENUM": cols["LINENUM"]})
    for opt in decoded.details.get("OrderOptionalFields", []):
        o = decode(ORDER_OPTIONAL, opt).columns.get("OEORDHO", {})
        if not o.get("OPTFIELD"):
            raise invalid("Optional Field cannot be blank.")
        if db.get("OEORDHO", {"ORDUNIQ": uniq, "OPTFIELD": o["OPTFIELD"]}):
            raise bad_payload(f"Optional field '{o['OPTFIELD']}' appears twice.")
        insert(db, "OEORDHO", {**o, "ORDUNIQ": uniq})
    row = db.get("OEORDH", {"ORDUNIQ": uniq})
    assert row is not None
    if ship_now:
        tracking = str(h1.get("SHIPTRACK") or "")
        ship(ctx, text(row, "ORDNUMBER"), lines=dict(ship_now), tracking=tracking)
        row = db.get("OEORDH", {"ORDUNIQ": uniq}) or row
    return row


# --- shipments ------------------------------------------------------------------------------------
def ship(
    ctx: Ctx,
    order_number: str,
    *,
    tracking: str = "",
    lines: Mapping[str | int, Any] | None = None,
    ship_via: str | None = None,
    ship_date: dt.date | None = None,
) -> Row:
    """Ship an order (see the module docstring); returns the OESHIH row.

    Args:
        order_number: OEORDH.ORDNUMBER.
        tracking: OESHIH/OEORDH1/OEORDD SHIPTRACK.
        lines: quantity per item number (or per LINENUM); None ships everything outstanding.
        ship_via: the Ship-Via code (OESHIH/OEORDH SHIPVIA).
        ship_date: SHIDATE (default: the server's business date).

    Raises:
        KeyError: no such order. ValueError: nothing left to ship, or more than ordered.
    """
    db = ctx.db
    order = order_by_number(db, order_number)
    if int(order["COMPLETE"]) >= 3:
        raise ValueError(f"order {order_number} is complete")
    uniq = int(order["ORDUNIQ"])
    h1 = db.get("OEORDH1", {"ORDUNIQ": uniq}) or {}
    details = db.select("OEORDD", {"ORDUNIQ": uniq})
    when = ship_date or db.today()
    plan: dict[int, Decimal] = {}
    for d in details:
        if int(d["LINETYPE"]) != 1:
            continue
        left = num(d, "QTYORDERED") - num(d, "QTYSHPTODT")
        if lines is None:
            qty = left
        else:
            qty = Decimal(str(lines.get(int(d["LINENUM"]), lines.get(text(d, "ITEM"), 0))))
        if qty > left:
            raise ValueError(f"line {d['LINENUM']} of {order_number}: {qty} > {left} left")
        if qty > 0:
            plan[int(d["LINENUM"])] = qty
    if not plan:
        raise ValueError(f"nothing to ship on order {order_number}")
    first = not db.select("OESHIH", {"ORDUNIQ": uniq})
    shiuniq = ctx.next("SHIUNIQ", int(db.max_of("OESHIH", "SHIUNIQ") or 0))
    shinumber = f"{SHIPMENT_PREFIX}{ctx.next('SHINUMBER'):013d}"
    while db.select("OESHIH", {"SHINUMBER": shinumber}):
        shinumber = f"{SHIPMENT_PREFIX}{ctx.next('SHINUMBER'):013d}"
    via = (ship_via or text(order, "SHIPVIA")).strip().upper()
    tracking = tracking.strip()
    total = ZERO
    n = 0
    for d in details:
        linenum = int(d["LINENUM"])
        is_item = int(d["LINETYPE"]) == 1
        if is_item and linenum not in plan:
            continue
        if not is_item and not first:
            continue
        n += 1
        if is_item:
            qty = plan[linenum]
            to_date = num(d, "QTYSHPTODT") + qty
            ordered = num(d, "QTYORDERED")
            done = to_date >= ordered
            share = num(d, "INVDISC") + num(d, "HDRDISC")
            amount = money(qty * num(d, "UNITPRICE") - share * qty / ordered)
            total += amount
            update(
                db,
                "OEORDD",
                {"ORDUNIQ": uniq, "LINENUM": linenum},
                {
                    "QTYSHIPPED": qty,
                    "QTYSHPTODT": to_date,
                    "QTYBACKORD": max(ordered - to_date, ZERO),
                    "QTYCOMMIT": max(num(d, "QTYCOMMIT") - qty, ZERO),
                    "EXTINVMISC": money(to_date * num(d, "UNITPRICE")),
                    "COMPLETE": 2 if done else 0,
                    "SHIPTRACK": tracking or text(d, "SHIPTRACK"),
                    "SHIPVIA": via,
                },
            )
            row = ensure_iloc(db, text(d, "ITEM"), text(d, "LOCATION"))
            db.update(
                "ICILOC",
                {"ITEMNO": text(d, "ITEM"), "LOCATION": text(d, "LOCATION")},
                {
                    "QTYSHNOCST": num(row, "QTYSHNOCST") + qty,
                    "QTYSALORDR": max(num(row, "QTYSALORDR") - qty, ZERO),
                    "QTYCOMMIT": max(num(row, "QTYCOMMIT") - min(qty, num(d, "QTYCOMMIT")), ZERO),
                    "LASTSHIPDT": when,
                    "LASTUSED": when,
                },
            )
            line = {
                "LINETYPE": 1,
                "ITEM": text(d, "ITEM"),
                "LOCATION": text(d, "LOCATION"),
                "ORDQTYORD": ordered,
                "QTYSHIPPED": qty,
                "QTYBACKORD": max(ordered - to_date, ZERO),
                "SHIUNIT": text(d, "ORDUNIT"),
                "UNITPRICE": num(d, "UNITPRICE"),
                "EXTSHIMISC": amount,
                "FINISHORD": done,
                "COMPLETE": 2 if done else 0,
            }
        else:
            amount = num(d, "EXTINVMISC")
            total += amount
            line = {
                "LINETYPE": 2,
                "MISCCHARGE": text(d, "MISCCHARGE"),
                "EXTSHIMISC": amount,
                "COMPLETE": 2,
                "FINISHORD": True,
            }
        insert(
            db,
            "OESHID",
            {
                **line,
                "SHIUNIQ": shiuniq,
                "LINENUM": LINE_STEP * n,
                "EXPDATE": when,
                "ORDNUMBER": text(order, "ORDNUMBER"),
                "ORDDTLNUM": int(d["DETAILNUM"]),
                "SHIPTRACK": tracking,
            },
        )
    shipment = insert(
        db,
        "OESHIH",
        {
            "SHIUNIQ": shiuniq,
            "SHINUMBER": shinumber,
            "ORDNUMBER": text(order, "ORDNUMBER"),
            "CUSTOMER": text(order, "CUSTOMER"),
            "PONUMBER": text(order, "PONUMBER"),
            "REFERENCE": text(order, "REFERENCE"),
            "SHIDATE": when,
            "EXPDATE": order["EXPDATE"],
            "SHIPVIA": via,
            "LOCATION": text(order, "LOCATION"),
            "COMPLETE": 1,
            "SHINETWTX": total,
            "ORDDATE": order["ORDDATE"],
            "SHIPTRACK": tracking,
            "ORDUNIQ": uniq,
        },
    )
    remaining = [
        d
        for d in db.select("OEORDD", {"ORDUNIQ": uniq})
        if int(d["LINETYPE"]) == 1 and int(d["COMPLETE"]) < 2
    ]
    changes: dict[str, Any] = {"SHIPDATE": when, "SHIPVIA": via}
    if not remaining:
        changes.update({"COMPLETE": 3, "COMPDATE": when})
    update(db, "OEORDH", {"ORDUNIQ": uniq}, changes)
    update(
        db,
        "OEORDH1",
        {"ORDUNIQ": uniq},
        {
            "LASTSHINUM": shinumber,
            "NUMSHPMENT": int(h1.get("NUMSHPMENT") or 0) + 1,
            "SHIPTRACK": tracking or (text(h1, "SHIPTRACK") if h1 else ""),
        },
    )
    return shipment


def complete(ctx: Ctx, order_number: str) -> Row:
    """Mark an order complete (COMPLETE 3, lines COMPLETE 2) and release its commitments."""
    db = ctx.db
    order = order_by_number(db, order_number)
    uniq = int(order["ORDUNIQ"])
    when = db.today()
    _release(db, uniq)
    for d in db.select("OEORDD", {"ORDUNIQ": uniq}):
        update(
            db,
            "OEORDD",
            {"ORDUNIQ": uniq, "LINENUM": d["LINENUM"]},
            {"COMPLETE": 2, "QTYCOMMIT": ZERO, "QTYBACKORD": ZERO},
        )
    return update(db, "OEORDH", {"ORDUNIQ": uniq}, {"COMPLETE": 3, "COMPDATE": when})


def _release(db: CompanyDb, uniq: int) -> None:
    for d in db.select("OEORDD", {"ORDUNIQ": uniq}):
        if int(d["LINETYPE"]) != 1 or int(d["COMPLETE"]) >= 2:
            continue
        left = num(d, "QTYORDERED") - num(d, "QTYSHPTODT")
        row = db.get("ICILOC", {"ITEMNO": d["ITEM"], "LOCATION": d["LOCATION"]})
        if row is None or left <= 0:
            continue
        db.update(
            "ICILOC",
            {"ITEMNO": d["ITEM"], "LOCATION": d["LOCATION"]},
            {
                "QTYSALORDR": max(num(row, "QTYSALORDR") - left, ZERO),
                "QTYCOMMIT": max(num(row, "QTYCOMMIT") - num(d, "QTYCOMMIT"), ZERO),
            },
        )


def delete(ctx: Ctx, order_number: str) -> None:
    """Delete an order (header, OEORDH1, lines, optional fields); its shipments stay."""
    db = ctx.db
    order = order_by_number(db, order_number)
    uniq = int(order["ORDUNIQ"])
    _release(db, uniq)
    delete_tree(db, ORDER, {"ORDUNIQ": uniq})


def live_on_hand(row: Row) -> Decimal:
    """QTYONHAND + QTYRENOCST + QTYADNOCST - QTYSHNOCST of an ICILOC row."""
    return (
        num(row, "QTYONHAND")
        + num(row, "QTYRENOCST")
        + num(row, "QTYADNOCST")
        - num(row, "QTYSHNOCST")
    )


__all__ = [
    "complete",
    "create_order",
    "delete",
    "find_item",
    "live_on_hand",
    "order_by_number",
    "ship",
    "totals",
]
