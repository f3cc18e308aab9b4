"""Raw V3 payloads: customers, catalog, inventory, hooks (see `connectors.bigcommerce.models`)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from connectors.bigcommerce.payload_types import IsoTime, Num, OptNum, Raw


# --- V3 customers -------------------------------------------------------------------------
class CustomerAddress(Raw):
    id: int | None = None
    customer_id: int | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    state_or_province: str | None = None
    postal_code: str | None = None
    country_code: str | None = None
    country: str | None = None
    phone: str | None = None
    address_type: str | None = None


class Customer(Raw):
    """A V3 customer (`GET /v3/customers?include=addresses`)."""

    id: int
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    phone: str | None = None
    notes: str | None = None
    customer_group_id: int | None = None
    tax_exempt_category: str | None = None
    date_created: IsoTime = None
    date_modified: IsoTime = None
    addresses: list[CustomerAddress] = Field(default_factory=list)
    channel_ids: list[int] | None = None


# --- V3 catalog ---------------------------------------------------------------------------
class OptionValue(Raw):
    """A variant's option value (`productVariantOptionValue_Full`)."""

    id: int | None = None
    option_id: int | None = None
    label: str | None = None
    option_display_name: str | None = None


class Variant(Raw):
    """`productVariant_Full`."""

    id: int | None = None
    product_id: int | None = None
    sku: str | None = None
    sku_id: int | None = None  # None for the base variant of a simple product
    price: OptNum = None
    sale_price: OptNum = None
    retail_price: OptNum = None
    cost_price: OptNum = None
    calculated_price: OptNum = None
    weight: OptNum = None
    inventory_level: OptNum = None
    purchasing_disabled: bool = False
    upc: str | None = None
    gtin: str | None = None
    mpn: str | None = None
    option_values: list[OptionValue] = Field(default_factory=list)


class ProductOptionValue(Raw):
    id: int | None = None
    label: str | None = None
    sort_order: int | None = None
    is_default: bool = False


class CatalogOption(Raw):
    """A product's variant option (`include=options`), e.g. Size with its values."""

    id: int | None = None
    product_id: int | None = None
    display_name: str | None = None
    name: str | None = None
    type: str | None = None
    option_values: list[ProductOptionValue] = Field(default_factory=list)


class Product(Raw):
    """A V3 catalog product (`GET /v3/catalog/products?include=variants`)."""

    id: int
    name: str | None = None
    type: str | None = None
    sku: str | None = None
    description: str | None = None
    price: OptNum = None
    sale_price: OptNum = None
    retail_price: OptNum = None
    cost_price: OptNum = None
    calculated_price: OptNum = None
    weight: OptNum = None
    inventory_level: OptNum = None
    inventory_tracking: str | None = None  # none | product | variant
    is_visible: bool = True
    availability: str | None = None  # available | disabled | preorder
    upc: str | None = None
    gtin: str | None = None
    mpn: str | None = None
    base_variant_id: int | None = None
    date_created: IsoTime = None
    date_modified: IsoTime = None
    variants: list[Variant] = Field(default_factory=list)
    options: list[CatalogOption] = Field(default_factory=list)


# --- V3 inventory -------------------------------------------------------------------------
class Location(Raw):
    """`GET /v3/inventory/locations` item."""

    id: int
    code: str
    label: str | None = None
    description: str | None = None
    type_id: str | None = None
    enabled: bool = True


class ItemIdentity(Raw):
    sku: str | None = None
    variant_id: int | None = None
    product_id: int | None = None
    sku_id: int | None = None


class LocationSettings(Raw):
    safety_stock: Num = Decimal("0")
    is_in_stock: bool | None = None
    warning_level: OptNum = None
    bin_picking_number: str | None = None


class ItemLocation(Raw):
    location_id: int
    location_code: str | None = None
    location_name: str | None = None
    available_to_sell: Num = Decimal("0")
    total_inventory_onhand: Num = Decimal("0")
    location_enabled: bool = True
    settings: LocationSettings | None = None


class InventoryItem(Raw):
    """`GET /v3/inventory/items` item: one SKU's stock at every location."""

    identity: ItemIdentity
    locations: list[ItemLocation] = Field(default_factory=list)


# --- V3 hooks -----------------------------------------------------------------------------
class Hook(Raw):
    """A webhook subscription (`/v3/hooks`)."""

    id: int
    client_id: str | None = None
    store_hash: str | None = None
    scope: str
    destination: str
    is_active: bool = True
    headers: dict[str, str] | None = None
    created_at: int | None = None
    updated_at: int | None = None
