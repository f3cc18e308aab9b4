"""Customers, products and order statuses as the Shift4Shop (3dcart) REST API v1 renders them.

Shapes follow the redacted captures `samples/customer_object.redacted.json` and
`samples/products_get_list_response.redacted.json` (a subset of the product's ~150 keys: the ones a
connector reads, in the capture's order), and the `OrderStatus`, `OptionSet`, `Options` and
`AdvancedOption` schemas of the saved OpenAPI file.
"""

from __future__ import annotations

from typing import Any

from sandbox.seed import CATEGORIES
from sandbox.shift4shop.render import RenderContext, local, money
from sandbox.shift4shop.state import Customer, Product, Variant

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

    The hidden last update is not a field of the Customer object (sample and schema).

    Args:
        record: the customer.
    """
    fields = dict(record.fields)
    out = {"CustomerID": fields.pop("CustomerID"), "Email": fields.pop("Email")}
    return {**out, "Password": PASSWORD_PLACEHOLDER, **fields}


def render_skuinfo(record: Product) -> dict[str, Any]:
    """The `SKUInfo` object (also one element of `GET /Products/skuinfo`).

    Args:
        record: the product.
    """
    return {
        "CatalogID": record.catalog_id,
        "SKU": record.sku,
        "Name": record.name,
        "Cost": money(record.cost),
        "Price": money(record.price),
        "RetailPrice": money(record.retail_price),
        "SalePrice": money(record.sale_price),
        "OnSale": record.on_sale,
        "Stock": record.stock,
    }


def _category(sku: str) -> list[dict[str, Any]]:
    code = sku.split("-")[1] if sku.count("-") >= 2 else ""
    if code not in CATEGORY_IDS:
        return []
    return [{"CategoryID": CATEGORY_IDS[code], "CategoryName": CATEGORY_NAMES[code]}]


def option_id(product: Product, variant: Variant) -> int:
    """The `OptionID` of a variant's option value.

    Assumption: the variant's numeric AdvancedOptionCode (the capture's code "4" is option 4);
    a non-numeric code falls back to its position.
    """
    return int(variant.code) if variant.code.isdigit() else product.variants.index(variant) + 1


def render_option_sets(record: Product) -> list[dict[str, Any]]:
    """`OptionSetList`: one option set per option name of the variants ("Size").

    Assumption: `OptionSetID` = CatalogID * 10 + position (prodfeatures ids are store-wide);
    `OptionValue` is the option's price delta (schema: prodfeatures_options.featureprice).
    """
    names = list(dict.fromkeys(v.option_name for v in record.variants))
    return [
        {
            "OptionSetID": record.catalog_id * 10 + i,
            "OptionSetName": name,
            "OptionSorting": i,
            "OptionRequired": True,
            "OptionType": "Dropdown",
            "OptionURL": "",
            "OptionAdditionalInformation": "",
            "OptionSizeLimit": 0,
            "OptionList": [
                {
                    "OptionID": option_id(record, v),
                    "OptionName": v.option_value,
                    "OptionSelected": False,
                    "OptionHide": False,
                    "OptionValue": money(v.price - record.price),
                    "OptionPartNumber": "",
                    "OptionSorting": k,
                    "OptionImagePath": "",
                    "OptionBundleCatalogId": 0,
                    "OptionBundleQuantity": 1,
                }
                for k, v in enumerate(record.variants, start=1)
                if v.option_name == name
            ],
        }
        for i, name in enumerate(names, start=1)
    ]


def render_advanced_option(variant: Variant) -> dict[str, Any]:
    """One `AdvancedOptionList` element (`AdvancedOptionSufix` is the variant SKU)."""
    return {
        "AdvancedOptionCode": variant.code,
        "AdvancedOptionSufix": variant.sku,
        "AdvancedOptionName": variant.name,
        "AdvancedOptionCost": money(variant.cost),
        "AdvancedOptionStock": variant.stock,
        "AdvancedOptionWeight": money(variant.weight),
        "AdvancedOptionPrice": money(variant.price),
        "AdvancedOptionGTIN": variant.gtin,
    }


def render_product(record: Product, ctx: RenderContext) -> dict[str, Any]:
    """One product object (the capture's keys a connector reads, in the capture's order).

    Args:
        record: the product.
        ctx: rendering context (store zone and URL).
    """
    return {
        "SKUInfo": render_skuinfo(record),
        "MFGID": record.mfgid,
        "ShortDescription": record.short_description,
        "ManufacturerID": 0,
        "DistributorList": [],
        "LastUpdate": local(record.last_update, ctx.tz),
        "UserID": None,
        "GTIN": record.gtin,
        "CategoryList": _category(record.sku),
        "NonTaxable": False,
        "NotForSale": False,
        "Hide": record.hide,
        "GiftCertificate": False,
        "FreeShipping": False,
        "Weight": money(record.weight),
        "StockAlert": 0,
        "ReorderQuantity": 0,
        "InventoryControl": -1,  # store default (store-apis.md 2.5); not in the 2015 capture
        "Description": record.description,
        "OptionSetList": render_option_sets(record),
        "AdvancedOptionList": [render_advanced_option(v) for v in record.variants],
        "DateCreated": local(record.date_created, ctx.tz),
        "PriceLevel1": 0,
        "ProductLink": f"{ctx.secure_url}/{record.name.replace(' ', '-').replace('#', '')}"
        f"_p_{record.catalog_id}.html",
    }
