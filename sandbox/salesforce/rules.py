"""Object-specific rules of the emulated org (REST API v42.0–v62.0): derived fields and the
Order / OrderItem / PricebookEntry constraints real orgs enforce.

Where the platform's exact error text is not documented the chosen code and message are marked
"unverified" below; the codes are the ones such checks use (``FIELD_INTEGRITY_EXCEPTION`` for
platform-enforced integrity rules, ``DELETE_FAILED`` for refused deletes).
"""

from __future__ import annotations

from sandbox.salesforce.custom_objects import AUTO_NAMES, STOCK_LEVEL
from sandbox.salesforce.errors import SfError, dml
from sandbox.salesforce.schema import SCHEMA, Field, status_category
from sandbox.salesforce.store import Record, Store

DRAFT, ACTIVATED = "Draft", "Activated"
ORDER_NUMBER_START = 100  # real orgs start the Order auto-number at 00000100


def _integrity(message: str, *fields: str) -> SfError:
    return dml("FIELD_INTEGRITY_EXCEPTION", message, *fields)


class Rules:
    """Hooks the DML layer calls around each write."""

    def __init__(self, store: Store) -> None:
        """Bind to `store`."""
        self.store = store

    # --- dispatch -------------------------------------------------------------------------------
    def before_insert(self, sobject: str, rec: Record) -> None:
        """Derive fields of a new record and refuse it if it breaks a rule."""
        if sobject == "Contact":
            rec["Name"] = _full_name(rec)
        elif sobject == "PricebookEntry":
            self._entry_insert(rec)
        elif sobject == "Order":
            self._order_insert(rec)
        elif sobject == "OrderItem":
            self._item_write(None, rec)
        if sobject in AUTO_NAMES:
            prefix, digits = AUTO_NAMES[sobject]
            rec["Name"] = f"{prefix}{self.store.next_autonumber(f'{sobject}.Name', 1):0{digits}d}"

    def before_update(self, sobject: str, old: Record, new: Record) -> None:
        """Derive fields of an updated record and refuse the change if it breaks a rule."""
        if sobject == "Contact":
            new["Name"] = _full_name(new)
        elif sobject == "Order":
            self._order_update(old, new)
        elif sobject == "OrderItem":
            self._item_write(old, new)

    def before_delete(self, sobject: str, rec: Record) -> None:
        """Refuse deletes real orgs refuse."""
        if sobject == "Order" and rec["StatusCode"] == ACTIVATED:
            # Code and message unverified.
            raise dml(
                "DELETE_FAILED",
                "You can't delete an activated order. Set it back to a Draft status first.",
            )
        if sobject == "OrderItem":
            self._order_open(self.store.get("Order", rec["OrderId"]))
        if sobject == "Pricebook2" and rec["IsStandard"]:
            raise dml("DELETE_FAILED", "You can't delete the standard price book.")

    def after_write(self, sobject: str, old: Record | None, new: Record | None) -> None:
        """Keep denormalised values in step: order totals, entries' product name and code,
        products' stock totals."""
        if sobject == "OrderItem":
            for rec in (old, new):
                if rec is not None:
                    self._recompute_total(rec["OrderId"])
        elif sobject == "Product2" and new is not None and not new["IsDeleted"]:
            for entry in self.store.find(
                "PricebookEntry", _field("PricebookEntry", "Product2Id"), new["Id"]
            ):
                if (entry["Name"], entry["ProductCode"]) != (new["Name"], new["ProductCode"]):
                    # A system-driven change: it moves the entry's stamps, as in a real org.
                    self.store.touch(
                        "PricebookEntry", entry, Name=new["Name"], ProductCode=new["ProductCode"]
                    )
        elif sobject == STOCK_LEVEL:
            for rec in (old, new):
                if rec is not None:
                    self._recompute_stock(rec["Product__c"])

    def _recompute_stock(self, product_id: str) -> None:
        """Product2 quantities = the sums over its live Stock_Level__c rows.

        Assumption: the package ships a roll-up (flow) that keeps the product's totals equal to
        its stock levels; like every roll-up it moves the parent's stamps.
        """
        product = self.store.get("Product2", product_id)
        if product is None:
            return
        levels = self.store.find(STOCK_LEVEL, _field(STOCK_LEVEL, "Product__c"), product_id)
        on_hand = round(sum(float(lv["On_Hand__c"] or 0) for lv in levels), 2)
        reserved = round(sum(float(lv["Reserved__c"] or 0) for lv in levels), 2)
        if (product["Quantity_On_Hand__c"], product["Quantity_Reserved__c"]) != (on_hand, reserved):
            self.store.touch(
                "Product2", product, Quantity_On_Hand__c=on_hand, Quantity_Reserved__c=reserved
            )

    # --- PricebookEntry -------------------------------------------------------------------------
    def _entry_insert(self, rec: Record) -> None:
        product = self.store.get("Product2", rec["Product2Id"])
        book = self.store.get("Pricebook2", rec["Pricebook2Id"])
        assert product is not None  # references were checked
        assert book is not None
        rec["Name"], rec["ProductCode"] = product["Name"], product["ProductCode"]
        entries = self.store.find(
            "PricebookEntry", _field("PricebookEntry", "Product2Id"), product["Id"]
        )
        if any(e["Pricebook2Id"] == book["Id"] for e in entries):
            raise dml("DUPLICATE_VALUE", "This price definition already exists in this price book")
        standard = {b["Id"] for b in self.store.rows("Pricebook2") if b["IsStandard"]}
        if not book["IsStandard"] and not any(e["Pricebook2Id"] in standard for e in entries):
            raise dml("STANDARD_PRICE_NOT_DEFINED", "No standard price defined for this product")

    # --- Order ----------------------------------------------------------------------------------
    def _order_insert(self, rec: Record) -> None:
        if status_category(rec["Status"]) != DRAFT:
            # Unverified text; real orgs refuse to create an order in an Activated status.
            raise _integrity(
                "Choose a valid order status and save your changes. Only a Draft "
                "status is valid for new orders.",
                "Status",
            )
        rec["StatusCode"] = DRAFT
        rec["TotalAmount"] = 0.0
        number = self.store.next_autonumber("Order.OrderNumber", ORDER_NUMBER_START)
        rec["OrderNumber"] = f"{number:08d}"

    def _order_update(self, old: Record, new: Record) -> None:
        new["StatusCode"] = status_category(new["Status"])
        if new["AccountId"] != old["AccountId"] and old["StatusCode"] != DRAFT:
            # Documented rule (AccountId only while Draft); message unverified.
            raise _integrity(
                "You can't change the account of an order that isn't in a Draft status.",
                "AccountId",
            )
        items = self._items(old["Id"])
        if new["Pricebook2Id"] != old["Pricebook2Id"] and items:
            raise _integrity(
                "field integrity exception: Pricebook2Id (can't change the price "
                "book of an order that has order products)",
                "Pricebook2Id",
            )
        if new["StatusCode"] == ACTIVATED and old["StatusCode"] != ACTIVATED and not items:
            # Unverified text; activation needs at least one order product.
            raise _integrity("You can't activate an order that has no order products.", "Status")

    def _items(self, order_id: str) -> list[Record]:
        return self.store.find("OrderItem", _field("OrderItem", "OrderId"), order_id)

    def _recompute_total(self, order_id: str) -> None:
        order = self.store.get("Order", order_id)
        if order is None:
            return
        total = round(sum(float(i["TotalPrice"] or 0) for i in self._items(order_id)), 2)
        if total != order["TotalAmount"]:
            # A roll-up change moves the parent's modification stamps, as in a real org.
            self.store.touch("Order", order, TotalAmount=total)

    # --- OrderItem ------------------------------------------------------------------------------
    @staticmethod
    def _order_open(order: Record | None) -> Record:
        assert order is not None  # references were checked
        if order["StatusCode"] == ACTIVATED:
            # Unverified text; items of an activated order are frozen.
            raise _integrity("You can't add, edit, or delete order products on an activated order.")
        return order

    def _item_write(self, old: Record | None, new: Record) -> None:
        order = self._order_open(self.store.get("Order", new["OrderId"]))
        if old is None:
            self._item_entry(order, new)
        if new["Quantity"] is not None and new["Quantity"] <= 0:
            raise _integrity(
                "field integrity exception: Quantity (quantity must be greater than zero)",
                "Quantity",
            )
        new["TotalPrice"] = round(float(new["Quantity"]) * float(new["UnitPrice"]), 2)

    def _item_entry(self, order: Record, new: Record) -> None:
        if order["Pricebook2Id"] is None:
            raise _integrity(
                "field integrity exception: PricebookEntryId (the order has no price "
                "book: set Pricebook2Id on the order first)",
                "PricebookEntryId",
            )
        entry = self.store.get("PricebookEntry", new["PricebookEntryId"])
        assert entry is not None  # references were checked
        if entry["Pricebook2Id"] != order["Pricebook2Id"]:
            raise _integrity(
                "field integrity exception: PricebookEntryId (pricebook entry is in a "
                "different pricebook than the one assigned to the order)",
                "PricebookEntryId",
            )
        if not entry["IsActive"]:
            raise _integrity(
                "field integrity exception: PricebookEntryId (pricebook entry is inactive)",
                "PricebookEntryId",
            )
        if new["Product2Id"] not in (None, entry["Product2Id"]):
            raise _integrity(
                "field integrity exception: Product2Id (product does not match the "
                "price book entry's product)",
                "Product2Id",
            )
        new["Product2Id"] = entry["Product2Id"]
        new["ListPrice"] = entry["UnitPrice"]


def _full_name(rec: Record) -> str:
    return " ".join(p for p in (rec.get("FirstName"), rec.get("LastName")) if p)


def _field(sobject: str, name: str) -> Field:
    return SCHEMA[sobject].fields[name]
