"""What the platform enforces and computes on write: state rules, prices, totals, names.

State (CDM option sets, `schema.Table.states`): a row is created in its table's first state with
one of that state's statuses (products may also start Draft); changing ``statecode`` needs a
``statuscode`` of the new state (omitted: that state's default, as Dataverse does); ``statuscode``
alone must belong to the current state. Orders: Canceled and Invoiced are final and Fulfilled
only moves on to Invoiced; `fulfil`/`cancel` are the ``FulfillSalesOrder``/``CancelSalesOrder``
actions. Lines of an order that is not Active or Submitted cannot be created, changed or
deleted (the CDM says only active orders can be edited; assumption: header columns stay
writable, so an integration can still stamp its own columns on a fulfilled order).

Lines (§2.3): a catalogue line needs ``productid`` (an Active product) and ``uomid``; its
``priceperunit`` comes from the order's price list item (``productpricelevels`` of that price
list, product and unit) unless ``ispriceoverridden``; a write-in line
(``isproductoverridden``) needs ``productdescription`` and ``priceperunit``. A missing price
list or a product not on it is refused (assumption: Dataverse records ``pricingerrorcode``
instead; a refusal makes the connector's mistake visible). Computed: ``baseamount`` = price x
quantity, ``extendedamount`` = baseamount - manual discount + tax, the order's
``totallineitemamount``, ``totalamountlessfreight`` (minus ``discountamount``) and
``totalamount`` (plus ``freightamount`` and ``totaltax``), ``ordernumber`` (autonumber
``ORD-0nnnn-SBX``), contact ``fullname``, ``address1_composite``, inventory ``msdyn_qtyavailable``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.dynamics365.errors import invalid
from sandbox.dynamics365.schema import CLOSED_ORDER_STATES, TABLES, Table
from sandbox.dynamics365.store import ANNOTATION, Row, Store, stamp

ZERO = Decimal("0")
_FINAL = {2: set(), 4: set(), 3: {4}}  # order state -> states it may still move to
_INITIAL = {"product": (0, 2)}


def _state_pair(table: Table, state: int, status: Any) -> int:
    statuses = table.states.get(state)
    if statuses is None:
        raise invalid(f"{state} is not a valid statecode of {table.logical}", "0x80040203")
    if status is None:
        return statuses[0]
    if status not in statuses:
        raise invalid(
            f"{status} is not a valid status code for state code {state} on {table.logical}",
            "0x80040203",
        )
    return int(status)


def before_create(store: Store, table: Table, fields: Row) -> Row:
    """Default state and status, line checks and prices, computed names."""
    if table.states:
        state = fields.get("statecode")
        allowed = _INITIAL.get(table.logical, (0,))
        if state is not None and state not in allowed:
            raise invalid(
                f"{table.logical} cannot be created in statecode {state}; create it in "
                f"statecode {allowed[0]} and change its state",
                "0x80040203",
            )
        state = allowed[0] if state is None else state
        fields = {**fields, "statecode": state}
        fields["statuscode"] = _state_pair(table, state, fields.get("statuscode"))
    if table.logical == "salesorder":
        n = store.next_autonumber()
        fields.setdefault("name", f"Order {n}")
        fields["ordernumber"] = f"ORD-{n:05d}-SBX"
    if table.logical == "salesorderdetail":
        fields = _line(store, {}, fields)
    return _names(table, fields)


def before_update(store: Store, table: Table, row: Row, fields: Row) -> Row:
    """State transitions and locked lines."""
    if "statecode" in fields or "statuscode" in fields:
        current = int(row.get("statecode") or 0)
        state = int(fields.get("statecode", current))
        if table.logical == "salesorder" and state != current:
            if current in _FINAL and state not in _FINAL[current]:
                raise invalid(
                    f"salesorder {row['salesorderid']} is in statecode {current}, which cannot "
                    f"change to {state}",
                    "0x80040203",
                )
            if state == 3:
                fields = {**fields, "datefulfilled": stamp(store.clock())}
        fields = {**fields, "statecode": state}
        fields["statuscode"] = _state_pair(table, state, fields.get("statuscode"))
    if table.logical == "salesorderdetail":
        fields = _line(store, row, fields)
    return _names(table, {**row, **fields})


def before_delete(store: Store, table: Table, row: Row) -> None:
    """Lines of a closed order stay; an order's lines go with it."""
    if table.logical == "salesorderdetail":
        _order_open(store, row.get("_salesorderid_value"))
    if table.logical == "salesorder":
        for line in store.find("salesorderdetails", "_salesorderid_value", row["salesorderid"]):
            store.delete("salesorderdetails", line["salesorderdetailid"])


def _order_open(store: Store, order_id: str | None) -> Row:
    order = store.get("salesorders", order_id) if order_id else None
    if order is None:
        raise invalid("salesorderdetail.salesorderid is required (bind the order)", "0x80040203")
    if int(order.get("statecode") or 0) in CLOSED_ORDER_STATES:
        raise invalid(
            f"salesorder {order['salesorderid']} is closed (statecode "
            f"{order['statecode']}): its lines cannot be changed",
            "0x80040203",
        )
    return order


def _line(store: Store, row: Row, fields: Row) -> Row:
    merged = {**row, **fields}
    order = _order_open(store, merged.get("_salesorderid_value"))
    if row and fields.get("_salesorderid_value", row.get("_salesorderid_value")) != row.get(
        "_salesorderid_value"
    ):
        raise invalid("salesorderdetail.salesorderid cannot be changed", "0x80040203")
    qty = merged.get("quantity")
    if qty is None:
        raise invalid("salesorderdetail.quantity is required", "0x80040203")
    if merged.get("isproductoverridden"):
        if not merged.get("productdescription") or merged.get("priceperunit") is None:
            raise invalid(
                "a write-in salesorderdetail needs productdescription and priceperunit",
                "0x80040203",
            )
        fields = {**fields, "productname": None}
    else:
        product = store.get("products", merged.get("_productid_value") or "")
        if product is None:
            raise invalid("salesorderdetail.productid is required for a catalogue line")
        if int(product.get("statecode") or 0) != 0:
            raise invalid(f"product {product['productid']} is not active", "0x80040203")
        if not merged.get("_uomid_value"):
            raise invalid("salesorderdetail.uomid is required with productid", "0x80040203")
        fields = {**fields, "productname": product.get("name")}
        if not merged.get("ispriceoverridden"):
            fields["priceperunit"] = _list_price(store, order, product, merged["_uomid_value"])
        elif merged.get("priceperunit") is None:
            raise invalid("ispriceoverridden needs priceperunit", "0x80040203")
    price = Decimal(fields.get("priceperunit", merged.get("priceperunit")) or 0)
    base = price * Decimal(qty)
    disc = Decimal(merged.get("manualdiscountamount") or 0)
    tax = Decimal(merged.get("tax") or 0)
    fields.update(
        baseamount=base,
        extendedamount=base - disc + tax,
        salesorderstatecode=int(order.get("statecode") or 0),
    )
    if not row:
        lines = store.find("salesorderdetails", "_salesorderid_value", order["salesorderid"])
        fields["lineitemnumber"] = len(lines) + 1
    return fields


def _list_price(store: Store, order: Row, product: Row, uom: str) -> Decimal:
    level = order.get("_pricelevelid_value")
    if not level:
        raise invalid(
            f"salesorder {order['salesorderid']} has no price list (pricelevelid): bind one or "
            "set ispriceoverridden with priceperunit",
            "0x80040203",
        )
    for item in store.find("productpricelevels", "_pricelevelid_value", level):
        if item.get("_productid_value") == product["productid"] and item.get("_uomid_value") == uom:
            return Decimal(item.get("amount") or 0)
    raise invalid(
        f"product {product['productid']} with unit {uom} is not on price list {level}",
        "0x80040203",
    )


def _names(table: Table, fields: Row) -> Row:
    if table.logical == "contact" and ("firstname" in fields or "lastname" in fields):
        parts = [fields.get("firstname"), fields.get("lastname")]
        fields["fullname"] = " ".join(p for p in parts if p)
    if table.logical in ("contact", "account"):
        city = " ".join(
            p
            for p in (fields.get("address1_stateorprovince"), fields.get("address1_postalcode"))
            if p
        )
        city = ", ".join(p for p in (fields.get("address1_city"), city) if p)
        lines = [
            fields.get("address1_line1"),
            fields.get("address1_line2"),
            city,
            fields.get("address1_country"),
        ]
        fields["address1_composite"] = "\n".join(p for p in lines if p) or None
    if table.logical == "msdyn_productinventory":
        on_hand = Decimal(fields.get("msdyn_qtyonhand") or 0)
        fields["msdyn_qtyavailable"] = on_hand - Decimal(fields.get("msdyn_qtyallocated") or 0)
    return fields


def after_write(store: Store, table: Table, row: Row) -> None:
    """Roll line amounts up to their order; keep lines' copy of the order state."""
    if table.logical == "salesorderdetail":
        totals(store, row["_salesorderid_value"])
    if table.logical == "salesorder":
        totals(store, row["salesorderid"])


def totals(store: Store, order_id: str) -> None:
    """Recompute an order's totals from its lines (a write only when they changed)."""
    order = store.get("salesorders", order_id)
    if order is None:
        return
    lines = store.find("salesorderdetails", "_salesorderid_value", order_id)
    items = sum((Decimal(ln.get("extendedamount") or 0) for ln in lines), ZERO)
    less = items - Decimal(order.get("discountamount") or 0)
    total = less + Decimal(order.get("freightamount") or 0) + Decimal(order.get("totaltax") or 0)
    want = {"totallineitemamount": items, "totalamountlessfreight": less, "totalamount": total}
    if any(order.get(k) != v for k, v in want.items()):
        store.update("salesorders", order_id, want)
    state = int(order.get("statecode") or 0)
    for ln in lines:
        if ln.get("salesorderstatecode") != state:
            store.replace("salesorderdetails", {**ln, "salesorderstatecode": state})


def close_order(store: Store, order_id: str, state: int, status: int) -> Row:
    """``FulfillSalesOrder`` (state 3) / ``CancelSalesOrder`` (state 2) on an open order."""
    table = TABLES["salesorders"]
    order = store.get("salesorders", order_id)
    if order is None:
        from sandbox.dynamics365.errors import not_found

        raise not_found("salesorder", order_id)
    current = int(order.get("statecode") or 0)
    if current in CLOSED_ORDER_STATES:
        raise invalid(
            f"salesorder {order_id} is already closed (statecode {current})", "0x80040203"
        )
    fields: Row = {
        "statecode": state,
        "statuscode": _state_pair(table, state, None if status == -1 else status),
    }
    if state == 3:
        fields["datefulfilled"] = stamp(store.clock())
    row = store.update("salesorders", order_id, fields)
    totals(store, order_id)
    return row


__all__ = ["ANNOTATION", "before_create", "before_update", "close_order", "totals"]
