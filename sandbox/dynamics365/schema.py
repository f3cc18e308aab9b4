"""The Dataverse tables the emulator serves: entity sets, keys, lookups and option sets.

Column names come from the CDM entity files (`columns.py`); the state/status pairs are the CDM
option sets' ``whenStateIs`` annotations (`shared/api-specs/dynamics365/cdm/`). The Field Service
inventory tables (`msdyn_warehouses`, `msdyn_productinventories`) are not in those files: their
columns follow the Field Service docs quoted in `shared/docs/backoffice-apis.md` §2.2.

Custom columns storebridge needs (publisher prefix ``storebridge_``): ``storebridge_id`` with an
alternate key of that name on accounts, contacts, salesorders and salesorderdetails, and the
order's store-side columns (`ORDER_EXTRA`).

Navigation properties (what ``@odata.bind`` and ``$expand`` name): a single-target lookup's is
its column name (``pricelevelid``); a polymorphic customer lookup has one per target
(``customerid_account``, ``customerid_contact``), as documented for ``parentcustomerid``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.dynamics365.columns import CDM_COLUMNS

SYSTEM_COLUMNS = frozenset({"createdon", "modifiedon", "versionnumber"})

ORDER_EXTRA = frozenset(
    {
        "storebridge_id",
        "storebridge_storestatus",
        "storebridge_trackingnumber",
        "storebridge_carrier",
        "storebridge_shippeddate",
        "storebridge_amountpaid",
        "storebridge_paymentstatus",
        "storebridge_couponcodes",
        "storebridge_discountamount",
    }
)


@dataclass(frozen=True)
class Table:
    """One table: its entity set, primary key, columns, lookups, keys and option sets."""

    logical: str
    entity_set: str
    columns: frozenset[str]
    # navigation property -> (lookup column, target entity set)
    navs: dict[str, tuple[str, str]] = field(default_factory=dict)
    alternate_keys: tuple[tuple[str, ...], ...] = ()
    # statecode -> its statuscodes (first = the default status of that state)
    states: dict[int, tuple[int, ...]] = field(default_factory=dict)
    # columns the platform computes: ignored in writes (as Dataverse ignores read-only columns)
    computed: frozenset[str] = frozenset()
    money: frozenset[str] = frozenset()

    @property
    def key(self) -> str:
        """The primary key column (``<logical>id``)."""
        return f"{self.logical}id"

    def lookup_columns(self) -> set[str]:
        """Every lookup column (``customerid``, ``pricelevelid``, ...)."""
        return {column for column, _ in self.navs.values()}


def _cols(logical: str, *extra: str) -> frozenset[str]:
    return CDM_COLUMNS.get(logical, frozenset()) | frozenset(extra) | SYSTEM_COLUMNS


_ACTIVE: dict[int, tuple[int, ...]] = {0: (1,), 1: (2,)}
_SB_KEY = (("storebridge_id",),)

TABLES: dict[str, Table] = {
    t.entity_set: t
    for t in (
        Table(
            "account",
            "accounts",
            _cols("account", "storebridge_id"),
            navs={
                "parentaccountid": ("parentaccountid", "accounts"),
                "primarycontactid": ("primarycontactid", "contacts"),
                "transactioncurrencyid": ("transactioncurrencyid", "transactioncurrencies"),
            },
            alternate_keys=_SB_KEY,
            states=_ACTIVE,
            computed=frozenset({"address1_composite", "address2_composite"}),
        ),
        Table(
            "contact",
            "contacts",
            _cols("contact", "storebridge_id"),
            navs={
                "parentcustomerid_account": ("parentcustomerid", "accounts"),
                "parentcustomerid_contact": ("parentcustomerid", "contacts"),
            },
            alternate_keys=_SB_KEY,
            states=_ACTIVE,
            computed=frozenset({"fullname", "address1_composite", "address2_composite"}),
        ),
        Table(
            "transactioncurrency",
            "transactioncurrencies",
            _cols("transactioncurrency"),
            states=_ACTIVE,
        ),
        Table(
            "uomschedule",
            "uomschedules",
            _cols("uomschedule"),
            states=_ACTIVE,
        ),
        Table(
            "uom",
            "uoms",
            _cols("uom"),
            navs={
                "uomscheduleid": ("uomscheduleid", "uomschedules"),
                "baseuom": ("baseuom", "uoms"),
            },
        ),
        Table(
            "product",
            "products",
            _cols("product"),
            navs={
                "defaultuomid": ("defaultuomid", "uoms"),
                "defaultuomscheduleid": ("defaultuomscheduleid", "uomschedules"),
                "pricelevelid": ("pricelevelid", "pricelevels"),
                "parentproductid": ("parentproductid", "products"),
                "transactioncurrencyid": ("transactioncurrencyid", "transactioncurrencies"),
            },
            # CDM: 0 Active (1), 1 Retired (2), 2 Draft (0), 3 Under Revision (3)
            states={0: (1,), 1: (2,), 2: (0,), 3: (3,)},
            money=frozenset({"price", "currentcost", "standardcost"}),
        ),
        Table(
            "pricelevel",
            "pricelevels",
            _cols("pricelevel"),
            navs={"transactioncurrencyid": ("transactioncurrencyid", "transactioncurrencies")},
            states={0: (100001,), 1: (100002,)},
        ),
        Table(
            "productpricelevel",
            "productpricelevels",
            _cols("productpricelevel"),
            navs={
                "pricelevelid": ("pricelevelid", "pricelevels"),
                "productid": ("productid", "products"),
                "uomid": ("uomid", "uoms"),
                "uomscheduleid": ("uomscheduleid", "uomschedules"),
                "transactioncurrencyid": ("transactioncurrencyid", "transactioncurrencies"),
            },
            money=frozenset({"amount"}),
        ),
        Table(
            "salesorder",
            "salesorders",
            _cols("salesorder", *ORDER_EXTRA),
            navs={
                "customerid_account": ("customerid", "accounts"),
                "customerid_contact": ("customerid", "contacts"),
                "pricelevelid": ("pricelevelid", "pricelevels"),
                "transactioncurrencyid": ("transactioncurrencyid", "transactioncurrencies"),
            },
            alternate_keys=_SB_KEY,
            states={0: (1, 2), 1: (3,), 2: (4,), 3: (100001, 100002), 4: (100003,)},
            computed=frozenset(
                {
                    "ordernumber",
                    "totallineitemamount",
                    "totalamount",
                    "totalamountlessfreight",
                    "datefulfilled",
                    "billto_composite",
                    "shipto_composite",
                }
            ),
            money=frozenset(
                {
                    "totalamount",
                    "totallineitemamount",
                    "totalamountlessfreight",
                    "discountamount",
                    "freightamount",
                    "totaltax",
                    "storebridge_amountpaid",
                    "storebridge_discountamount",
                }
            ),
        ),
        Table(
            "salesorderdetail",
            "salesorderdetails",
            _cols("salesorderdetail", "storebridge_id"),
            navs={
                "salesorderid": ("salesorderid", "salesorders"),
                "productid": ("productid", "products"),
                "uomid": ("uomid", "uoms"),
                "transactioncurrencyid": ("transactioncurrencyid", "transactioncurrencies"),
            },
            alternate_keys=_SB_KEY,
            computed=frozenset(
                {
                    "baseamount",
                    "extendedamount",
                    "productname",
                    "salesorderstatecode",
                    "lineitemnumber",
                }
            ),
            money=frozenset(
                {"priceperunit", "baseamount", "extendedamount", "tax", "manualdiscountamount"}
            ),
        ),
        Table(
            "invoice",
            "invoices",
            _cols("invoice", "storebridge_id"),
            navs={
                "customerid_account": ("customerid", "accounts"),
                "customerid_contact": ("customerid", "contacts"),
                "salesorderid": ("salesorderid", "salesorders"),
                "pricelevelid": ("pricelevelid", "pricelevels"),
                "transactioncurrencyid": ("transactioncurrencyid", "transactioncurrencies"),
            },
            alternate_keys=_SB_KEY,
            # CDM: 0 Active (1 New, 2, 4, 5, 6), 1 Closed (3, 7), 2 Paid (100001, 100002),
            # 3 Canceled (100003)
            states={0: (1, 2, 4, 5, 6), 1: (3, 7), 2: (100001, 100002), 3: (100003,)},
            money=frozenset({"totalamount", "discountamount", "freightamount", "totaltax"}),
        ),
        Table(
            "msdyn_warehouse",
            "msdyn_warehouses",
            frozenset(
                {"msdyn_warehouseid", "msdyn_name", "msdyn_description", "statecode", "statuscode"}
            )
            | SYSTEM_COLUMNS,
            states=_ACTIVE,
        ),
        Table(
            "msdyn_productinventory",
            "msdyn_productinventories",
            frozenset(
                {
                    "msdyn_productinventoryid",
                    "msdyn_product",
                    "msdyn_warehouse",
                    "msdyn_unit",
                    "msdyn_qtyonhand",
                    "msdyn_qtyavailable",
                    "msdyn_qtyallocated",
                    "msdyn_qtyonorder",
                    "msdyn_reorderpoint",
                    "msdyn_bin",
                    "msdyn_row",
                    "statecode",
                    "statuscode",
                }
            )
            | SYSTEM_COLUMNS,
            navs={
                "msdyn_product": ("msdyn_product", "products"),
                "msdyn_warehouse": ("msdyn_warehouse", "msdyn_warehouses"),
                "msdyn_unit": ("msdyn_unit", "uoms"),
            },
            states=_ACTIVE,
            # Field Service computes available = on hand - allocated (assumption: same here)
            computed=frozenset({"msdyn_qtyavailable"}),
        ),
    )
}

# decimal columns that are not money (quantities, rates); money columns are per table
QUANTITIES = frozenset(
    {
        "quantity",
        "quantityshipped",
        "quantitybackordered",
        "quantitycancelled",
        "quantityonhand",
        "msdyn_qtyonhand",
        "msdyn_qtyavailable",
        "msdyn_qtyallocated",
        "msdyn_qtyonorder",
        "msdyn_reorderpoint",
        "exchangerate",
        "percentage",
        "discountpercentage",
    }
)

BY_LOGICAL: dict[str, Table] = {t.logical: t for t in TABLES.values()}
# Tables whose lines lock with their parent's state
CLOSED_ORDER_STATES = frozenset({2, 3, 4})
