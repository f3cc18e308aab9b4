"""Raw Dataverse rows the Dynamics 365 codecs read (pure pydantic, no I/O).

Written here because `connectors/dynamics365/models.py` did not exist yet when the codecs were
written (the connector helper owns that module; these models can move there unchanged). Column
names are the Dataverse logical names of the CDM entity files (`shared/api-specs/dynamics365/
cdm/v0.4-2018/*.cdm.json`); a lookup column reads as `_<name>_value` (its GUID) and, when the
query expanded it, as the navigation property holding the related row (`parentcustomerid_account`,
`productid`, `msdyn_Product`). Only the columns a codec relies on are declared; every other
column is kept (`extra="allow"`). Numbers stay exact: a JSON number parsed as a float is taken by
its shortest repr, never rounded through binary.

Validating a row first makes a bad row an error naming the record and the column
(`dynamics365:customer:<id>: emailaddress1: Input should be a valid string`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _exact(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a flag is not a number")
    return Decimal(repr(value)) if isinstance(value, float) else value


Number = Annotated[Decimal, BeforeValidator(_exact)]
Id = Annotated[str, Field(min_length=1)]


class Row(BaseModel):
    """A Dataverse row: the declared columns typed, the others kept as they came."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)

    etag: str | None = Field(default=None, alias="@odata.etag")


class AccountRow(Row):
    """`accounts`: a customer's company, or the account storebridge creates for a person."""

    accountid: Id | None = None
    name: str | None = None
    storebridge_id: str | None = None


class ContactRow(Row):
    """`contacts`: a shopper; `parentcustomerid_account` is its account when expanded."""

    contactid: Id
    firstname: str | None = None
    lastname: str | None = None
    emailaddress1: str | None = None
    telephone1: str | None = None
    storebridge_id: str | None = None
    parentcustomerid_account: AccountRow | None = None


class SalesOrderRow(Row):
    """`salesorders`: state and status (option sets), the fulfilment columns storebridge adds."""

    salesorderid: Id
    storebridge_id: str | None = None
    statecode: int | None = None
    statuscode: int | None = None


class ProductRef(Row):
    """An expanded product lookup (`productid`, `msdyn_Product`): its number is the SKU."""

    productid: Id | None = None
    productnumber: str | None = None


class SalesOrderDetailRow(Row):
    """`salesorderdetails`: a line; `productid` is its product when expanded."""

    salesorderdetailid: Id
    storebridge_id: str | None = None
    quantity: Number | None = None
    quantityshipped: Number | None = None
    productid: ProductRef | None = None
    product_value: str | None = Field(default=None, alias="_productid_value")


class ProductRow(Row):
    """`products`: `productnumber` is the store SKU; statecode 0 Active, 1 Retired, 2 Draft,
    3 Under Revision."""

    productid: Id
    productnumber: str | None = None
    name: str | None = None
    statecode: int | None = None
    parent_value: str | None = Field(default=None, alias="_parentproductid_value")


class ProductPriceLevelRow(Row):
    """`productpricelevels`: a product's price in one price list (`pricelevels`)."""

    productpricelevelid: Id | None = None
    amount: Number | None = None


class WarehouseRef(Row):
    """An expanded `msdyn_Warehouse` lookup."""

    msdyn_warehouseid: Id | None = None
    msdyn_name: str | None = None


class ProductInventoryRow(Row):
    """`msdyn_productinventories` (Field Service): one product's stock in one warehouse."""

    msdyn_productinventoryid: Id | None = None
    msdyn_qtyonhand: Number | None = None
    msdyn_qtyavailable: Number | None = None
    msdyn_qtyallocated: Number | None = None
    product_value: str | None = Field(default=None, alias="_msdyn_product_value")
    warehouse_value: str | None = Field(default=None, alias="_msdyn_warehouse_value")
    product: ProductRef | None = Field(default=None, alias="msdyn_Product")
    warehouse: WarehouseRef | None = Field(default=None, alias="msdyn_Warehouse")
