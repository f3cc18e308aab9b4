"""Customer writes of the BigCommerce emulator (V3 `/customers`, `/customers/addresses`).

Batches are arrays of at most 10 (413 past it, store-apis.md 1.6) and all-or-nothing (assumption:
one bad item fails the call and nothing is written). Create needs `email`, `first_name`,
`last_name`; the e-mail is unique among customers, case-insensitive (422 with the body of
`samples/v3_customers_create_422.json` plus the item's field path). Update needs `id` and does
not touch addresses. Fires `store/customer/created|updated` and
`store/customer/address/created|updated` (an address change also moves the customer's
`date_modified`: assumption, so an incremental read sees the move).
Error messages name the item and field, never the value.
"""

from __future__ import annotations

from typing import Any

from sandbox.bigcommerce.constants import MAX_ADDRESSES, MAX_CUSTOMERS_BATCH
from sandbox.bigcommerce.records import new_customer
from sandbox.bigcommerce.state import Record
from sandbox.bigcommerce.txn import StoreBase, Tx
from sandbox.bigcommerce.web import ApiError, too_large
from sandbox.seed import SeedCustomer

CUSTOMER_TEXT = (
    "email",
    "first_name",
    "last_name",
    "company",
    "phone",
    "notes",
    "tax_exempt_category",
    "registration_ip_address",
)
ADDRESS_TEXT = (
    "first_name",
    "last_name",
    "company",
    "address1",
    "address2",
    "city",
    "state_or_province",
    "postal_code",
    "country_code",
    "phone",
)
ADDRESS_REQUIRED = ("first_name", "last_name", "address1", "city", "country_code")
MISSING = "JSON data is missing or invalid"
IN_USE = "Email address is already in use by another customer."


def _batch(body: Any, maximum: int) -> list[dict[str, Any]]:
    if not isinstance(body, list) or not all(isinstance(i, dict) for i in body):
        raise ApiError(422, MISSING, {"": "An array of objects is expected."})
    if len(body) > maximum:
        raise too_large(maximum)
    if not body:
        raise ApiError(422, MISSING, {"": "The array is empty."})
    return body


def _check_text(item: dict[str, Any], i: int, names: tuple[str, ...]) -> None:
    for name in names:
        if name in item and item[name] is not None and not isinstance(item[name], str):
            raise ApiError(422, MISSING, {f"[{i}].{name}": "error.type.string"})


class CustomerOps(StoreBase):
    """`create_customers`, `update_customers`, `create_addresses`, `update_addresses`."""

    def _email_owner(self, email: str) -> int | None:
        key = email.strip().lower()
        return next(
            (cid for cid, c in self.state.customers.items() if c["email"].lower() == key), None
        )

    def create_customers(self, body: Any) -> list[Record]:
        """`POST /v3/customers`.

        Raises:
            ApiError: 413 over 10 items; 422 a missing field or an e-mail already in use.
        """
        items = _batch(body, MAX_CUSTOMERS_BATCH)
        with self.transaction() as tx:
            seen: set[str] = set()
            for i, item in enumerate(items):
                _check_text(item, i, CUSTOMER_TEXT)
                for name in ("email", "first_name", "last_name"):
                    if not (item.get(name) or "").strip():
                        raise ApiError(422, MISSING, {f"[{i}].{name}": "error.path.missing"})
                for j, a in enumerate(item.get("addresses") or []):
                    self._check_address(a, f"[{i}].addresses[{j}]", need_customer=False)
                email = item["email"].strip().lower()
                if self._email_owner(email) is not None or email in seen:
                    raise ApiError(
                        422,
                        "Create customers failed.",
                        {
                            ".customer_create": "Error creating customers",
                            f"[{i}].email": IN_USE,
                        },
                    )
                seen.add(email)
            return [self._create(tx, item) for item in items]

    def _create(self, tx: Tx, item: dict[str, Any]) -> Record:
        cid = self.state.next_id("customer")
        shopper = SeedCustomer(
            cid,
            item["email"].strip(),
            item["first_name"],
            item["last_name"],
            item.get("company") or "",
            item.get("phone") or "",
            "",
            "",
            "",
            "",
        )
        rec = new_customer(shopper, tx.now, tx.now, [])
        for name in ("notes", "tax_exempt_category", "registration_ip_address"):
            rec[name] = item.get(name) or ""
        if isinstance(item.get("customer_group_id"), int):
            rec["customer_group_id"] = item["customer_group_id"]
        for a in item.get("addresses") or []:
            rec["addresses"].append(self._address(cid, a))
        self.state.customers[cid] = rec
        tx.fire("store/customer/created", {"type": "customer", "id": cid})
        return rec

    def update_customers(self, body: Any) -> list[Record]:
        """`PUT /v3/customers` (addresses are not touched).

        Raises:
            ApiError: 413 over 10 items; 422 a missing or unknown id, a bad field, an e-mail in use.
        """
        items = _batch(body, MAX_CUSTOMERS_BATCH)
        with self.transaction() as tx:
            for i, item in enumerate(items):
                cid = item.get("id")
                if not isinstance(cid, int) or cid not in self.state.customers:
                    raise ApiError(
                        422,
                        MISSING,
                        {
                            f"[{i}].id": "error.path.missing"
                            if cid is None
                            else "Customer not found."
                        },
                    )
                _check_text(item, i, CUSTOMER_TEXT)
                for name in ("email", "first_name", "last_name"):
                    if name in item and not (item[name] or "").strip():
                        raise ApiError(422, MISSING, {f"[{i}].{name}": "error.path.missing"})
                if "email" in item:
                    owner = self._email_owner(item["email"])
                    if owner is not None and owner != cid:
                        raise ApiError(
                            422,
                            "Update customers failed.",
                            {f"[{i}].email": IN_USE},
                        )
            out = []
            for item in items:
                rec = self.state.customers[item["id"]]
                for name in CUSTOMER_TEXT:
                    if name in item:
                        rec[name] = (
                            (item[name] or "").strip() if name == "email" else item[name] or ""
                        )
                if isinstance(item.get("customer_group_id"), int):
                    rec["customer_group_id"] = item["customer_group_id"]
                rec["date_modified"] = tx.now
                tx.fire("store/customer/updated", {"type": "customer", "id": rec["id"]})
                out.append(rec)
            return out

    # --- addresses -----------------------------------------------------------------------------
    def _check_address(self, a: Any, where: str, *, need_customer: bool) -> None:
        if not isinstance(a, dict):
            raise ApiError(422, MISSING, {where: "An object is expected."})
        required = (*ADDRESS_REQUIRED, "customer_id") if need_customer else ADDRESS_REQUIRED
        for name in required:
            if not a.get(name):
                raise ApiError(422, MISSING, {f"{where}.{name}": "error.path.missing"})
        for name in ADDRESS_TEXT:
            if name in a and a[name] is not None and not isinstance(a[name], str):
                raise ApiError(422, MISSING, {f"{where}.{name}": "error.type.string"})

    def _address(self, cid: int, a: dict[str, Any]) -> Record:
        rec: Record = {"id": self.state.next_id("customer_address"), "customer_id": cid}
        rec.update({name: a.get(name) or "" for name in ADDRESS_TEXT})
        kind = a.get("address_type")
        rec["address_type"] = kind if kind in ("residential", "commercial") else "residential"
        return rec

    def create_addresses(self, body: Any) -> list[Record]:
        """`POST /v3/customers/addresses` (at most 10 addresses per customer).

        Raises:
            ApiError: 422 a missing field, an unknown customer or one with 10 addresses.
        """
        items = _batch(body, MAX_CUSTOMERS_BATCH)
        with self.transaction() as tx:
            counts: dict[int, int] = {}
            for i, a in enumerate(items):
                self._check_address(a, f"[{i}]", need_customer=True)
                cid = a["customer_id"]
                if cid not in self.state.customers:
                    raise ApiError(422, MISSING, {f"[{i}].customer_id": "Customer not found."})
                counts[cid] = counts.get(cid, len(self.state.customers[cid]["addresses"])) + 1
                if counts[cid] > MAX_ADDRESSES:
                    raise ApiError(422, MISSING, {f"[{i}].customer_id": "Too many addresses."})
            out = []
            for a in items:
                customer = self.state.customers[a["customer_id"]]
                rec = self._address(customer["id"], a)
                customer["addresses"].append(rec)
                customer["date_modified"] = tx.now
                tx.fire(
                    "store/customer/address/created",
                    {
                        "type": "customer",
                        "id": rec["id"],
                        "address": {"customer_id": customer["id"]},
                    },
                )
                out.append(rec)
            return out

    def update_addresses(self, body: Any) -> list[Record]:
        """`PUT /v3/customers/addresses` (`id` required; fields not sent are unchanged).

        Raises:
            ApiError: 422 a missing or unknown id or a field of the wrong type.
        """
        items = _batch(body, MAX_CUSTOMERS_BATCH)
        with self.transaction() as tx:
            found: list[tuple[Record, Record, dict[str, Any]]] = []
            for i, a in enumerate(items):
                if not isinstance(a.get("id"), int):
                    raise ApiError(422, MISSING, {f"[{i}].id": "error.path.missing"})
                hit = self._find_address(a["id"])
                if hit is None:
                    raise ApiError(422, MISSING, {f"[{i}].id": "Address not found."})
                for name in ADDRESS_TEXT:
                    if name in a and a[name] is not None and not isinstance(a[name], str):
                        raise ApiError(422, MISSING, {f"[{i}].{name}": "error.type.string"})
                found.append((*hit, a))
            out = []
            for customer, rec, a in found:
                rec.update({name: a[name] or "" for name in ADDRESS_TEXT if name in a})
                if a.get("address_type") in ("residential", "commercial"):
                    rec["address_type"] = a["address_type"]
                customer["date_modified"] = tx.now
                tx.fire(
                    "store/customer/address/updated",
                    {
                        "type": "customer",
                        "id": rec["id"],
                        "address": {"customer_id": customer["id"]},
                    },
                )
                out.append(rec)
            return out

    def _find_address(self, address_id: int) -> tuple[Record, Record] | None:
        for customer in self.state.customers.values():
            for a in customer["addresses"]:
                if a["id"] == address_id:
                    return customer, a
        return None
