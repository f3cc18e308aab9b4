"""Back-office helpers: what a Sage user does by hand (tests and the demo use them).

Each helper writes through the same `CompanyDb` path as the Web API (CHAR padding, YYYYMMDD
dates, AUDTDATE/AUDTTIME/AUDTUSER/AUDTORG stamps from the business clock in the server's zone)
in one transaction, under the emulator's lock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sandbox.sage300 import orders
from sandbox.sage300.constants import CURRENCY
from sandbox.sage300.db import Row
from sandbox.sage300.schema import TABLES

if TYPE_CHECKING:
    from sandbox.sage300.emulator import Sage300Emulator


class AdminHelpers:
    """Mixin of `Sage300Emulator` (see the module docstring)."""

    def _emu(self) -> Sage300Emulator:
        return self  # type: ignore[return-value]

    def rows(self, table: str, **where: Any) -> list[Row]:
        """The raw rows of `table` as stored (CHAR padded, dates YYYYMMDD), optionally filtered
        by column values (``rows("OEORDD", ORDUNIQ=10021601)``)."""
        emu = self._emu()
        if table not in TABLES:
            raise KeyError(f"unknown table {table!r}; known: {sorted(TABLES)}")
        with emu.lock:
            return emu.db.select(table, where or None)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run SQL on the company database (no stamping, no padding): SELECT rows, else []."""
        emu = self._emu()
        with emu.lock, emu.db.transaction():
            return emu.db.execute(sql, params)

    def ship_order(
        self,
        order_number: str,
        *,
        tracking: str = "",
        lines: Mapping[str | int, Any] | None = None,
        ship_via: str | None = None,
    ) -> Row:
        """Ship an order: an OESHIH/OESHID shipment, OEORDD/OEORDH/OEORDH1 and ICILOC updated.

        Args:
            order_number: OEORDH.ORDNUMBER (``ORD000000000001``).
            tracking: the shipment tracking number (SHIPTRACK).
            lines: quantity per item number or LINENUM; None ships everything outstanding.
            ship_via: Ship-Via code (e.g. "UPS"); default the order's.

        Returns:
            The OESHIH row.
        """
        emu = self._emu()
        with emu.lock, emu.db.transaction():
            return orders.ship(
                emu.ctx(), order_number, tracking=tracking, lines=lines, ship_via=ship_via
            )

    def complete_order(self, order_number: str) -> Row:
        """Mark an order Complete (OEORDH.COMPLETE 3) and release what it still committed."""
        emu = self._emu()
        with emu.lock, emu.db.transaction():
            return orders.complete(emu.ctx(), order_number)

    def delete_order(self, order_number: str) -> None:
        """Delete an order (OEORDH, OEORDH1, OEORDD, optional fields); shipments stay."""
        emu = self._emu()
        with emu.lock, emu.db.transaction():
            orders.delete(emu.ctx(), order_number)

    def set_stock(self, item: str, location: str, quantity: object) -> Row:
        """Make the live on-hand of item x location `quantity` with an uncosted adjustment.

        QTYADNOCST moves by the difference (QTYONHAND stays the last day-end figure), so
        QTYONHAND + QTYRENOCST + QTYADNOCST - QTYSHNOCST == quantity. Adds the ICILOC row if
        the item is new at the location.
        """
        emu = self._emu()
        item, location = item.strip().upper(), location.strip().upper()
        with emu.lock, emu.db.transaction():
            db = emu.db
            if db.get("ICITEM", {"ITEMNO": item}) is None:
                raise KeyError(f"no item {item!r}")
            if db.get("ICLOC", {"LOCATION": location}) is None:
                raise KeyError(f"no location {location!r}")
            row = orders.ensure_iloc(db, item, location)
            delta = Decimal(str(quantity)) - orders.live_on_hand(row)
            return db.update(
                "ICILOC",
                {"ITEMNO": item, "LOCATION": location},
                {
                    "QTYADNOCST": orders.num(row, "QTYADNOCST") + delta,
                    "NUMNOCST": int(row["NUMNOCST"]) + 1,
                    "LASTUSED": db.today(),
                },
            )

    def set_price(self, item: str, pricelist: str, price: object, currency: str = CURRENCY) -> Row:
        """Set the base price (ICPRICP DPRICETYPE 1 of the default unit, ICPRIC.BASEPRICE).

        Adds the ICPRIC/ICPRICP rows when the item has no pricing on `pricelist` yet.
        """
        emu = self._emu()
        item, pricelist = item.strip().upper(), pricelist.strip().upper()
        amount = Decimal(str(price))
        with emu.lock, emu.db.transaction():
            db = emu.db
            found = db.get("ICITEM", {"ITEMNO": item})
            if found is None:
                raise KeyError(f"no item {item!r}")
            key = {"CURRENCY": currency, "ITEMNO": item, "PRICELIST": pricelist}
            pricing = db.get("ICPRIC", key)
            unit = str(found["STOCKUNIT"]).strip()
            if pricing is None:
                pricing = db.insert(
                    "ICPRIC",
                    {**key, "DESC": found["DESC"], "DEFBUNIT": unit, "DEFSUNIT": unit},
                )
            base_unit = str(pricing["DEFBUNIT"]).strip() or unit
            detail_key = {**key, "DPRICETYPE": 1, "QTYUNIT": base_unit, "WEIGHTUNIT": ""}
            detail = db.get("ICPRICP", detail_key)
            today = db.today()
            if detail is None:
                db.insert("ICPRICP", {**detail_key, "UNITPRICE": amount, "LASTPRICDT": today})
            else:
                db.update(
                    "ICPRICP",
                    detail_key,
                    {"UNITPRICE": amount, "PREVPRICE": detail["UNITPRICE"], "LASTPRICDT": today},
                )
            return db.update("ICPRIC", key, {"BASEPRICE": amount})

    def set_optional_field(self, item: str, field: str, value: str | None) -> Row | None:
        """Set an item optional field (ICITEMO; a text field, added when the item has none) as
        a clerk does on the item's Optional Fields tab, e.g. ``("SB-TEE-001-XS", "SIZE", "XS")``.
        None removes the field; saving the item then restamps its ICITEM row (the removal leaves
        no ICITEMO row to stamp). Returns the ICITEMO row (None when removed)."""
        emu = self._emu()
        item, name = item.strip().upper(), field.strip().upper()
        with emu.lock, emu.db.transaction():
            db = emu.db
            if db.get("ICITEM", {"ITEMNO": item}) is None:
                raise KeyError(f"no item {item!r}")
            key = {"ITEMNO": item, "OPTFIELD": name}
            found = db.get("ICITEMO", key)
            if value is None:
                if found is not None:
                    db.delete("ICITEMO", key)
                db.update("ICITEM", {"ITEMNO": item}, {"DATELASTMN": db.today()})
                return None
            if found is None:
                return db.insert("ICITEMO", {**key, "VALUE": value})
            return db.update("ICITEMO", key, {"VALUE": value})

    def update_customer(self, number: str, **columns: Any) -> Row:
        """Change ARCUS columns of a customer (``update_customer("1100", TEXTPHON1="...")``);
        DATELASTMN becomes the business date."""
        emu = self._emu()
        with emu.lock, emu.db.transaction():
            key = {"IDCUST": number.strip().upper()}
            if emu.db.get("ARCUS", key) is None:
                raise KeyError(f"no customer {number!r}")
            return emu.db.update("ARCUS", key, {**columns, "DATELASTMN": emu.db.today()})

    def demo_activity(self) -> list[str]:
        """Between two demo runs: an order ships, a product is repriced and restocked, a
        customer's phone is corrected."""
        from sandbox.sage300.demo import demo_activity

        return demo_activity(self._emu())
