"""Customer writes of the Shift4Shop (3dcart) REST API v1 emulator.

`POST /Customers` (object or array; new CustomerID, fires Customer New), `PUT /Customers` (batch
by CustomerID) and `PUT /Customers/{customerid}` (store-apis.md 2.6). Customers say
`BillingAddress1`/`BillingAddress2`, not the order's `BillingAddress`. Every accepted write bumps
the customer's hidden last update (what `lastupdatestart/end` filter on).

Assumptions: `Email` is required on create and unique among customers, case-insensitively (a
guest checkout's e-mail does not count); an e-mail needs one "@" and a dot in its domain; strings
are at most 255 characters (e-mail 100); countries are ISO alpha-2; `Password` is accepted and
never stored or echoed; a new customer's missing fields are blank (country "" too), `Enabled`
true. No event fires for an edited customer (the event list has none).
"""

from __future__ import annotations

from typing import Any

from sandbox.seed import SeedCustomer
from sandbox.shift4shop.build import customer_fields
from sandbox.shift4shop.catalog import render_customer
from sandbox.shift4shop.events import CUSTOMER_NEW
from sandbox.shift4shop.fields import (
    CREATED,
    Field,
    Parser,
    assign,
    bad,
    boolean,
    country,
    fold,
    integer,
    lookup,
    parse_fields,
    require_some,
    run_items,
    text,
    written,
)
from sandbox.shift4shop.query import ApiError
from sandbox.shift4shop.state import Customer
from sandbox.shift4shop.txn import StoreBase

ADDRESS_PARTS: tuple[tuple[str, Parser], ...] = (
    ("Company", text(255)),
    ("FirstName", text(255)),
    ("LastName", text(255)),
    ("Address1", text(255)),
    ("Address2", text(255)),
    ("City", text(255)),
    ("State", text(255)),
    ("ZipCode", text(50)),
    ("Country", country),
    ("PhoneNumber", text(50)),
)


def email(name: str, raw: Any) -> str:
    """A login e-mail: non-blank, at most 100 characters, `local@domain.tld`."""
    value = text(100, required=True)(name, raw).strip()
    local, at, domain = value.partition("@")
    if not at or not local or "@" in domain or "." not in domain.strip("."):
        raise bad(name, f"{value!r} is not an e-mail address")
    return value


def _fields() -> tuple[Field, ...]:
    address = [
        Field(f"{side}{part}", f"{side}{part}", parse)
        for side in ("Billing", "Shipping")
        for part, parse in ADDRESS_PARTS
    ]
    flags = ("Enabled", "MailList", "NonTaxable", "DisableBillingSameAsShipping")
    extra = ("AdditionalField1", "AdditionalField2", "AdditionalField3")
    return (
        Field("Email", "Email", email),
        *address,
        Field("ShippingAddressType", "ShippingAddressType", integer(minimum=0)),
        Field("CustomerGroupID", "CustomerGroupID", integer(minimum=0)),
        *(Field(name, name, boolean) for name in flags),
        Field("Comments", "Comments", text()),
        *(Field(name, name, text(255)) for name in extra),
    )


# The dict key of every customer field is its API name.
CUSTOMER_FIELDS = _fields()
BLANK = SeedCustomer(0, "", "", "", "", "", "", "", "", "", country="")


def customer_id_of(body: dict[str, Any]) -> int:
    """The CustomerID of a folded batch item.

    Raises:
        ApiError: 400 when it is missing or not an integer.
    """
    raw = lookup(body, "CustomerID")
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ApiError(400, "CustomerID is required")
    return raw


class CustomerWrites(StoreBase):
    """Customer creation and edits."""

    def _check_unique(self, address: str, customer_id: int = 0) -> None:
        wanted = address.lower()
        for c in self.state.customers.values():
            if c.customer_id != customer_id and c.email.lower() == wanted:
                raise bad("Email", f"{address!r} is already used by another customer")

    def update_customer(self, customer_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """`PUT /Customers/{customerid}`: write the writable customer fields.

        Returns:
            The customer as the API now renders it.

        Raises:
            ApiError: 404 for an unknown customer, 400 naming an invalid field.
        """
        values = parse_fields(fold(changes), CUSTOMER_FIELDS)
        require_some(values, CUSTOMER_FIELDS)
        with self.transaction() as tx:
            customer = self.state.customers.get(customer_id)
            if customer is None:
                raise ApiError(404, f"Customer {customer_id} not found")
            if "Email" in values:
                self._check_unique(values["Email"], customer_id)
            assign(customer.fields, values)
            customer.last_update = tx.now
            return render_customer(customer)

    def update_customers(self, items: list[Any]) -> list[dict[str, str]]:
        """`PUT /Customers`: items by CustomerID, one result element each."""

        def apply(customer_id: int, body: dict[str, Any]) -> dict[str, str]:
            self.update_customer(customer_id, body)
            return written("CustomerID", customer_id)

        with self.transaction():
            return run_items(items, "CustomerID", customer_id_of, apply)

    def create_customer(self, body: dict[str, Any]) -> int:
        """`POST /Customers` (one object): a new registered customer.

        Returns:
            The new CustomerID.

        Raises:
            ApiError: 400 naming a missing, invalid or duplicate field.
        """
        values = parse_fields(fold(body), CUSTOMER_FIELDS)
        if "Email" not in values:
            raise bad("Email", "required")
        with self.transaction() as tx:
            self._check_unique(values["Email"])
            fields = customer_fields(BLANK)
            fields["CustomerID"] = self.state.next_id("customer")
            assign(fields, values)
            customer = Customer(fields, tx.now)
            self.state.customers[customer.customer_id] = customer
            tx.fire(CUSTOMER_NEW, customer.customer_id)
            return customer.customer_id

    def create_customers(self, items: list[Any]) -> list[dict[str, str]]:
        """`POST /Customers` with an array: one result element per item."""

        def apply(_: None, body: dict[str, Any]) -> dict[str, str]:
            return written("CustomerID", self.create_customer(body), 201, CREATED)

        with self.transaction():
            return run_items(items, "CustomerID", lambda b: None, apply)
