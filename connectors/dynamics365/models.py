"""Raw Dataverse rows the connector reads (pure pydantic: codecs import this module).

Column names are Dataverse logical names from the CDM files (`shared/api-specs/dynamics365/cdm/`);
single-valued lookups are read as `_<lookup>_value` (the GUID of the referenced row), as the Web
API returns them. Money and quantities are `Decimal` (the connector parses JSON numbers exactly).
Every model keeps unknown columns (`extra="allow"`): a `$select` decides what a row holds.
The `storebridge_*` columns are the custom columns storebridge needs in the environment.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class Row(BaseModel):
    """Base of every raw row: frozen, unknown columns kept, `@odata.etag` as `etag`."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)

    etag: str | None = Field(default=None, alias="@odata.etag")
    createdon: dt.datetime | None = None
    modifiedon: dt.datetime | None = None
    versionnumber: int | None = None
    statecode: int | None = None
    statuscode: int | None = None


class AddressColumns(Row):
    """The composite `address1_*` columns of accounts and contacts."""

    address1_line1: str | None = None
    address1_line2: str | None = None
    address1_line3: str | None = None
    address1_city: str | None = None
    address1_stateorprovince: str | None = None
    address1_postalcode: str | None = None
    address1_country: str | None = None
    address1_telephone1: str | None = None
    address1_composite: str | None = None


class Account(AddressColumns):
    """`accounts` (statecode 0 Active, 1 Inactive)."""

    accountid: str
    name: str | None = None
    accountnumber: str | None = None
    emailaddress1: str | None = None
    telephone1: str | None = None
    storebridge_id: str | None = None
    primarycontactid: str | None = Field(default=None, alias="_primarycontactid_value")


class Contact(AddressColumns):
    """`contacts`; `parentcustomerid` is the account (or contact) it belongs to."""

    contactid: str
    firstname: str | None = None
    lastname: str | None = None
    fullname: str | None = None
    emailaddress1: str | None = None
    telephone1: str | None = None
    mobilephone: str | None = None
    storebridge_id: str | None = None
    parentcustomerid: str | None = Field(default=None, alias="_parentcustomerid_value")
    account: Account | None = Field(default=None, alias="parentcustomerid_account")


class UoM(Row):
    """`uoms`: a unit of a unit group."""

    uomid: str
    name: str | None = None
    quantity: Decimal | None = None
    uomscheduleid: str | None = Field(default=None, alias="_uomscheduleid_value")


class UoMSchedule(Row):
    """`uomschedules`: a unit group."""

    uomscheduleid: str
    name: str | None = None
    baseuomname: str | None = None


class Product(Row):
    """`products` (statecode 0 Active, 1 Retired, 2 Draft, 3 Under Revision); matched by
    `productnumber` = the store SKU."""

    productid: str
    productnumber: str | None = None
    name: str | None = None
    description: str | None = None
    price: Decimal | None = None
    standardcost: Decimal | None = None
    quantityonhand: Decimal | None = None
    quantitydecimal: int | None = None
    stockweight: Decimal | None = None
    size: str | None = None
    producturl: str | None = None
    parentproductid: str | None = Field(default=None, alias="_parentproductid_value")
    defaultuomid: str | None = Field(default=None, alias="_defaultuomid_value")
    defaultuomscheduleid: str | None = Field(default=None, alias="_defaultuomscheduleid_value")
    pricelevelid: str | None = Field(default=None, alias="_pricelevelid_value")


class PriceLevel(Row):
    """`pricelevels`: a price list."""

    pricelevelid: str
    name: str | None = None
    begindate: dt.datetime | None = None
    enddate: dt.datetime | None = None
    transactioncurrencyid: str | None = Field(default=None, alias="_transactioncurrencyid_value")


class ProductPriceLevel(Row):
    """`productpricelevels`: the price of a product in a unit on a price list."""

    productpricelevelid: str
    amount: Decimal | None = None
    productnumber: str | None = None
    pricingmethodcode: int | None = None
    productid: str | None = Field(default=None, alias="_productid_value")
    pricelevelid: str | None = Field(default=None, alias="_pricelevelid_value")
    uomid: str | None = Field(default=None, alias="_uomid_value")
    transactioncurrencyid: str | None = Field(default=None, alias="_transactioncurrencyid_value")


class TransactionCurrency(Row):
    """`transactioncurrencies`."""

    transactioncurrencyid: str
    isocurrencycode: str | None = None
    currencyname: str | None = None
    currencysymbol: str | None = None
    currencyprecision: int | None = None


class SalesOrderDetail(Row):
    """`salesorderdetails`: an order line (catalog product, or write-in)."""

    salesorderdetailid: str
    storebridge_id: str | None = None
    salesorderid: str | None = Field(default=None, alias="_salesorderid_value")
    productid: str | None = Field(default=None, alias="_productid_value")
    uomid: str | None = Field(default=None, alias="_uomid_value")
    productdescription: str | None = None
    productname: str | None = None
    quantity: Decimal | None = None
    quantityshipped: Decimal | None = None
    quantitybackordered: Decimal | None = None
    quantitycancelled: Decimal | None = None
    priceperunit: Decimal | None = None
    baseamount: Decimal | None = None
    extendedamount: Decimal | None = None
    manualdiscountamount: Decimal | None = None
    tax: Decimal | None = None
    ispriceoverridden: bool | None = None
    isproductoverridden: bool | None = None
    lineitemnumber: int | None = None
    sequencenumber: int | None = None


class SalesOrder(Row):
    """`salesorders` (statecode 0 Active, 1 Submitted, 2 Canceled, 3 Fulfilled, 4 Invoiced) with
    the `storebridge_*` columns of the store side (status, shipment, payment, coupons)."""

    salesorderid: str
    name: str | None = None
    ordernumber: str | None = None
    storebridge_id: str | None = None
    storebridge_storestatus: str | None = None
    storebridge_trackingnumber: str | None = None
    storebridge_carrier: str | None = None
    storebridge_shippeddate: dt.datetime | None = None
    storebridge_amountpaid: Decimal | None = None
    storebridge_paymentstatus: str | None = None
    storebridge_couponcodes: str | None = None
    storebridge_discountamount: Decimal | None = None
    customerid: str | None = Field(default=None, alias="_customerid_value")
    pricelevelid: str | None = Field(default=None, alias="_pricelevelid_value")
    transactioncurrencyid: str | None = Field(default=None, alias="_transactioncurrencyid_value")
    datefulfilled: dt.datetime | None = None
    requestdeliveryby: dt.datetime | None = None
    submitdate: dt.datetime | None = None
    totalamount: Decimal | None = None
    totallineitemamount: Decimal | None = None
    totaldiscountamount: Decimal | None = None
    totaltax: Decimal | None = None
    freightamount: Decimal | None = None
    discountamount: Decimal | None = None
    shippingmethodcode: int | None = None
    shipto_line1: str | None = None
    shipto_line2: str | None = None
    shipto_city: str | None = None
    shipto_stateorprovince: str | None = None
    shipto_postalcode: str | None = None
    shipto_country: str | None = None
    details: list[SalesOrderDetail] = Field(default_factory=list, alias="order_details")


class Invoice(Row):
    """`invoices` (statecode 0 Active, 1 Closed, 2 Paid, 3 Canceled): a store payment."""

    invoiceid: str
    name: str | None = None
    invoicenumber: str | None = None
    storebridge_id: str | None = None
    salesorderid: str | None = Field(default=None, alias="_salesorderid_value")
    customerid: str | None = Field(default=None, alias="_customerid_value")
    totalamount: Decimal | None = None
    datedelivered: dt.datetime | None = None
    duedate: dt.datetime | None = None


class Warehouse(Row):
    """`msdyn_warehouses` (Field Service): a stock location."""

    msdyn_warehouseid: str
    msdyn_name: str | None = None
    msdyn_description: str | None = None


class ProductInventory(Row):
    """`msdyn_productinventories` (Field Service): stock of a product in a warehouse."""

    msdyn_productinventoryid: str
    msdyn_product: str | None = Field(default=None, alias="_msdyn_product_value")
    msdyn_warehouse: str | None = Field(default=None, alias="_msdyn_warehouse_value")
    msdyn_unit: str | None = Field(default=None, alias="_msdyn_unit_value")
    msdyn_qtyonhand: Decimal | None = None
    msdyn_qtyavailable: Decimal | None = None
    msdyn_qtyallocated: Decimal | None = None
    msdyn_qtyonorder: Decimal | None = None


class DeletedRow(BaseModel):
    """A `$deletedEntity` row of a delta: the id of a row that no longer exists."""

    model_config = ConfigDict(frozen=True)

    id: str
    reason: str = "deleted"
