"""Raw Shift4Shop REST v1 payloads (PascalCase JSON), as the API returns them.

Key casing differs between the vendor schema and live JSON (`CustomerId` vs `CustomerID`), so
keys are matched case-insensitively. Times are store-local and naive here; the codec converts them
to UTC. Unknown keys are kept (`extra="allow"`), so nothing the store sends is silently dropped.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_pascal


class Raw(BaseModel):
    """Base of raw payload models: PascalCase aliases, case-insensitive keys, extras kept."""

    model_config = ConfigDict(
        alias_generator=to_pascal, populate_by_name=True, extra="allow", frozen=True
    )

    @model_validator(mode="before")
    @classmethod
    def _fold_key_case(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        names = {(f.alias or n).lower(): (f.alias or n) for n, f in cls.model_fields.items()}
        return {names.get(str(k).lower(), k): v for k, v in data.items()}

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        # The API sends "" for unset dates and numbers; "" is not a date.
        return None if value == "" else value


class OrderItem(Raw):
    catalog_id: int | None = None
    item_index_id: int
    item_id: str | None = None  # the SKU, with the option suffix for variants
    item_quantity: Decimal
    item_unit_price: Decimal
    item_option_price: Decimal = Decimal("0")
    item_description: str | None = None
    item_date_added: dt.datetime | None = None
    item_shipment_id: int | None = None


class Shipment(Raw):
    shipment_id: int = 0
    shipment_first_name: str | None = None
    shipment_last_name: str | None = None
    shipment_company: str | None = None
    shipment_address: str | None = None
    shipment_address2: str | None = None
    shipment_city: str | None = None
    shipment_state: str | None = None
    shipment_zip_code: str | None = None
    shipment_country: str | None = None
    shipment_phone: str | None = None
    shipment_method_name: str | None = None
    shipment_tracking_code: str | None = None
    shipment_shipped_date: str | None = None  # "mm/dd/yyyy"
    shipment_cost: Decimal = Decimal("0")
    shipment_order_status: int | None = None
    shipment_method_id: int | None = None
    shipment_internal_comment: str | None = None


class Transaction(Raw):
    transaction_index_id: int
    transaction_id: str | None = None
    transaction_date_time: dt.datetime | None = None
    transaction_type: str | None = None
    transaction_method: str | None = None
    transaction_amount: Decimal = Decimal("0")
    transaction_approval: str | None = None
    transaction_reference: str | None = None
    transaction_gateway_id: int | None = None
    transaction_response_text: str | None = None
    transaction_response_code: str | None = None
    transaction_captured: int | None = None


class Promotion(Raw):
    promotion_name: str | None = None
    coupon: str | None = None
    discount: Decimal = Decimal("0")


class Order(Raw):
    order_id: int
    invoice_number_prefix: str | None = None
    invoice_number: int | None = None
    customer_id: int = 0  # 0 = guest checkout
    order_date: dt.datetime
    last_update: dt.datetime | None = None
    order_status_id: int
    billing_first_name: str | None = None
    billing_last_name: str | None = None
    billing_company: str | None = None
    billing_address: str | None = None
    billing_address2: str | None = None
    billing_city: str | None = None
    billing_state: str | None = None
    billing_zip_code: str | None = None
    billing_country: str | None = None
    billing_phone_number: str | None = None
    billing_email: str | None = None
    billing_payment_method: str | None = None
    order_item_list: list[OrderItem] = []
    shipment_list: list[Shipment] = []
    transaction_list: list[Transaction] = []
    promotion_list: list[Promotion] = []
    order_discount: Decimal = Decimal("0")
    order_discount_coupon: Decimal = Decimal("0")
    order_discount_promotion: Decimal = Decimal("0")
    sales_tax: Decimal = Decimal("0")
    sales_tax2: Decimal = Decimal("0")
    sales_tax3: Decimal = Decimal("0")
    order_amount: Decimal
    customer_comments: str | None = None

    @property
    def invoice(self) -> str:
        """The invoice number shoppers see: prefix + number (falls back to the order id)."""
        number = self.invoice_number if self.invoice_number is not None else self.order_id
        return f"{self.invoice_number_prefix or ''}{number}"


class SkuInfo(Raw):
    catalog_id: int
    sku: str | None = Field(default=None, alias="SKU")
    name: str | None = None
    cost: Decimal | None = None
    price: Decimal | None = None
    stock: Decimal | None = None


class AdvancedOption(Raw):
    advanced_option_code: str
    advanced_option_sufix: str | None = None  # the variant's SKU ("Sufix" sic, as the API)
    advanced_option_name: str | None = None
    advanced_option_price: Decimal | None = None
    advanced_option_stock: Decimal | None = None
    advanced_option_gtin: str | None = Field(default=None, alias="AdvancedOptionGTIN")


class Product(Raw):
    sku_info: SkuInfo = Field(alias="SKUInfo")
    hide: bool = False
    last_update: dt.datetime | None = None
    description: str | None = None
    gtin: str | None = Field(default=None, alias="GTIN")
    weight: Decimal | None = None
    advanced_option_list: list[AdvancedOption] = []


class Customer(Raw):
    customer_id: int
    email: str | None = None
    billing_first_name: str | None = None
    billing_last_name: str | None = None
    billing_company: str | None = None
    billing_address1: str | None = None  # customers say Address1, orders say Address
    billing_address2: str | None = None
    billing_city: str | None = None
    billing_state: str | None = None
    billing_zip_code: str | None = None
    billing_country: str | None = None
    billing_phone_number: str | None = None
    shipping_first_name: str | None = None
    shipping_last_name: str | None = None
    shipping_company: str | None = None
    shipping_address1: str | None = None
    shipping_address2: str | None = None
    shipping_city: str | None = None
    shipping_state: str | None = None
    shipping_zip_code: str | None = None
    shipping_country: str | None = None
    shipping_phone_number: str | None = None
    customer_group_id: int = Field(default=0, alias="CustomerGroupID")
    non_taxable: bool = False
    enabled: bool = True
