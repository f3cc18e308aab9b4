"""The company database schema: real Sage 300 table and column names, with their dictionary types.

A copy of what the sandbox uses (it never reads ``shared/`` at run time). Sources:

* ``shared/api-specs/sage300/db/tables-subset.json`` (ARCUS, ICITEM, ICILOC, OEORDH, OEORDH1,
  OEORDD, OESHIH, OESHID: the columns listed there, verbatim);
* columns and tables that subset does not give come from the same compiled AOM dictionary it was
  derived from (``Gabriel-Innes/claude-skills``, ``dictionary/7.2A/dict/{OE,IC,GL}.md`` and
  ``7.1A/dict/AR.md``: ICLOC, ICPRIC, ICPRICP, OEORDHO, OEORDDO, ARBTA, ARTCR, ARTCP, GLBCTL,
  GLJEH, GLJED and extra OEORDH/OEORDH1/OEORDD columns); each such block is marked
  ``# dictionary:`` below;
* anything neither source gives is marked ``# assumed:`` with the reason.

Types follow ``_type_mapping``: ``String*n`` -> CHAR(n) stored **space-padded**; ``BCD*b.d`` ->
DECIMAL(2b-1, d) (stored as SQLite numbers: the SQLite ODBC driver hands them out as str, SQL
Server's as Decimal); ``Integer`` SMALLINT; ``Long`` INT; ``Boolean`` SMALLINT 0/1; ``Date``
DECIMAL(9,0) YYYYMMDD (0 = empty); ``Time`` DECIMAL(9,0) HHMMSShh. Every column is NOT NULL;
every table carries AUDTDATE/AUDTTIME/AUDTUSER/AUDTORG right after its key (as the dictionary
lists them). `to_db` is the one place a Python value becomes a stored value.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

_TYPE = re.compile(r"^(String\*(\d+)|BCD\*(\d+)\.(\d+)|Integer|Long|Boolean|Date|Time)$")
_VALUES = re.compile(r"\[(.*)\]\s*$")
AUDIT = ("AUDTDATE", "AUDTTIME", "AUDTUSER", "AUDTORG")


class ValueTooLong(ValueError):
    """A string longer than its CHAR(n) column."""

    def __init__(self, column: str, length: int) -> None:
        super().__init__(f"{column} holds at most {length} characters")
        self.column = column
        self.length = length


@dataclass(frozen=True)
class Column:
    """One column: name, dictionary type, description and (for lists) its values."""

    name: str
    type: str
    description: str
    values: tuple[tuple[int | str, str], ...] = ()

    @property
    def kind(self) -> str:
        """char, decimal, int, bool, date or time."""
        head = self.type.split("*")[0]
        return {
            "String": "char",
            "BCD": "decimal",
            "Integer": "int",
            "Long": "int",
            "Boolean": "bool",
            "Date": "date",
            "Time": "time",
        }[head]

    @property
    def length(self) -> int:
        return int(self.type.split("*")[1]) if self.kind == "char" else 0

    @property
    def precision(self) -> int:
        if self.kind == "decimal":
            return 2 * int(self.type.split("*")[1].split(".")[0]) - 1
        return 9 if self.kind in ("date", "time") else 0

    @property
    def scale(self) -> int:
        return int(self.type.split(".")[1]) if self.kind == "decimal" else 0

    @property
    def sql(self) -> str:
        """The SQL Server / SQLite column type."""
        if self.kind == "char":
            return f"CHAR({self.length})"
        if self.kind in ("decimal", "date", "time"):
            return f"DECIMAL({self.precision},{self.scale})"
        return "INT" if self.type == "Long" else "SMALLINT"

    def blank(self) -> Any:
        """The stored empty value ('' padded, or 0)."""
        return " " * self.length if self.kind == "char" else 0


@dataclass(frozen=True)
class Table:
    """One table: key, columns (audit columns included) and extra unique keys / indexes."""

    name: str
    description: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    unique: tuple[tuple[str, ...], ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()
    defaults: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {c.name: c for c in self.columns})

    def column(self, name: str) -> Column:
        found: dict[str, Column] = self._by_name  # type: ignore[attr-defined]
        return found[name]

    def has(self, name: str) -> bool:
        return name in self._by_name  # type: ignore[attr-defined]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def ddl(self) -> list[str]:
        """CREATE TABLE and CREATE INDEX statements."""
        cols = []
        for c in self.columns:
            default = f"'{c.blank()}'" if c.kind == "char" else "0"
            cols.append(f'"{c.name}" {c.sql} NOT NULL DEFAULT {default}')
        cols.append("PRIMARY KEY (" + ", ".join(f'"{k}"' for k in self.key) + ")")
        out = [f'CREATE TABLE "{self.name}" (' + ", ".join(cols) + ")"]
        for i, names in enumerate(self.unique):
            cols_sql = ", ".join(f'"{n}"' for n in names)
            out.append(f'CREATE UNIQUE INDEX "{self.name}_U{i}" ON "{self.name}" ({cols_sql})')
        for i, names in enumerate(self.indexes):
            cols_sql = ", ".join(f'"{n}"' for n in names)
            out.append(f'CREATE INDEX "{self.name}_K{i}" ON "{self.name}" ({cols_sql})')
        return out

    def blank_row(self) -> dict[str, Any]:
        """Every column at its stored empty value, then the table's defaults."""
        row = {c.name: c.blank() for c in self.columns}
        for name, value in self.defaults.items():
            row[name] = to_db(self.column(name), value)
        return row


def _parse_values(text: str, char: bool) -> tuple[tuple[int | str, str], ...]:
    out: list[tuple[int | str, str]] = []
    for part in text.split(","):
        code, _, label = part.partition("=")
        out.append((code.strip() if char else int(code), label.strip()))
    return tuple(out)


def _columns(spec: str) -> list[Column]:
    out = []
    for raw in spec.strip().splitlines():
        line = raw.split("  #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        values: tuple[tuple[int | str, str], ...] = ()
        m = _VALUES.search(line)
        if m:
            line = line[: m.start()].strip()
        name, ctype, description = [*line.split(" ", 2), ""][:3]
        if not _TYPE.match(ctype):
            raise ValueError(f"bad type {ctype!r} of {name}")
        if m:
            values = _parse_values(m.group(1), ctype.startswith("String"))
        out.append(Column(name, ctype, description, values))
    return out


def table(
    name: str,
    description: str,
    key: tuple[str, ...],
    spec: str,
    *,
    unique: tuple[tuple[str, ...], ...] = (),
    indexes: tuple[tuple[str, ...], ...] = (),
    defaults: dict[str, Any] | None = None,
) -> Table:
    """A table from dictionary lines ``NAME Type Description [code=Label,...]``.

    The audit columns go right after the key columns.
    """
    cols = _columns(spec)
    keyed = [c for c in cols if c.name in key]
    rest = [c for c in cols if c.name not in key]
    audit = _columns(
        "AUDTDATE Date Audit Date\nAUDTTIME Time Audit Time\n"
        "AUDTUSER String*8 Audit User\nAUDTORG String*6 Audit Organization"
    )
    return Table(
        name, description, key, (*keyed, *audit, *rest), unique, indexes, dict(defaults or {})
    )


# --- conversions (the one place a Python value becomes a stored value) ---------------------------


def sage_date(value: Any) -> int:
    """YYYYMMDD of a date, datetime, ISO text or YYYYMMDD number (None/'' -> 0)."""
    if value in (None, "", 0):
        return 0
    if isinstance(value, dt.datetime):
        return value.year * 10000 + value.month * 100 + value.day
    if isinstance(value, dt.date):
        return value.year * 10000 + value.month * 100 + value.day
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        number = int(value)
        if number and not 10000101 <= number <= 99991231:
            raise ValueError(f"{value} is not a YYYYMMDD date")
        return number
    if isinstance(value, str):
        text = value.strip()
        try:
            return sage_date(dt.date.fromisoformat(text[:10]))
        except ValueError:
            raise ValueError(f"{value!r} is not a date") from None
    raise ValueError(f"{value!r} is not a date")


def sage_time(value: dt.datetime | dt.time) -> int:
    """HHMMSShh (hundredths) of a time."""
    hundredths = value.microsecond // 10000
    return value.hour * 1000000 + value.minute * 10000 + value.second * 100 + hundredths


def date_of(stored: Any) -> dt.date | None:
    """The date of a stored YYYYMMDD (0 -> None)."""
    number = int(Decimal(str(stored or 0)))
    if not number:
        return None
    return dt.date(number // 10000, number // 100 % 100, number % 100)


def to_decimal(value: Any, scale: int) -> Decimal:
    """`value` as a Decimal rounded half-up to `scale` places."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a number")
    return number.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)


def to_db(column: Column, value: Any) -> Any:
    """The stored form of `value` in `column` (CHAR padded, dates YYYYMMDD, numbers as numbers).

    Raises:
        ValueTooLong: a string longer than the column.
        ValueError: a value of the wrong kind.
    """
    kind = column.kind
    if kind == "char":
        text = "" if value is None else str(value)
        text = text.rstrip()
        if len(text) > column.length:
            raise ValueTooLong(column.name, column.length)
        return text.ljust(column.length)
    if kind == "date":
        return sage_date(value)
    if kind == "time":
        if isinstance(value, dt.datetime | dt.time):
            return sage_time(value)
        return int(value or 0)
    if kind in ("int", "bool"):
        if value is None:
            return 0
        if isinstance(value, bool):
            return int(value)
        number = to_decimal(value, 0)
        return int(number)
    number = to_decimal(0 if value is None else value, column.scale)
    return int(number) if column.scale == 0 else float(number)


def from_db(column: Column, stored: Any) -> Any:
    """A stored value back as Python: str (trimmed), Decimal, int, bool or date."""
    kind = column.kind
    if kind == "char":
        return str(stored or "").rstrip()
    if kind == "date":
        return date_of(stored)
    if kind == "bool":
        return bool(int(stored or 0))
    if kind in ("int", "time"):
        return int(Decimal(str(stored or 0)))
    return to_decimal(stored or 0, column.scale)


# --- the tables -----------------------------------------------------------------------------------

ARCUS = table(
    "ARCUS",
    "Customers (view AR0024). Web API: AR/ARCustomers",
    ("IDCUST",),
    """
IDCUST String*12 Customer Number
TEXTSNAM String*10 Short Name
IDGRP String*6 Group Code
IDNATACCT String*12 National Account
SWACTV Integer Status [0=Inactive,1=Active]
DATEINAC Date Inactive Date
DATELASTMN Date Date Last Maintained
SWHOLD Integer On Hold [0=No,1=Yes]
DATESTART Date Start Date
NAMECUST String*60 Customer Name
TEXTSTRE1 String*60 Address Line 1
TEXTSTRE2 String*60 Address Line 2
TEXTSTRE3 String*60 Address Line 3
TEXTSTRE4 String*60 Address Line 4
NAMECITY String*30 City
CODESTTE String*30 State/Prov.
CODEPSTL String*20 Zip/Postal Code
CODECTRY String*30 Country
NAMECTAC String*60 Contact Name
TEXTPHON1 String*30 Phone Number
TEXTPHON2 String*30 Fax Number
CODETERR String*6 Territory Code
IDACCTSET String*6 Account Set
IDBILLCYCL String*6 Billing Cycle
CODECURN String*3 Currency Code
SWBALFWD Integer Account Type [0=Open Item,1=Balance Forward]
CODETERM String*6 Terms
CODETAXGRP String*12 Tax Group
AMTCRLIMT BCD*10.3 Credit Limit (Cust. Curr.)
AMTBALDUET BCD*10.3 Balance Due in Cust. Curr.
AMTBALDUEH BCD*10.3 Balance Due in Func. Curr.
CODESLSP1 String*8 Salesperson 1
PRICLIST String*6 Customer Price List
CUSTTYPE Integer Customer Discount Type [0=Base,1=A,2=B,3=C,4=D,5=E]
AMTPDUE BCD*10.3 Amount Past Due
EMAIL1 String*50 Contact's E-mail
EMAIL2 String*50 E-mail
WEBSITE String*100 Web Site
PAYMCODE String*12 Payment Code
SHPVIACODE String*6 Ship Via Code
PRIMSHIPTO String*6 Primary Ship-To Location
CTACPHONE String*30 Contact's Phone
LOCATION String*6 Inventory Location
BRN String*30 Business Registration Number
""",
    indexes=(("TEXTSNAM",), ("IDGRP",)),
    defaults={"SWACTV": 1, "CODECURN": "USD"},
)

ICITEM = table(
    "ICITEM",
    "Items (view IC0310). Web API: IC/ICItems",
    ("ITEMNO",),
    """
ITEMNO String*24 Unformatted Item Number
DESC String*60 Description
DATELASTMN Date Date Last Maintained
INACTIVE Boolean Status [0=Active,1=Inactive]
ITEMBRKID String*6 Structure Code
FMTITEMNO String*24 Item Number (formatted, display)
CATEGORY String*6 Category
CNTLACCT String*6 Account Set Code
STOCKITEM Boolean Stock Item [0=No,1=Yes]
STOCKUNIT String*10 Stocking Unit of Measure
DEFPRICLST String*6 Default Price List Code
UNITWGT BCD*10.4 Unit Weight
PICKINGSEQ String*10 Default Picking Sequence
SERIALNO Boolean Serial Numbers [0=No,1=Yes]
DATEINACTV Date Date Inactive
COMMENT1 String*80 Comment 1
ALLOWONWEB Boolean Allow Item in Web Store [0=No,1=Yes]
KITTING Boolean Kitting Item [0=No,1=Yes]
SELLABLE Boolean Sellable [0=No,1=Yes]
WEIGHTUNIT String*10 Weight Unit of Measure
LOTITEM Boolean Lot Numbers [0=No,1=Yes]
""",
    indexes=(("FMTITEMNO",), ("CATEGORY", "ITEMNO")),
    defaults={"STOCKITEM": 1, "SELLABLE": 1, "ALLOWONWEB": 1},
)

ICITEMO = table(
    "ICITEMO",
    "Item Optional Fields (view IC0313, assumed number). Web API: ICItems ItemOptionalFields",
    ("ITEMNO", "OPTFIELD"),
    """
# assumed: tables-subset.json only names ICITEMO ("parent table + 'O' suffix"); its columns are
# those of the dictionary's other optional-field tables (OEORDHO, OEORDDO below) plus SWSET
# (Value Set), as the shared interface lists them. Which optional fields the company defined
# (I/C Setup > Optional Fields > Items) is not modelled: any name is taken.
ITEMNO String*24 Unformatted Item Number
OPTFIELD String*12 Optional Field
VALUE String*60 Value
TYPE Integer Type [1=Text,100=Amount,6=Number,8=Integer,9=Yes/No,3=Date,4=Time]
LENGTH Integer Length
DECIMALS Integer Decimals
ALLOWNULL Boolean Allow Blank [0=No,1=Yes]
VALIDATE Boolean Validate [0=No,1=Yes]
SWSET Boolean Value Set [0=No,1=Yes]
""",
    # the sandbox's own index (variants are looked up by their product's number), not Sage's
    indexes=(("OPTFIELD", "VALUE"),),
    defaults={"TYPE": 1, "LENGTH": 60, "ALLOWNULL": 1, "SWSET": 1},
)

ICILOC = table(
    "ICILOC",
    "Location Details: item quantities per location (view IC0290); no Web API endpoint",
    ("ITEMNO", "LOCATION"),
    """
ITEMNO String*24 Item Number (unformatted)
LOCATION String*6 Location
PICKINGSEQ String*10 Picking Sequence
ACTIVE Boolean Allowed [0=No,1=Yes]
DATEACTIVE Date Date Location Activated
USED Boolean In Use [0=No,1=Yes]
LASTUSED Date Date Last Used
QTYONHAND BCD*10.4 Quantity on Hand (Last Day End)
QTYONORDER BCD*10.4 Quantity on P/O
QTYSALORDR BCD*10.4 Quantity on S/O
QTYOFFSET BCD*10.4 Quantity Not in Cost File
QTYSHNOCST BCD*10.4 Quantity Shipped Not Costed
QTYRENOCST BCD*10.4 Quantity Received Not Costed
QTYADNOCST BCD*10.4 Quantity Adjusted Not Costed
NUMNOCST Long Number of Uncosted Transactions
TOTALCOST BCD*10.3 Total Cost
COSTOFFSET BCD*10.3 Cost Not in Cost File
STDCOST BCD*10.6 Standard Cost
LASTSHIPDT Date Last Shipment Date
LASTRCPTDT Date Last Receipt Date
RECENTCOST BCD*10.6 Most Recent Cost
LASTCOST BCD*10.6 Last Unit Cost
QTYCOMMIT BCD*10.4 Quantity Committed
""",
    indexes=(("LOCATION", "ITEMNO"),),
    defaults={"ACTIVE": 1},
)

ICLOC = table(
    "ICLOC",
    "Locations (view IC0370). Web API: IC/ICLocations",
    ("LOCATION",),
    """
# dictionary: 7.2A IC.md (not in tables-subset.json)
LOCATION String*6 Location
DESC String*60 Name
ADDRESS1 String*60 Address Line 1
ADDRESS2 String*60 Address Line 2
ADDRESS3 String*60 Address Line 3
ADDRESS4 String*60 Address Line 4
CITY String*30 City
STATE String*30 State
ZIP String*20 Zip/Postal Code
COUNTRY String*30 Country
PHONE String*30 Phone Number
FAX String*30 Fax Number
CONTACT String*60 Contact
DATELASTMN Date Date Last Maintained
INACTIVE Boolean Status [0=Active,1=Inactive]
DATEINACTV Date Date Inactive
# assumed: the dictionary excerpt read stops before it; the ICLocations sample sends LocationType
LOCTYPE Integer Location Type [1=Physical,2=Logical]
""",
    defaults={"LOCTYPE": 1},
)

ICPRIC = table(
    "ICPRIC",
    "Item Pricing (view IC0480). Web API: IC/ICItemPricing",
    ("CURRENCY", "ITEMNO", "PRICELIST"),
    """
# dictionary: 7.2A IC.md (not in tables-subset.json)
CURRENCY String*3 Currency Code
ITEMNO String*24 Unformatted Item Number
PRICELIST String*6 Price List Code
DESC String*60 Description
PRICEDECS Integer Decimals in Price
MARKUPCOST BCD*10.6 Markup Cost
MARKUPUNIT String*10 Markup Unit of Measure
MARKUPCONV BCD*10.6 Markup Conversion Factor
PRICETYPE Integer Selling Price Based on [1=Discount,2=Markup on Markup Cost,3=Markup on Standard Cost,4=Markup on Most Recent Cost,5=Markup on Average Cost,6=Markup on Last Unit Cost]
PRICEFMT Integer Discount/Markup Price by [1=Percentage,2=Amount]
PRCNTLVL1 BCD*5.5 Discount/Markup Percentage 1
PRCNTLVL2 BCD*5.5 Discount/Markup Percentage 2
PRCNTLVL3 BCD*5.5 Discount/Markup Percentage 3
PRCNTLVL4 BCD*5.5 Discount/Markup Percentage 4
PRCNTLVL5 BCD*5.5 Discount/Markup Percentage 5
PRICEBASE Integer Price Determined by [1=Customer Type,2=Volume Discounts]
MARKUP BCD*5.5 Markup Factor
PRICEBY Integer Price By [1=Quantity,2=Weight]
DEFBUNIT String*10 Default Base Unit
DEFSUNIT String*10 Default Sale Unit
BPRICETYPE Integer Base Price Type [1=Base Price for Single Unit of Measure,2=Base Price for Multiple Units of Measure,3=Base Price Calculated Using a Cost]
PRICESTART Date Price List Start Date
PRICEEND Date Price List End Date
# assumed (shared interface): a copy of the base price of the default unit. Real Sage keeps it
# only in ICPRICP.UNITPRICE (DPRICETYPE 1 = Base Price Quantity); both are kept in step here.
BASEPRICE BCD*10.6 Base Price (default unit)
""",  # noqa: E501 - dictionary lines are kept whole
    indexes=(("ITEMNO", "CURRENCY", "PRICELIST"),),
    defaults={
        "PRICEDECS": 2,
        "PRICETYPE": 1,
        "PRICEFMT": 1,
        "PRICEBASE": 1,
        "PRICEBY": 1,
        "BPRICETYPE": 1,
        "MARKUPCONV": 1,
    },
)

ICPRICP = table(
    "ICPRICP",
    "Item Pricing Details (view IC0482): the prices of an ICPRIC row",
    ("CURRENCY", "ITEMNO", "PRICELIST", "DPRICETYPE", "QTYUNIT", "WEIGHTUNIT"),
    """
# dictionary: 7.2A IC.md (not in tables-subset.json)
CURRENCY String*3 Currency Code
ITEMNO String*24 Unformatted Item Number
PRICELIST String*6 Price List Code
DPRICETYPE Integer Price Detail Type [1=Base Price Quantity,2=Sale Price Quantity,3=Base Price Weight,4=Sale Price Weight,5=Base Price Using Cost,6=Sale Price Using Cost]
QTYUNIT String*10 Quantity Unit
WEIGHTUNIT String*10 Weight Unit
UNITPRICE BCD*10.6 Unit Price
CONVERSION BCD*10.6 Conversion Factor
SALESTART Date Sale Start
SALEEND Date Sale End
LASTPRICDT Date Last Price Change Date
PREVPRICE BCD*10.6 Previous Price
""",  # noqa: E501
    indexes=(("ITEMNO", "QTYUNIT"),),
    defaults={"DPRICETYPE": 1, "CONVERSION": 1},
)

OEORDH = table(
    "OEORDH",
    "Orders header (view OE0520, with OEORDH1 1:1 on ORDUNIQ). Web API: OE/OEOrders",
    ("ORDUNIQ",),
    """
ORDUNIQ BCD*10.0 Order Uniquifier
ORDNUMBER String*22 Order Number
CUSTOMER String*12 Customer Number
CUSTGROUP String*6 Customer Group Code
BILNAME String*60 Bill-To Name
BILADDR1 String*60 Bill-To Address Line 1
BILCITY String*30 Bill-To City
BILSTATE String*30 Bill-To State/Province
BILZIP String*20 Bill-To Zip/Postal Code
BILCOUNTRY String*30 Bill-To Country
SHIPTO String*6 Ship-To Location Code
SHPNAME String*60 Ship-To Name
SHPADDR1 String*60 Ship-To Address Line 1
SHPCITY String*30 Ship-To City
PRICELIST String*6 Default Price List Code
PONUMBER String*22 Purchase Order Number
TERMS String*6 Terms Code
REFERENCE String*60 Order Reference
TYPE Integer Order Type [1=Active,2=Future,3=Standing,4=Quote]
ORDDATE Date Order Date
EXPDATE Date Expected Ship Date
QTEXPDATE Date Quote Expiration Date
SHIPVIA String*6 Ship-Via Code
LOCATION String*6 Default Location Code
ONHOLD Boolean On Hold [0=No,1=Yes]
DESC String*60 Order Description
COMMENT String*250 Order Comment
ORSOURCURR String*3 Order Source Currency
ORDTOTAL BCD*10.3 Total Amt. Items
ORDLINES Integer Number of Lines on Order
SALESPER1 String*8 Salesperson 1
TAXGROUP String*12 Tax Group
COMPLETE Integer Order Completed [1=Incomplete/Not Included,2=Incomplete/Included,3=Complete/Not Included,4=Complete/Included,5=Complete/Day End]
COMPDATE Date Order Completion Date
INVNUMBER String*22 Invoice Number
SHIPDATE Date Shipment Date
INVNETWTX BCD*10.3 Order Total
INVAMTDUE BCD*10.3 Order Amount Due
ORDERSOURC Integer Order Source [0=Entered,1=Internet,2=Electronic Commerce,3=ePOS]
# dictionary: 7.2A OE.md (not in tables-subset.json)
BILADDR2 String*60 Bill-To Address Line 2
BILADDR3 String*60 Bill-To Address Line 3
BILADDR4 String*60 Bill-To Address Line 4
BILPHONE String*30 Bill-To Phone Number
BILCONTACT String*60 Bill-To Contact
SHPADDR2 String*60 Ship-To Address Line 2
SHPADDR3 String*60 Ship-To Address Line 3
SHPADDR4 String*60 Ship-To Address Line 4
SHPSTATE String*30 Ship-To State/Province
SHPZIP String*20 Ship-To Zip/Postal Code
SHPCOUNTRY String*30 Ship-To Country
SHPPHONE String*30 Ship-To Phone Number
SHPCONTACT String*60 Ship-To Contact
VIADESC String*60 Ship-Via Code Description
ORDFISCYR String*4 Order Fiscal Year
ORDFISCPER Integer Order Fiscal Period
ORDMTOTAL BCD*10.3 Total Amt. Misc. Charges
ORDPAYTOT BCD*10.3 Prev. Payments Total
ORNOPREPAY Integer Order No. of Prepayments
TAXOVERRD Boolean Tax Overridden
TEAMOUNT1 BCD*10.3 Excluded Tax Amount 1
TEAMOUNT2 BCD*10.3 Excluded Tax Amount 2
TEAMOUNT3 BCD*10.3 Excluded Tax Amount 3
TEAMOUNT4 BCD*10.3 Excluded Tax Amount 4
TEAMOUNT5 BCD*10.3 Excluded Tax Amount 5
NOMISCLINE Integer No. Misc. Charges Lines
INVNETNOTX BCD*10.3 Order Total Before Tax
INVITMTOT BCD*10.3 Order Item Total Amount
INVDISCBAS BCD*10.3 Order Discount Base
INVDISCPER BCD*5.5 Order Discount Percentage
INVDISCAMT BCD*10.3 Order Discount Amount
INVMISC BCD*10.3 Order Total Misc. Charges
INVSUBTOT BCD*10.3 Order Subtotal Amount
INVNET BCD*10.3 Order Total With Inv. Disc.
INVETAXTOT BCD*10.3 Order Excl. Tax Total
""",  # noqa: E501
    unique=(("ORDNUMBER",),),
    indexes=(("CUSTOMER",), ("REFERENCE", "ORDNUMBER"), ("CUSTOMER", "PONUMBER")),
    defaults={"TYPE": 1, "COMPLETE": 1, "ORSOURCURR": "USD"},
)

OEORDH1 = table(
    "OEORDH1",
    "Orders, second physical table of view OE0520 (1:1 with OEORDH on ORDUNIQ)",
    ("ORDUNIQ",),
    """
ORDUNIQ BCD*10.0 Order Uniquifier
BILEMAIL String*50 Bill-To E-mail
SHPEMAIL String*50 Ship-To E-mail
LASTSHINUM String*22 Last Shipment Number
NUMSHPMENT Integer Number of Shipments
SHIPTRACK String*36 Shipment Tracking Number
ENTEREDBY String*8 Entered By
HOLDREASON String*60 On-hold Reason
REQUESDATE Date Date Requested
# dictionary: 7.2A OE.md (not in tables-subset.json)
ITEMDISTOT BCD*10.3 Item Detail Discount Total
MISCDISTOT BCD*10.3 Misc. Charge Detail Discount Total
""",
)

OEORDHO = table(
    "OEORDHO",
    "Order Optional Fields (view OE0522). Web API: OEOrders OrderOptionalFields",
    ("ORDUNIQ", "OPTFIELD"),
    """
# dictionary: 7.2A OE.md (not in tables-subset.json)
ORDUNIQ BCD*10.0 Order Uniquifier
OPTFIELD String*12 Optional Field
VALUE String*60 Value
TYPE Integer Type [1=Text,100=Amount,6=Number,8=Integer,9=Yes/No,3=Date,4=Time]
LENGTH Integer Length
DECIMALS Integer Decimals
ALLOWNULL Boolean Allow Blank [0=No,1=Yes]
VALIDATE Boolean Validate [0=No,1=Yes]
""",
    defaults={"TYPE": 1, "LENGTH": 60, "ALLOWNULL": 1},
)

OEORDD = table(
    "OEORDD",
    "Order details (view OE0500). Web API: OEOrders OrderDetails",
    ("ORDUNIQ", "LINENUM"),
    """
ORDUNIQ BCD*10.0 Order Uniquifier
LINENUM Integer Line Number
LINETYPE Integer Line Type [1=Item,2=Miscellaneous]
ITEM String*24 Item
MISCCHARGE String*6 Miscellaneous Charges Code
DESC String*60 Description
ACCTSET String*6 Item Account Set
PRICELIST String*6 Price List
CATEGORY String*6 Category
LOCATION String*6 Location
EXPDATE Date Expected Shipment Date
STOCKITEM Boolean Stock Item
QTYORDERED BCD*10.4 Quantity Ordered
QTYSHIPPED BCD*10.4 Quantity Shipped
QTYBACKORD BCD*10.4 Quantity Backordered
QTYSHPTODT BCD*10.4 Quantity Shipped-to-date
ORIGQTY BCD*10.4 Original Quantity Ordered
ORDUNIT String*10 Order Unit of Measure
UNITCONV BCD*10.6 Order Unit Conversion
UNITPRICE BCD*10.6 Order Unit Price
PRICEOVER Boolean Price Override [0=No,1=Yes]
PRIUNTPRC BCD*10.6 Pricing Unit Price
EXTOPRICE BCD*10.3 Extended Order Amount
EXTINVMISC BCD*10.3 Extended Amount
COMPLETE Integer Detail Completed [0=Not completed,1=Completed/Not In Database,2=Completed,3=Processed by day end]
DETAILNUM Integer Detail Number
QTYCOMMIT BCD*10.4 Quantity Committed
CUSTITEMNO String*24 Customer Item Number
REQUESDATE Date Date Requested
# dictionary: 7.2A OE.md (not in tables-subset.json)
PRICEUNIT String*10 Pricing Unit of Measure
PRIUNTCONV BCD*10.6 Pricing Unit Conversion
PRIBASPRC BCD*10.6 Pricing Base Unit Price
INVDISC BCD*10.3 Order Discount Amount
DISCPER BCD*5.5 Discount Percent
HDRDISC BCD*10.3 Header Discount
UNITWEIGHT BCD*10.4 Unit Weight
EXTWEIGHT BCD*10.4 Extended Weight
SHIPTRACK String*36 Shipment Tracking Number
SHIPVIA String*6 Ship-Via Code
""",  # noqa: E501
    unique=(("ORDUNIQ", "DETAILNUM"),),
    indexes=(("ITEM", "EXPDATE", "ORDUNIQ", "DETAILNUM"),),
    defaults={"LINETYPE": 1, "UNITCONV": 1, "PRIUNTCONV": 1},
)

OEORDDO = table(
    "OEORDDO",
    "Order Detail Optional Fields (view OE0501). Web API: OrderDetailOptionalFields",
    ("ORDUNIQ", "LINENUM", "OPTFIELD"),
    """
# dictionary: 7.2A OE.md (not in tables-subset.json)
ORDUNIQ BCD*10.0 Order Uniquifier
LINENUM Integer Line Number
OPTFIELD String*12 Optional Field
VALUE String*60 Value
TYPE Integer Type [1=Text,100=Amount,6=Number,8=Integer,9=Yes/No,3=Date,4=Time]
LENGTH Integer Length
DECIMALS Integer Decimals
ALLOWNULL Boolean Allow Blank [0=No,1=Yes]
VALIDATE Boolean Validate [0=No,1=Yes]
""",
    defaults={"TYPE": 1, "LENGTH": 60, "ALLOWNULL": 1},
)

OESHIH = table(
    "OESHIH",
    "Shipments header (view OE0692); no Web API endpoint in the 2022 reference",
    ("SHIUNIQ",),
    """
SHIUNIQ BCD*10.0 Shipment Uniquifier
SHINUMBER String*22 Shipment Number
ORDNUMBER String*22 Order Number
CUSTOMER String*12 Customer Number
PONUMBER String*22 Purchase Order Number
REFERENCE String*60 Shipment Reference
SHIDATE Date Shipment Date
EXPDATE Date Expected Ship Date
SHIPVIA String*6 Ship-Via Code
LOCATION String*6 Default Location Code
COMPLETE Integer Shipment Completed [1=Incomplete/Not Included,2=Incomplete/Included,3=Complete/Not Included,4=Complete/Included,5=Complete/Day End]
SHINETWTX BCD*10.3 Shipment Total
ORDDATE Date Order Date
SHIPTRACK String*36 Shipment Tracking Number
ORDUNIQ BCD*10.0 Order Uniquifier
""",  # noqa: E501
    unique=(("SHINUMBER",),),
    indexes=(("ORDNUMBER", "SHINUMBER"), ("CUSTOMER", "SHINUMBER"), ("ORDUNIQ", "COMPLETE")),
    defaults={"COMPLETE": 1},
)

OESHID = table(
    "OESHID",
    "Shipment details (view OE0691)",
    ("SHIUNIQ", "LINENUM"),
    """
SHIUNIQ BCD*10.0 Shipment Uniquifier
LINENUM Integer Line Number
LINETYPE Integer Line Type [1=Item,2=Miscellaneous]
ITEM String*24 Item
LOCATION String*6 Location
EXPDATE Date Shipment Date
ORDQTYORD BCD*10.4 Order Quantity Ordered
QTYSHIPPED BCD*10.4 Quantity Shipped
QTYBACKORD BCD*10.4 Quantity Backordered
SHIUNIT String*10 Shipment Unit of Measure
UNITPRICE BCD*10.6 Shipment Unit Price
EXTSHIMISC BCD*10.3 Extended Amount
COMPLETE Integer Detail Completed [0=Not completed,1=Completed/Not In Database,2=Completed,3=Processed by day end]
FINISHORD Boolean Shipment Completes Order Detail [0=No,1=Yes]
ORDNUMBER String*22 Order Number
ORDDTLNUM Integer Order Detail Number
SHIPTRACK String*36 Shipment Tracking Number
# assumed: the order line's misc. charge code (OESHID has one in the full view; not read here)
MISCCHARGE String*6 Miscellaneous Charges Code
""",  # noqa: E501
    indexes=(("ORDNUMBER", "ORDDTLNUM", "SHIUNIQ"), ("ITEM", "SHIUNIQ", "LINENUM")),
)

ARBTA = table(
    "ARBTA",
    "Receipt and Adjustment Batches (view AR0041). Web API: AR/ARReceiptAndAdjustmentBatches",
    ("CODEPYMTYP", "CNTBTCH"),
    """
# dictionary: 7.1A AR.md (not in tables-subset.json)
CODEPYMTYP String*2 Batch Type
CNTBTCH BCD*5.0 Batch Number
DATEBTCH Date Batch Date
BATCHDESC String*60 Description
CNTENTER BCD*4.0 Number of Entries
AMTENTER BCD*10.3 Batch Total
BATCHTYPE Integer Batch Type [1=Entered,2=Imported,3=Generated,4=External]
BATCHSTAT Integer Batch Status [1=Open,3=Posted,4=Deleted,5=Post In Progress,7=Ready To Post]
IDBANK String*8 Bank Code
CODECURN String*3 Default Bank Currency
DATERATE Date Bank Rate Date
CNTLASTITM BCD*4.0 Last Entry Number
RATETYPE String*2 Bank Rate Type
RATEEXCHHC BCD*8.7 Bank Exchange Rate
DEPSTNBR BCD*8.0 Deposit Number
""",
    defaults={"BATCHTYPE": 1, "BATCHSTAT": 1, "CODECURN": "USD", "RATEEXCHHC": 1},
)

ARTCR = table(
    "ARTCR",
    "Receipts/Adjustments entries (view AR0042). Web API: ReceiptsAdjustments of a batch",
    ("CODEPYMTYP", "CNTBTCH", "CNTITEM"),
    """
# dictionary: 7.1A AR.md (not in tables-subset.json)
CODEPYMTYP String*2 Batch Type
CNTBTCH BCD*5.0 Batch Number
CNTITEM BCD*4.0 Entry Number
IDRMIT String*24 Check/Receipt No.
IDCUST String*12 Customer Number
DATERMIT Date Receipt Date/Adjustment Date
TEXTRMIT String*60 Entry Description
TXTRMITREF String*60 Entry Reference
AMTRMIT BCD*10.3 Bank Receipt Amount
AMTRMITTC BCD*10.3 Cust. Receipt Amount
RATEEXCHTC BCD*8.7 Cust. Exchange Rate
CNTPAYMETR BCD*3.0 Number of Documents Applied to
AMTPAYMTC BCD*10.3 Total Cust. Amount Applied
AMTDISCTC BCD*10.3 Total Cust. Discount Amount
CODEPAYM String*12 Payment Code
CODECURN String*3 Customer Currency Code
RMITTYPE Integer Receipt Trans. Type [1=Receipt,2=Prepayment,3=Unapplied Cash,4=Apply Document,5=Misc. Receipt,6=Write-Off,7=Adjustment]
DOCTYPE Integer Document Type [1=(None),2=Document Number,3=PO Number,4=Order Number,5=Prepayment,6=Unapplied Cash,7=Credit Note,8=Receipt]
IDINVCMTCH String*22 Matching Document Number
CNTLSTLINE BCD*3.0 Last Line Number
FISCYR String*4 Fiscal Year
FISCPER String*2 Fiscal Period
TEXTPAYOR String*60 Payer
PAYMTYPE Integer Payment Type [0=(None),1=Cash,2=Check,3=Credit Card,5=SPS Credit Card,4=Other]
REMUNAPLTC BCD*10.3 Cust. Unapplied Amount
REMUNAPL BCD*10.3 Bank Unapplied Amount
DOCNBR String*22 Document Number
IDBANK String*8 Bank Code
ENTEREDBY String*8 Entered By
DATEBUS Date Posting Date
""",  # noqa: E501
    indexes=(("CODEPYMTYP", "IDCUST"), ("CODEPYMTYP", "IDRMIT"), ("CODEPYMTYP", "DOCNBR")),
    defaults={"RMITTYPE": 1, "DOCTYPE": 1, "RATEEXCHTC": 1, "CODECURN": "USD"},
)

ARTCP = table(
    "ARTCP",
    "Applied Receipts/Adjustments (view AR0044). Web API: AppliedReceiptsAdjustments of an entry",
    ("CODEPAYM", "CNTBTCH", "CNTITEM", "CNTLINE"),
    """
# dictionary: 7.1A AR.md (not in tables-subset.json)
CODEPAYM String*2 Batch Type
CNTBTCH BCD*5.0 Batch Number
CNTITEM BCD*4.0 Entry Number
CNTLINE BCD*3.0 Line Number
IDCUST String*12 Customer Number
IDINVC String*22 Document Number
CNTPAYM BCD*3.0 Payment Number
TRXTYPE Integer Transaction Type [2=Unapplied Cash - Posted,51=Receipt - Posted,57=Prepayment - Posted,81=Adjustment - Posted,80=Write-Off - Posted]
PYMTRESL String*2 Payment Resolution
AMTPAYM BCD*10.3 Cust. Receipt Amount
AMTERNDISC BCD*10.3 Cust. Discount Amount Taken
TEXTADJ String*60 Description
GLREF String*60 Reference
IDPPD String*22 Generated PP/UC No.
IDDOCMTCH String*22 PP Matching Doc. No.
CDAPPLYTO Integer PP Matching Doc. Type [1=(None),2=Document Number,3=PO Number,4=Order Number,9=Shipment Number]
DOCTYPE Integer Document Type
""",  # noqa: E501
    indexes=(("IDCUST", "IDINVC", "CNTPAYM"),),
    defaults={"CNTPAYM": 1, "CDAPPLYTO": 1},
)

GLBCTL = table(
    "GLBCTL",
    "G/L Batches (view GL0008). Web API: GL/GLJournalBatches",
    ("BATCHID",),
    """
# dictionary: 7.2A GL.md (not in tables-subset.json)
BATCHID String*6 Batch Number
ACTIVESW Integer Active Switch [0=Inactive,1=Active]
BTCHDESC String*60 Description
SRCELEDGR String*2 Source Ledger
DATECREAT Date Date Created
DATEEDIT Date Date Last Edited
# assumed: the dictionary gives String*1 without its codes
BATCHTYPE String*1 Type [1=Entered,2=Subledger,3=Imported,4=Generated,5=Recurring]
BATCHSTAT String*1 Status [1=Open,3=Deleted,4=Posted,6=Ready To Post,9=Post In Progress]
POSTNGSEQ BCD*4.0 Posting Sequence
DEBITTOT BCD*10.3 Debits
CREDITTOT BCD*10.3 Credits
QTYTOTAL BCD*10.3 Quantity Total
ENTRYCNT BCD*4.0 Number of Entries
NEXTENTRY BCD*4.0 Next Entry Number
ERRORCNT BCD*4.0 No. of Errors
ORIGSTATUS String*1 Original Status
SWPRINTED Integer Printed [0=No,1=Yes]
""",
    indexes=(("BATCHSTAT", "BATCHID"),),
    defaults={"ACTIVESW": 1, "BATCHTYPE": "1", "BATCHSTAT": "1", "SRCELEDGR": "GL"},
)

GLJEH = table(
    "GLJEH",
    "G/L Journal Headers (view GL0006). Web API: JournalHeaders of a batch",
    ("BATCHID", "BTCHENTRY"),
    """
# dictionary: 7.2A GL.md (not in tables-subset.json)
BATCHID String*6 Batch Number
BTCHENTRY String*5 Entry Number
SRCELEDGER String*2 Source Ledger
SRCETYPE String*2 Source Type
FSCSYR String*4 Fiscal Year
FSCSPERD String*2 Fiscal Period
SWREVERSE Integer Auto Reversal [0=Auto Reversal Off,1=Next Period,2=Specific Period]
JRNLDESC String*60 Description
JRNLDR BCD*10.3 Debits
JRNLCR BCD*10.3 Credits
JRNLQTY BCD*10.3 Quantity
DATEENTRY Date Entry Date
ORIGCOMP String*6 Originator
DETAILCNT BCD*4.0 Number of Details
""",
    defaults={"SRCELEDGER": "GL", "SRCETYPE": "JE"},
)

GLJED = table(
    "GLJED",
    "G/L Journal Details (view GL0010). Web API: JournalDetails of a journal header",
    ("BATCHNBR", "JOURNALID", "TRANSNBR"),
    """
# dictionary: 7.2A GL.md (not in tables-subset.json)
BATCHNBR String*6 Batch Number
JOURNALID String*5 Entry Number
TRANSNBR String*10 Transaction Number
ACCTID String*45 Account Number
COMPANYID String*8 Company ID
TRANSAMT BCD*10.3 Amount
TRANSQTY BCD*10.3 Quantity
SCURNAMT BCD*10.3 Source Currency Amount
HCURNCODE String*3 Home Currency
SCURNCODE String*3 Source Currency
CONVRATE BCD*8.7 Currency Rate
TRANSDESC String*60 Description
TRANSREF String*60 Reference
TRANSDATE Date Journal Date
SRCELDGR String*2 Source Ledger
SRCETYPE String*2 Source Type
""",
    indexes=(("ACCTID",),),
    defaults={
        "HCURNCODE": "USD",
        "SCURNCODE": "USD",
        "CONVRATE": 1,
        "SRCELDGR": "GL",
        "SRCETYPE": "JE",
    },
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        ARCUS,
        ICITEM,
        ICITEMO,
        ICILOC,
        ICLOC,
        ICPRIC,
        ICPRICP,
        OEORDH,
        OEORDH1,
        OEORDHO,
        OEORDD,
        OEORDDO,
        OESHIH,
        OESHID,
        ARBTA,
        ARTCR,
        ARTCP,
        GLBCTL,
        GLJEH,
        GLJED,
    )
}
