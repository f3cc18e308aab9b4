"""Customers, products and order statuses as the Shift4Shop (3dcart) REST API v1 renders them.

Shapes follow the redacted captures `samples/customer_object.redacted.json` and
`samples/products_get_list_response.redacted.json` (a subset of the product's ~150 keys: the ones a
connector reads), and the `OrderStatus` schema of the saved OpenAPI file.
"""

from __future__ import annotations

from typing import Any

from sandbox.seed import CATEGORIES
from sandbox.shift4shop.render import RenderContext, local, money
from sandbox.shift4shop.state import Customer, Product

# Default statuses (store-apis.md 2.4: SkuVault enum; ids 8-10 are merchant-defined "Custom" ones).
ORDER_STATUSES: dict[int, str] = {
    1: "New",
    2: "Processing",
    3: "Partial",
    4: "Shipped",
    5: "Cancel",
    6: "Hold",
    7: "Not Completed",
    8: "Custom 1",
    9: "Custom 2",
    10: "Custom 3",
    11: "Unpaid",
    12: "Review",
}
# Assumption: unused custom statuses are hidden until the merchant names them.
HIDDEN_STATUSES = frozenset({8, 9, 10})
# Password is never returned in clear: we return the capture's placeholder so the key set matches.
PASSWORD_PLACEHOLDER = "(redacted)"
CATEGORY_IDS = {code: i for i, (code, _, _) in enumerate(CATEGORIES, start=1)}
CATEGORY_NAMES = {code: f"{label}s" for code, label, _ in CATEGORIES}


def render_status(status_id: int) -> dict[str, Any]:
    """One `GET /OrderStatus` element.

    Args:
        status_id: the default status id (1-12).
    """
    name = ORDER_STATUSES[status_id]
    return {
        "OrderStatusID": status_id,
        "StatusDefinition": name,
        "StatusText": name,
        "Sorting": status_id,
        "Visible": status_id not in HIDDEN_STATUSES,
    }


def render_customer(record: Customer) -> dict[str, Any]:
    """One customer object (`BillingAddress1`, unlike the order's `BillingAddress`).

    Args:
        record: the customer.
    """
    c = record.customer
    address = {
        "Company": c.company,
        "FirstName": c.first_name,
        "LastName": c.last_name,
        "Address1": c.address,
        "Address2": "",
        "City": c.city,
        "State": c.state,
        "ZipCode": c.zip_code,
        "Country": c.country,
        "PhoneNumber": c.phone,
    }
    return {
        "CustomerID": c.customer_id,
        "Email": c.email,
        "Password": PASSWORD_PLACEHOLDER,
        **{f"Billing{k}": v for k, v in address.items()},
        "BillingTaxID": None,
        **{f"Shipping{k}": v for k, v in address.items()},
        "ShippingAddressType": 0,
        "CustomerGroupID": 0,
        "Enabled": True,
        "MailList": False,
        "NonTaxable": False,
        "DisableBillingSameAsShipping": False,
        "Comments": "",
        "AdditionalField1": "",
        "AdditionalField2": "",
        "AdditionalField3": "",
    }


def render_skuinfo(record: Product) -> dict[str, Any]:
    """The `SKUInfo` object (also one element of `GET /Products/skuinfo`).

    Args:
        record: the product.
    """
    p = record.product
    return {
        "CatalogID": p.catalog_id,
        "SKU": p.sku,
        "Name": p.name,
        "Cost": money(p.cost),
        "Price": money(p.price),
        "RetailPrice": money(p.price),
        "SalePrice": money(p.price),
        "OnSale": False,
        "Stock": p.stock,
    }


def _category(sku: str) -> list[dict[str, Any]]:
    code = sku.split("-")[1] if sku.count("-") >= 2 else ""
    if code not in CATEGORY_IDS:
        return []
    return [{"CategoryID": CATEGORY_IDS[code], "CategoryName": CATEGORY_NAMES[code]}]


def render_product(record: Product, ctx: RenderContext) -> dict[str, Any]:
    """One product object (the capture's keys a connector reads, in the capture's order).

    Args:
        record: the product.
        ctx: rendering context (store zone and URL).
    """
    p = record.product
    return {
        "SKUInfo": render_skuinfo(record),
        "MFGID": p.sku,
        "ShortDescription": p.name,
        "ManufacturerID": 0,
        "DistributorList": [],
        "LastUpdate": local(record.last_update, ctx.tz),
        "UserID": None,
        "GTIN": "",
        "CategoryList": _category(p.sku),
        "NonTaxable": False,
        "NotForSale": False,
        "Hide": record.hide,
        "GiftCertificate": False,
        "FreeShipping": False,
        "Weight": 1,
        "StockAlert": 0,
        "ReorderQuantity": 0,
        "InventoryControl": -1,  # store default (store-apis.md 2.5); not in the 2015 capture
        "Description": f"<p>{p.name}</p>",
        "OptionSetList": [],
        "AdvancedOptionList": [],
        "DateCreated": local(record.date_created, ctx.tz),
        "PriceLevel1": 0,
        "ProductLink": f"{ctx.secure_url}/{p.name.replace(' ', '-').replace('#', '')}"
        f"_p_{p.catalog_id}.html",
    }
