"""Sandbox constants of the emulated Sage 300 company (sample company SAMINC).

Not secrets: ADMIN/ADMIN is Sage's documented demo login (Web API Developer Reference, Aug 2022)
and only opens the local emulator.
"""

from __future__ import annotations

COMPANY = "SAMINC"
USER = "ADMIN"
PASSWORD = "ADMIN"
API_ROOT = "/Sage300WebApi/v1.0"
PAGE_SIZE = 100  # IIS Web.config <add key="PageSize" value="100"/> (the documented default)
DEFAULT_TIMEZONE = "UTC"  # the Sage server's local zone (AUDTDATE/AUDTTIME); settable

CURRENCY = "USD"
PRICE_LIST = "RTL"  # the seeded item price list (Sage sample codes: RTL retail, WHS wholesale)
UNIT = "EA"  # stocking / pricing unit of measure of every seeded item
WEIGHT_UNIT = "LBS"
ACCOUNT_SET = "RETAIL"  # IC account set of seeded items
STRUCTURE_CODE = "SKU"  # IC item structure: one segment (the store's SKU), so ITEMNO = FMTITEMNO
# Item optional fields (ICITEMO) that make a size item a variant of its store product (the
# merchant's setup storebridge reads: transforms/mappings/sage300/product_from.yaml
# `tables.variants`): PARENT_FIELD holds the product's item number, and one optional field per
# option (its name upper-cased: "Size" -> SIZE) the option's value.
PARENT_FIELD = "STOREPARENT"

# AR customer groups the company knows (GroupCode must be one of them) and the defaults a new
# customer of the group gets when the payload leaves them out.
CUSTOMER_GROUPS: dict[str, dict[str, str]] = {
    "RTL": {"IDACCTSET": "USA", "CODETERM": "N30", "IDBILLCYCL": "BILLMT", "PRICLIST": "RTL"},
    "WHL": {"IDACCTSET": "USA", "CODETERM": "N30", "IDBILLCYCL": "BILLMT", "PRICLIST": "WHS"},
}
DEFAULT_GROUP = "RTL"

ORDER_PREFIX = "ORD"  # O/E order numbers: ORD + 12 digits (ORD000000000001)
SHIPMENT_PREFIX = "SH"  # O/E shipment numbers: SH + 13 digits
FIRST_ORDUNIQ = 10021600  # order uniquifiers continue after the sample company's (10021638 ...)
LINE_STEP = 32  # OEORDD.LINENUM step (the SDK sample's OrderDetailOptionalFields LineNumber 32)
AR_LINE_STEP = 20  # ARTCP.CNTLINE step (sample: LineNumber 20)
GL_LINE_STEP = 20  # GLJED.TRANSNBR step (sample: 0000000020, 0000000040, ...)
