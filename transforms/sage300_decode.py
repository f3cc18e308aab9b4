"""Sage 300 database rows -> canonical records: customers, fulfilments, products, stock (pure).

Rows are what the connector's ODBC queries return (`common.row` says which forms are taken).
What each column means is data in the `*_from.yaml` mappings of `transforms/mappings/sage300/`;
the shape rules (names split, status patterns, the stock formula) are here. Every decoder takes
`timezone`: the Sage server's zone, in which AUDTDATE/AUDTTIME (the last change) are kept.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal
from fnmatch import fnmatchcase
from typing import Any

from pydantic import BaseModel

from transforms.canonical import (
    Customer,
    Entity,
    ExternalRef,
    Fulfillment,
    InventoryLevel,
    Product,
    StockPosition,
)
from transforms.mapping import MappingError, decode_with
from transforms.sage300_common import (
    NOON,
    SYSTEM,
    DecodeError,
    flag,
    latest,
    mapping,
    number,
    parse_store_key,
    ref,
    row,
    sources_of,
    stamp,
    text,
    validate,
)

Raw = Mapping[str, Any] | BaseModel
CUSTOMER_FROM, FULFILLMENT_FROM = "customer_from", "fulfillment_from"
PRODUCT_FROM, INVENTORY_FROM = "product_from", "inventory_from"
ADDRESS_PARTS = ("line1", "line2", "city", "region", "postal_code", "country")
NOT_YET_SHIPPED = frozenset({None, "processing", "partially_shipped"})


def _decode(
    name: str, data: Mapping[str, Any], record: str, ctx: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    try:
        return decode_with(mapping(name), data, ctx)
    except MappingError as exc:
        raise DecodeError(f"{record}: {exc}") from None


def key_text(value: Any) -> str | None:
    """A key column as text: numeric keys (ORDUNIQ, SHIUNIQ) without decimals."""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(int(value))
    found = text(value)
    if found and found.replace(".", "", 1).isdigit() and "." in found:
        return str(int(Decimal(found)))
    return found


# --- customers ---------------------------------------------------------------------------------
def _split(name: str | None, rule: str) -> tuple[str | None, str | None]:
    words = (name or "").split()
    if not words:
        return None, None
    if len(words) == 1:
        return None, words[0]
    if rule == "last_space":
        return " ".join(words[:-1]), words[-1]
    return words[0], " ".join(words[1:])


def country_code(value: Any) -> str | None:
    """An ISO alpha-2 code as it is, a country name as its code (`tables.countries`), else the
    text (the canonical model then refuses it, naming the field)."""
    found = text(value)
    if found is None:
        return None
    if len(found) == 2 and found.isalpha():
        return found.upper()
    names = {str(k).casefold(): v for k, v in mapping(CUSTOMER_FROM).tables["countries"].items()}
    return str(names.get(found.casefold(), found))


def decode_customer(arcus_row: Raw, *, timezone: str = "UTC") -> Customer:
    """An ARCUS row as a canonical Customer (customer_from.yaml says which column is what)."""
    data = row(arcus_row, f"{SYSTEM}:customer:?")
    idcust = text(data.get("IDCUST"))
    record = f"{SYSTEM}:customer:{idcust}"
    if not idcust:
        raise DecodeError(f"{record}: ref (IDCUST): the customer number is missing")
    m = mapping(CUSTOMER_FROM)
    contact = text(data.get("NAMECTAC"))
    first, last = _split(contact, str(m.tables["names"].get("split", "first_space")))
    name = text(data.get("NAMECUST"))
    mails = {str(data.get(c) or "").strip().casefold() for c in ("EMAIL1", "EMAIL2")}
    company = name
    if name and (name.casefold() == (contact or "").casefold() or name.casefold() in mails):
        company = None
    streets = [text(data.get(f"TEXTSTRE{i}")) for i in (2, 3, 4)]
    ctx = {
        "first_name": first,
        "last_name": last,
        "company": company,
        "line2": ", ".join(s for s in streets if s) or None,
        "country": country_code(data.get("CODECTRY")),
        "updated_at": stamp(data.get("AUDTDATE"), data.get("AUDTTIME"), timezone),
    }
    decoded = _decode(CUSTOMER_FROM, data, record, ctx)
    address = decoded.get("billing_address") or {}
    if not any(address.get(k) for k in ADDRESS_PARTS):
        decoded.pop("billing_address", None)
    payload = {"ref": ref(Entity.CUSTOMER, idcust), **decoded}
    return validate(Customer, payload, record, sources_of(m))


# --- fulfilment --------------------------------------------------------------------------------
def _code(value: Any, default: int) -> str:
    found = number(value) if not isinstance(value, bool) else Decimal(int(value))
    return str(int(found)) if found is not None else str(default)


def order_status(oeordh: Mapping[str, Any]) -> tuple[str, str]:
    """(canonical status, Sage label) of an OEORDH row by `tables.status` (first pattern that
    matches "TYPE/COMPLETE/ONHOLD")."""
    tables = mapping(FULFILLMENT_FROM).tables
    kind = _code(oeordh.get("TYPE"), 1)
    complete = _code(oeordh.get("COMPLETE"), 1)
    hold = "1" if flag(oeordh.get("ONHOLD")) else "0"
    key = f"{kind}/{complete}/{hold}"
    status = next((v for p, v in tables["status"].items() if fnmatchcase(key, str(p))), None)
    if status is None:
        raise ValueError(f"{key!r} matches no pattern of table 'status'")
    labels = [tables["type_labels"].get(kind, kind), tables["complete_labels"].get(complete)]
    label = " / ".join(str(p) for p in labels if p) + (" / On hold" if hold == "1" else "")
    return str(status), label


def _lines(
    details: Sequence[Raw], record: str, skus: Mapping[str, str], refs: Mapping[int, ExternalRef]
) -> tuple[list[dict[str, Any]], dict[int, Decimal], dict[int, Decimal]]:
    built: list[dict[str, Any]] = []
    shipped: dict[int, Decimal] = defaultdict(Decimal)
    ordered: dict[int, Decimal] = {}
    for raw in details:
        line = _decode(FULFILLMENT_FROM, row(raw, record), record).get("line", {})
        if _code(line.get("type"), 1) == "2":
            continue  # a miscellaneous charge ships nothing
        qty, item = Decimal(line.get("quantity") or 0), text(line.get("sku"))
        detail = int(number(line.get("detail")) or 0)
        if line.get("ordered") is not None:
            ordered[detail] = max(ordered.get(detail, Decimal(0)), Decimal(line["ordered"]))
        if qty > 0 and item:
            shipped[detail] += qty
            built.append({"sku": skus.get(item, item), "quantity": qty, "line": refs.get(detail)})
    return built, shipped, ordered


def decode_fulfilment(
    oeordh_row: Raw,
    oeordh1_row: Raw | None = None,
    shipments: Sequence[tuple[Raw, Sequence[Raw]]] = (),
    *,
    details: Sequence[Raw] = (),
    skus: Mapping[str, str] | None = None,
    line_refs: Mapping[int, ExternalRef] | None = None,
    timezone: str = "UTC",
) -> Fulfillment:
    """An O/E order (OEORDH, its OEORDH1) and its shipments ((OESHIH, [OESHID]) pairs) as the
    fulfilment of the store order named by its REFERENCE (fulfillment_from.yaml). `details`
    (the order's OEORDD rows) make "every unit shipped" exact; `skus` maps item numbers back to
    store SKUs when the item rule is lossy; `line_refs` maps order detail numbers (ORDDTLNUM)
    to the store's order lines.

    Raises:
        DecodeError: the order is not a store order, or a column does not decode.
    """
    head = row(oeordh_row, f"{SYSTEM}:fulfillment:?")
    extra = row(oeordh1_row) if oeordh1_row is not None else {}
    uniq = key_text(head.get("ORDUNIQ"))
    record = f"{SYSTEM}:fulfillment:{uniq}"
    store = parse_store_key(head.get("REFERENCE"))
    if not uniq or store is None:
        raise DecodeError(f"{record}: order (REFERENCE): not the key of a store order")
    m = mapping(FULFILLMENT_FROM)
    try:
        status, label = order_status(head)
    except ValueError as exc:
        raise DecodeError(f"{record}: status (TYPE/COMPLETE/ONHOLD): {exc}") from None
    built: list[dict[str, Any]] = []
    shipped: dict[int, Decimal] = defaultdict(Decimal)
    ordered: dict[int, Decimal] = {}
    stamps = [head, extra]
    last_number = text(extra.get("LASTSHINUM"))
    for sh_raw, detail_rows in shipments:
        sh = row(sh_raw, record)
        stamps.append(sh)
        last = last_number is not None and text(sh.get("SHINUMBER")) == last_number
        mine = extra.get("SHIPTRACK") if last else None
        data = _decode(FULFILLMENT_FROM, sh, record, {"order_tracking": mine}).get("shipment", {})
        if data.get("shipped_at") is not None:
            data["shipped_at"] += NOON  # date_utc gave midnight of the (date-only) column
        lines, done, wanted = _lines(detail_rows, record, skus or {}, line_refs or {})
        for detail, qty in done.items():
            shipped[detail] += qty
        for detail, qty in wanted.items():
            ordered[detail] = max(ordered.get(detail, Decimal(0)), qty)
        sid = key_text(sh.get("SHIUNIQ")) or text(sh.get("SHINUMBER"))
        built.append({"ref": ref(Entity.SHIPMENT, sid), **data, "lines": lines})
    if not built and text(extra.get("SHIPTRACK")):
        carrier = _decode(FULFILLMENT_FROM, {"SHIPVIA": head.get("SHIPVIA")}, record)
        built.append(
            {
                "ref": ref(Entity.SHIPMENT, f"{uniq}-1"),
                **carrier.get("shipment", {}),
                "tracking_number": text(extra.get("SHIPTRACK")),
            }
        )
    for raw in details:
        d = row(raw, record)
        if _code(d.get("LINETYPE"), 1) != "2":
            detail = int(number(d.get("DETAILNUM")) or 0)
            ordered[detail] = number(d.get("QTYORDERED")) or Decimal(0)
            shipped[detail] = max(shipped[detail], number(d.get("QTYSHPTODT")) or Decimal(0))
    any_shipped = any(s.get("lines") for s in built) or any(q > 0 for q in shipped.values())
    if any(s.get("lines") for s in built) and status in NOT_YET_SHIPPED:
        every = all(shipped.get(d, Decimal(0)) >= q for d, q in ordered.items())
        status = "shipped" if every else "partially_shipped"
    elif status == "shipped" and details and not any_shipped:
        status = str(m.tables["closed"]["unshipped"])
    ctx = {"status": status, "source_status": label, "updated_at": latest(stamps, timezone)}
    payload = {
        "ref": ref(Entity.FULFILLMENT, uniq),
        "order": store,
        "shipments": built,
        **_decode(FULFILLMENT_FROM, {}, record, ctx),
    }
    return validate(Fulfillment, payload, record, sources_of(m))


# --- catalog -----------------------------------------------------------------------------------
VariantRows = tuple[Raw, Sequence[Raw], Sequence[Raw]]  # ICITEM row, its ICPRIC, its ICITEMO


def _prices(
    price_rows: Sequence[Mapping[str, Any]], record: str, want: str | None, who: str = ""
) -> dict[str, dict[str, Any]]:
    """Price list code -> {amount, currency} of ICPRIC rows (only `want`'s currency if set)."""
    prices: dict[str, dict[str, Any]] = {}
    for p in price_rows:
        code, cur = text(p.get("PRICELIST")), text(p.get("CURRENCY")) or want
        try:
            amount = number(p.get("BASEPRICE"))
        except ValueError:
            raise DecodeError(
                f"{record}: {who}prices (ICPRIC.BASEPRICE): is not a number"
            ) from None
        if not code or amount is None or (want and cur != want):
            continue
        if not cur:
            raise DecodeError(f"{record}: {who}prices (ICPRIC.CURRENCY): the currency is unknown")
        prices[code] = {"amount": amount, "currency": cur}
    return prices


def _active(item: Mapping[str, Any], rules: Mapping[str, Any]) -> bool:
    active = True
    for column, value in rules.items():
        found = flag(item.get(str(column)))
        active = active and (found is None or found == bool(value))
    return active


def optional_fields(rows: Sequence[Raw], record: str = f"{SYSTEM}:?") -> dict[str, str]:
    """ICITEMO rows as optional field name (upper case) -> value (trimmed; blanks left out)."""
    out: dict[str, str] = {}
    for raw in rows:
        data = row(raw, record)
        name, value = text(data.get("OPTFIELD")), text(data.get("VALUE"))
        if name and value and value.strip():
            out[name.strip().upper()] = value.strip()
    return out


def parent_of(fields: Mapping[str, str]) -> str | None:
    """The product item number a variant item's optional fields name (`tables.variants.parent`
    of product_from.yaml, upper-cased as Sage keeps item numbers); None for a product."""
    name = str(mapping(PRODUCT_FROM).tables["variants"]["parent"]).upper()
    found = fields.get(name)
    return found.upper() if found else None


def decode_product(
    icitem_row: Raw,
    icpric_rows: Sequence[Raw] = (),
    *,
    variants: Sequence[VariantRows] = (),
    icitemo_rows: Sequence[Raw] = (),
    price_list: str | None = None,
    currency: str | None = None,
    timezone: str = "UTC",
) -> Product:
    """A product item (its ICITEM row, its ICPRIC rows) with its variant items (each its ICITEM
    row, ICPRIC rows and ICITEMO optional fields) as a canonical Product (product_from.yaml,
    `tables.variants` says which optional fields link and choose them). `icitemo_rows` are the
    product item's own optional fields, if read: one naming a parent makes it a variant, which
    is no product (DecodeError). `price_list` / `currency` override `tables.settings` (the
    store's price list and currency).
    """
    item = row(icitem_row, f"{SYSTEM}:product:?")
    itemno = text(item.get("ITEMNO"))
    record = f"{SYSTEM}:product:{itemno}"
    m = mapping(PRODUCT_FROM)
    settings, rules, linked = m.tables["settings"], m.tables["active"], m.tables["variants"]
    want = currency or settings.get("currency")
    price_rows = [row(r, record) for r in icpric_rows]
    prices = _prices(price_rows, record, want)
    parent_field = str(linked["parent"]).upper()
    own = [row(r, record) for r in icitemo_rows]
    named = parent_of(optional_fields(own, record))
    if named and named != (itemno or "").upper():
        raise DecodeError(
            f"{record}: sku (ICITEMO.{parent_field}): the item is a variant of {named}, "
            "not a product: it is read with its product"
        )
    chosen = price_list or settings.get("price_list") or text(item.get("DEFPRICLST"))
    price = prices.get(chosen) if chosen else None
    stamps: list[Mapping[str, Any]] = [item, *price_rows, *own]
    built: list[dict[str, Any]] = []
    for v_item, v_prices, v_fields in variants:
        v_row = row(v_item, record)
        v_no = text(v_row.get("ITEMNO")) or "?"
        who = f"variant {v_no}: "
        v_price_rows = [row(r, record) for r in v_prices]
        v_field_rows = [row(r, record) for r in v_fields]
        found = optional_fields(v_field_rows, record)
        if parent_of(found) not in (None, (itemno or "").upper()):
            raise DecodeError(
                f"{record}: {who}ICITEMO.{parent_field}: names another product, {parent_of(found)}"
            )
        v_data = _decode(PRODUCT_FROM, v_row, record, {"active": _active(v_row, rules)})
        v_list = price_list or settings.get("price_list") or text(v_row.get("DEFPRICLST")) or chosen
        v_price = _prices(v_price_rows, record, want, who).get(v_list) if v_list else None
        options = [
            {"name": str(label), "value": found[str(name).upper()]}
            for name, label in (linked.get("options") or {}).items()
            if str(name).upper() in found
        ]
        built.append(
            {
                "ref": ref(Entity.VARIANT, v_no),
                "sku": v_data.get("sku"),
                "options": options,
                "price": v_price if v_price != price else None,
                "weight": v_data.get("weight"),
                "active": v_data.get("active", True),
            }
        )
        stamps += [v_row, *v_price_rows, *v_field_rows]
    labels = [str(label) for label in (linked.get("options") or {}).values()]
    used = {o["name"] for v in built for o in v["options"]}
    active = _active(item, rules)
    ctx = {"active": active, "updated_at": latest(stamps, timezone)}
    data = _decode(PRODUCT_FROM, item, record, ctx)
    payload = {
        "ref": ref(Entity.PRODUCT, itemno or ""),
        **data,
        "prices": prices,
        "options": [name for name in labels if name in used],
        "variants": built,
    }
    if price is not None:
        payload["price"] = price
    return validate(Product, payload, record, sources_of(m))


# --- inventory ---------------------------------------------------------------------------------
def _formula(terms: Mapping[str, Any], data: Mapping[str, Any], record: str, what: str) -> Decimal:
    total = Decimal(0)
    for column, coefficient in terms.items():
        if column not in data:
            raise DecodeError(f"{record}: {what} ({column}): the column was not read")
        try:
            value = number(data[column]) or Decimal(0)
        except ValueError:
            raise DecodeError(f"{record}: {what} ({column}): is not a number") from None
        total += Decimal(str(coefficient)) * value
    return total


def decode_stock(
    item: str | Raw,
    iciloc_rows: Sequence[Raw],
    formula: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    locations: Collection[str] | None = None,
    safety_stock: Decimal | None = None,
    allowed_only: bool | None = None,
    timezone: str = "UTC",
) -> StockPosition:
    """One item's ICILOC rows (one per location) as its stock position (inventory_from.yaml):
    on hand and reserved by the formula (`formula` overrides `tables.on_hand` / `reserved`),
    the locations that count and the safety stock (each overridable per call). `item` is the
    item number or its ICITEM row."""
    rows = [row(r) for r in iciloc_rows]
    itemno = text(item) if isinstance(item, str) else text(row(item).get("ITEMNO"))
    itemno = itemno or next((text(r.get("ITEMNO")) for r in rows if r.get("ITEMNO")), None)
    record = f"{SYSTEM}:inventory:{itemno}"
    if not itemno:
        raise DecodeError(f"{record}: sku (ITEMNO): the item of the stock is unknown")
    tables = mapping(INVENTORY_FROM).tables
    on_hand_terms = (formula or {}).get("on_hand") or tables["on_hand"]
    reserved_terms = (formula or {}).get("reserved") or tables["reserved"]
    settings = tables["settings"]
    wanted = set(locations if locations is not None else settings.get("locations") or ())
    allowed = settings.get("allowed_only", False) if allowed_only is None else allowed_only
    keep = safety_stock if safety_stock is not None else settings.get("safety_stock", 0)
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for data in rows:
        where = str(_decode(INVENTORY_FROM, data, record).get("level", {}).get("location") or "")
        if not where or (wanted and where not in wanted):
            continue
        if allowed and flag(data.get("ACTIVE")) is False:
            continue
        totals[where][0] += _formula(on_hand_terms, data, record, "on_hand")
        totals[where][1] += _formula(reserved_terms, data, record, "reserved")
    levels = [
        InventoryLevel(sku=itemno, location=loc, on_hand=on_hand, reserved=reserved)
        for loc, (on_hand, reserved) in sorted(totals.items())
    ]
    payload = {
        "ref": ref(Entity.INVENTORY, itemno),
        "sku": itemno,
        "levels": levels,
        "safety_stock": Decimal(str(keep)),
        "updated_at": latest(rows, timezone),
    }
    return validate(StockPosition, payload, record)
