"""Column types of the Sage 300 tables storebridge reads, from the AOM data dictionary.

Copied (the connector never reads `shared` at run time) from
`shared/api-specs/sage300/db/tables-subset.json` (ARCUS, ICITEM, ICILOC, OEORDH, OEORDH1,
OEORDD, OESHIH, OESHID) and, for the tables and columns that subset lacks (ICLOC, ICPRIC,
ICPRICP, the optional-field tables OEORDHO, OEORDDO and ICITEMO, A/R receipt batches, G/L
batches, more OE columns), from the compiled AOM dictionary it was derived from, as the sandbox
schema reads it (ICITEMO's columns are those of the other optional-field tables plus SWSET:
the subset names the table only). A few columns no
source gives are **assumed** (`Table.assumed`: ICLOC.LOCTYPE, ICPRIC.BASEPRICE,
OESHID.MISCCHARGE): they are typed for the sandbox but never read by default (`Table.reads`),
because a real company database does not have them. Pure stdlib: codecs may import it.

Dictionary types and how the database stores them (every column NOT NULL):

* ``String*n`` -> CHAR(n), space-padded (``''`` when empty) -> `str`, trailing spaces removed;
* ``Date`` -> DECIMAL(9,0) YYYYMMDD, 0 when empty -> `datetime.date` or ``None``;
* ``Time`` -> DECIMAL(9,0) HHMMSShh (hundredths) -> `datetime.time`;
* ``BCD*b.d`` -> DECIMAL(2b-1, d) -> `Decimal` with d places;
* ``Integer`` / ``Long`` -> SMALLINT / INT -> `int`; ``Boolean`` -> SMALLINT 0/1 -> `bool`.

Every table also has the audit columns AUDTDATE, AUDTTIME (the last change, server-local),
AUDTUSER and AUDTORG.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


class Kind(enum.StrEnum):
    """How a column is stored and what the normaliser makes of it."""

    CHAR = "char"
    DATE = "date"
    TIME = "time"
    BCD = "bcd"
    INT = "int"
    BOOL = "bool"


@dataclass(frozen=True)
class Column:
    """One column: its name, kind, CHAR length (`length`) or decimal places (`scale`)."""

    name: str
    kind: Kind
    length: int = 0
    scale: int = 0
    sage_type: str = ""


_BCD = re.compile(r"^BCD\*(\d+)\.(\d+)$")
_STRING = re.compile(r"^String\*(\d+)$")
_PLAIN = {
    "Date": Kind.DATE,
    "Time": Kind.TIME,
    "Integer": Kind.INT,
    "Long": Kind.INT,
    "Boolean": Kind.BOOL,
}


def column(name: str, sage_type: str) -> Column:
    """The `Column` of a dictionary type (``String*12``, ``BCD*10.3``, ``Date``, ...).

    Raises:
        ValueError: an unknown dictionary type.
    """
    if match := _STRING.match(sage_type):
        return Column(name, Kind.CHAR, length=int(match[1]), sage_type=sage_type)
    if match := _BCD.match(sage_type):
        return Column(name, Kind.BCD, scale=int(match[2]), sage_type=sage_type)
    if sage_type in _PLAIN:
        return Column(name, _PLAIN[sage_type], sage_type=sage_type)
    raise ValueError(f"{name}: unknown dictionary type {sage_type!r}")


AUDIT = "AUDTDATE Date / AUDTTIME Time / AUDTUSER String*8 / AUDTORG String*6"


@dataclass(frozen=True)
class Table:
    """One table: name, primary key and the typed columns storebridge reads (in order)."""

    name: str
    key: tuple[str, ...]
    columns: Mapping[str, Column]
    assumed: frozenset[str] = frozenset()
    description: str = ""

    def column(self, name: str) -> Column:
        """The column `name` (upper case).

        Raises:
            KeyError: the table declares no such column (named in the message).
        """
        try:
            return self.columns[name.upper()]
        except KeyError:
            raise KeyError(f"{self.name} has no declared column {name}") from None

    @property
    def names(self) -> tuple[str, ...]:
        """Every declared column, in dictionary order, audit columns last."""
        return tuple(self.columns)

    @property
    def reads(self) -> tuple[str, ...]:
        """The columns a query reads by default: every declared one but the assumed."""
        return tuple(c for c in self.columns if c not in self.assumed)


def _table(
    name: str,
    key: tuple[str, ...],
    spec: str,
    *,
    assumed: str = "",
    description: str = "",
) -> Table:
    cols: dict[str, Column] = {}
    assumed_names: set[str] = set()
    for part_spec, is_assumed in ((spec, False), (assumed, True), (AUDIT, False)):
        for part in part_spec.split("/"):
            if not part.strip():
                continue
            col_name, sage_type = part.split()
            cols[col_name] = column(col_name, sage_type)
            if is_assumed:
                assumed_names.add(col_name)
    missing = [k for k in key if k not in cols]
    if missing:
        raise ValueError(f"{name}: key columns {missing} are not declared")
    return Table(name, key, MappingProxyType(cols), frozenset(assumed_names), description)


ARCUS = _table(
    "ARCUS",
    ("IDCUST",),
    """IDCUST String*12 / TEXTSNAM String*10 / IDGRP String*6 / IDNATACCT String*12 /
    SWACTV Integer / DATEINAC Date / DATELASTMN Date / SWHOLD Integer / DATESTART Date /
    NAMECUST String*60 / TEXTSTRE1 String*60 / TEXTSTRE2 String*60 / TEXTSTRE3 String*60 /
    TEXTSTRE4 String*60 / NAMECITY String*30 / CODESTTE String*30 / CODEPSTL String*20 /
    CODECTRY String*30 / NAMECTAC String*60 / TEXTPHON1 String*30 / TEXTPHON2 String*30 /
    CODETERR String*6 / IDACCTSET String*6 / IDBILLCYCL String*6 / CODECURN String*3 /
    SWBALFWD Integer / CODETERM String*6 / CODETAXGRP String*12 / AMTCRLIMT BCD*10.3 /
    AMTBALDUET BCD*10.3 / AMTBALDUEH BCD*10.3 / CODESLSP1 String*8 / PRICLIST String*6 /
    CUSTTYPE Integer / AMTPDUE BCD*10.3 / EMAIL1 String*50 / EMAIL2 String*50 /
    WEBSITE String*100 / PAYMCODE String*12 / SHPVIACODE String*6 / PRIMSHIPTO String*6 /
    CTACPHONE String*30 / LOCATION String*6 / BRN String*30""",
    description="Customers (view AR0024). Web API: AR/ARCustomers",
)

ICITEM = _table(
    "ICITEM",
    ("ITEMNO",),
    """ITEMNO String*24 / DESC String*60 / DATELASTMN Date / INACTIVE Boolean /
    ITEMBRKID String*6 / FMTITEMNO String*24 / CATEGORY String*6 / CNTLACCT String*6 /
    STOCKITEM Boolean / STOCKUNIT String*10 / DEFPRICLST String*6 / UNITWGT BCD*10.4 /
    PICKINGSEQ String*10 / SERIALNO Boolean / DATEINACTV Date / COMMENT1 String*80 /
    ALLOWONWEB Boolean / KITTING Boolean / SELLABLE Boolean / WEIGHTUNIT String*10 /
    LOTITEM Boolean""",
    description="Items (view IC0310). Web API: IC/ICItems",
)

ICITEMO = _table(
    "ICITEMO",
    ("ITEMNO", "OPTFIELD"),
    """ITEMNO String*24 / OPTFIELD String*12 / VALUE String*60 / TYPE Integer /
    LENGTH Integer / DECIMALS Integer / ALLOWNULL Boolean / VALIDATE Boolean /
    SWSET Boolean""",
    description="Item Optional Fields (the *O table of ICITEM; the columns of the other "
    "optional-field tables). Web API: ICItems ItemOptionalFields",
)

ICILOC = _table(
    "ICILOC",
    ("ITEMNO", "LOCATION"),
    """ITEMNO String*24 / LOCATION String*6 / PICKINGSEQ String*10 / ACTIVE Boolean /
    DATEACTIVE Date / USED Boolean / LASTUSED Date / QTYONHAND BCD*10.4 /
    QTYONORDER BCD*10.4 / QTYSALORDR BCD*10.4 / QTYOFFSET BCD*10.4 / QTYSHNOCST BCD*10.4 /
    QTYRENOCST BCD*10.4 / QTYADNOCST BCD*10.4 / NUMNOCST Long / TOTALCOST BCD*10.3 /
    COSTOFFSET BCD*10.3 / STDCOST BCD*10.6 / LASTSHIPDT Date / LASTRCPTDT Date /
    RECENTCOST BCD*10.6 / LASTCOST BCD*10.6 / QTYCOMMIT BCD*10.4""",
    description="Location Details: item quantities per location (view IC0290); no Web API endpoint",
)

ICLOC = _table(
    "ICLOC",
    ("LOCATION",),
    """LOCATION String*6 / DESC String*60 / ADDRESS1 String*60 / ADDRESS2 String*60 /
    ADDRESS3 String*60 / ADDRESS4 String*60 / CITY String*30 / STATE String*30 /
    ZIP String*20 / COUNTRY String*30 / PHONE String*30 / FAX String*30 /
    CONTACT String*60 / DATELASTMN Date / INACTIVE Boolean / DATEINACTV Date""",
    assumed="LOCTYPE Integer",
    description="Locations (view IC0370). Web API: IC/ICLocations",
)

ICPRIC = _table(
    "ICPRIC",
    ("CURRENCY", "ITEMNO", "PRICELIST"),
    """CURRENCY String*3 / ITEMNO String*24 / PRICELIST String*6 / DESC String*60 /
    PRICEDECS Integer / MARKUPCOST BCD*10.6 / MARKUPUNIT String*10 / MARKUPCONV BCD*10.6 /
    PRICETYPE Integer / PRICEFMT Integer / PRCNTLVL1 BCD*5.5 / PRCNTLVL2 BCD*5.5 /
    PRCNTLVL3 BCD*5.5 / PRCNTLVL4 BCD*5.5 / PRCNTLVL5 BCD*5.5 / PRICEBASE Integer /
    MARKUP BCD*5.5 / PRICEBY Integer / DEFBUNIT String*10 / DEFSUNIT String*10 /
    BPRICETYPE Integer / PRICESTART Date / PRICEEND Date""",
    assumed="BASEPRICE BCD*10.6",
    description="Item Pricing (view IC0480). Web API: IC/ICItemPricing",
)

ICPRICP = _table(
    "ICPRICP",
    ("CURRENCY", "ITEMNO", "PRICELIST", "DPRICETYPE", "QTYUNIT", "WEIGHTUNIT"),
    """CURRENCY String*3 / ITEMNO String*24 / PRICELIST String*6 / DPRICETYPE Integer /
    QTYUNIT String*10 / WEIGHTUNIT String*10 / UNITPRICE BCD*10.6 / CONVERSION BCD*10.6 /
    SALESTART Date / SALEEND Date / LASTPRICDT Date / PREVPRICE BCD*10.6""",
    description="Item Pricing Details (view IC0482): the prices of an ICPRIC row",
)

OEORDH = _table(
    "OEORDH",
    ("ORDUNIQ",),
    """ORDUNIQ BCD*10.0 / ORDNUMBER String*22 / CUSTOMER String*12 / CUSTGROUP String*6 /
    BILNAME String*60 / BILADDR1 String*60 / BILCITY String*30 / BILSTATE String*30 /
    BILZIP String*20 / BILCOUNTRY String*30 / SHIPTO String*6 / SHPNAME String*60 /
    SHPADDR1 String*60 / SHPCITY String*30 / PRICELIST String*6 / PONUMBER String*22 /
    TERMS String*6 / REFERENCE String*60 / TYPE Integer / ORDDATE Date / EXPDATE Date /
    QTEXPDATE Date / SHIPVIA String*6 / LOCATION String*6 / ONHOLD Boolean /
    DESC String*60 / COMMENT String*250 / ORSOURCURR String*3 / ORDTOTAL BCD*10.3 /
    ORDLINES Integer / SALESPER1 String*8 / TAXGROUP String*12 / COMPLETE Integer /
    COMPDATE Date / INVNUMBER String*22 / SHIPDATE Date / INVNETWTX BCD*10.3 /
    INVAMTDUE BCD*10.3 / ORDERSOURC Integer / BILADDR2 String*60 / BILADDR3 String*60 /
    BILADDR4 String*60 / BILPHONE String*30 / BILCONTACT String*60 / SHPADDR2 String*60 /
    SHPADDR3 String*60 / SHPADDR4 String*60 / SHPSTATE String*30 / SHPZIP String*20 /
    SHPCOUNTRY String*30 / SHPPHONE String*30 / SHPCONTACT String*60 / VIADESC String*60 /
    ORDFISCYR String*4 / ORDFISCPER Integer / ORDMTOTAL BCD*10.3 / ORDPAYTOT BCD*10.3 /
    ORNOPREPAY Integer / TAXOVERRD Boolean / TEAMOUNT1 BCD*10.3 / TEAMOUNT2 BCD*10.3 /
    TEAMOUNT3 BCD*10.3 / TEAMOUNT4 BCD*10.3 / TEAMOUNT5 BCD*10.3 / NOMISCLINE Integer /
    INVNETNOTX BCD*10.3 / INVITMTOT BCD*10.3 / INVDISCBAS BCD*10.3 / INVDISCPER BCD*5.5 /
    INVDISCAMT BCD*10.3 / INVMISC BCD*10.3 / INVSUBTOT BCD*10.3 / INVNET BCD*10.3 /
    INVETAXTOT BCD*10.3""",
    description="Orders header (view OE0520, with OEORDH1 1:1 on ORDUNIQ). Web API: OE/OEOrders",
)

OEORDH1 = _table(
    "OEORDH1",
    ("ORDUNIQ",),
    """ORDUNIQ BCD*10.0 / BILEMAIL String*50 / SHPEMAIL String*50 / LASTSHINUM String*22 /
    NUMSHPMENT Integer / SHIPTRACK String*36 / ENTEREDBY String*8 / HOLDREASON String*60 /
    REQUESDATE Date / ITEMDISTOT BCD*10.3 / MISCDISTOT BCD*10.3""",
    description="Orders, second physical table of view OE0520 (1:1 with OEORDH on ORDUNIQ)",
)

OEORDHO = _table(
    "OEORDHO",
    ("ORDUNIQ", "OPTFIELD"),
    """ORDUNIQ BCD*10.0 / OPTFIELD String*12 / VALUE String*60 / TYPE Integer /
    LENGTH Integer / DECIMALS Integer / ALLOWNULL Boolean / VALIDATE Boolean""",
    description="Order Optional Fields (view OE0522). Web API: OEOrders OrderOptionalFields",
)

OEORDD = _table(
    "OEORDD",
    ("ORDUNIQ", "LINENUM"),
    """ORDUNIQ BCD*10.0 / LINENUM Integer / LINETYPE Integer / ITEM String*24 /
    MISCCHARGE String*6 / DESC String*60 / ACCTSET String*6 / PRICELIST String*6 /
    CATEGORY String*6 / LOCATION String*6 / EXPDATE Date / STOCKITEM Boolean /
    QTYORDERED BCD*10.4 / QTYSHIPPED BCD*10.4 / QTYBACKORD BCD*10.4 / QTYSHPTODT BCD*10.4 /
    ORIGQTY BCD*10.4 / ORDUNIT String*10 / UNITCONV BCD*10.6 / UNITPRICE BCD*10.6 /
    PRICEOVER Boolean / PRIUNTPRC BCD*10.6 / EXTOPRICE BCD*10.3 / EXTINVMISC BCD*10.3 /
    COMPLETE Integer / DETAILNUM Integer / QTYCOMMIT BCD*10.4 / CUSTITEMNO String*24 /
    REQUESDATE Date / PRICEUNIT String*10 / PRIUNTCONV BCD*10.6 / PRIBASPRC BCD*10.6 /
    INVDISC BCD*10.3 / DISCPER BCD*5.5 / HDRDISC BCD*10.3 / UNITWEIGHT BCD*10.4 /
    EXTWEIGHT BCD*10.4 / SHIPTRACK String*36 / SHIPVIA String*6""",
    description="Order details (view OE0500). Web API: OEOrders OrderDetails",
)

OEORDDO = _table(
    "OEORDDO",
    ("ORDUNIQ", "LINENUM", "OPTFIELD"),
    """ORDUNIQ BCD*10.0 / LINENUM Integer / OPTFIELD String*12 / VALUE String*60 /
    TYPE Integer / LENGTH Integer / DECIMALS Integer / ALLOWNULL Boolean /
    VALIDATE Boolean""",
    description="Order Detail Optional Fields (view OE0501). Web API: OrderDetailOptionalFields",
)

OESHIH = _table(
    "OESHIH",
    ("SHIUNIQ",),
    """SHIUNIQ BCD*10.0 / SHINUMBER String*22 / ORDNUMBER String*22 / CUSTOMER String*12 /
    PONUMBER String*22 / REFERENCE String*60 / SHIDATE Date / EXPDATE Date /
    SHIPVIA String*6 / LOCATION String*6 / COMPLETE Integer / SHINETWTX BCD*10.3 /
    ORDDATE Date / SHIPTRACK String*36 / ORDUNIQ BCD*10.0""",
    description="Shipments header (view OE0692); no Web API endpoint in the 2022 reference",
)

OESHID = _table(
    "OESHID",
    ("SHIUNIQ", "LINENUM"),
    """SHIUNIQ BCD*10.0 / LINENUM Integer / LINETYPE Integer / ITEM String*24 /
    LOCATION String*6 / EXPDATE Date / ORDQTYORD BCD*10.4 / QTYSHIPPED BCD*10.4 /
    QTYBACKORD BCD*10.4 / SHIUNIT String*10 / UNITPRICE BCD*10.6 / EXTSHIMISC BCD*10.3 /
    COMPLETE Integer / FINISHORD Boolean / ORDNUMBER String*22 / ORDDTLNUM Integer /
    SHIPTRACK String*36""",
    assumed="MISCCHARGE String*6",
    description="Shipment details (view OE0691)",
)

ARBTA = _table(
    "ARBTA",
    ("CODEPYMTYP", "CNTBTCH"),
    """CODEPYMTYP String*2 / CNTBTCH BCD*5.0 / DATEBTCH Date / BATCHDESC String*60 /
    CNTENTER BCD*4.0 / AMTENTER BCD*10.3 / BATCHTYPE Integer / BATCHSTAT Integer /
    IDBANK String*8 / CODECURN String*3 / DATERATE Date / CNTLASTITM BCD*4.0 /
    RATETYPE String*2 / RATEEXCHHC BCD*8.7 / DEPSTNBR BCD*8.0""",
    description="Receipt and Adjustment Batches (view AR0041). "
    "Web API: AR/ARReceiptAndAdjustmentBatches",
)

ARTCR = _table(
    "ARTCR",
    ("CODEPYMTYP", "CNTBTCH", "CNTITEM"),
    """CODEPYMTYP String*2 / CNTBTCH BCD*5.0 / CNTITEM BCD*4.0 / IDRMIT String*24 /
    IDCUST String*12 / DATERMIT Date / TEXTRMIT String*60 / TXTRMITREF String*60 /
    AMTRMIT BCD*10.3 / AMTRMITTC BCD*10.3 / RATEEXCHTC BCD*8.7 / CNTPAYMETR BCD*3.0 /
    AMTPAYMTC BCD*10.3 / AMTDISCTC BCD*10.3 / CODEPAYM String*12 / CODECURN String*3 /
    RMITTYPE Integer / DOCTYPE Integer / IDINVCMTCH String*22 / CNTLSTLINE BCD*3.0 /
    FISCYR String*4 / FISCPER String*2 / TEXTPAYOR String*60 / PAYMTYPE Integer /
    REMUNAPLTC BCD*10.3 / REMUNAPL BCD*10.3 / DOCNBR String*22 / IDBANK String*8 /
    ENTEREDBY String*8 / DATEBUS Date""",
    description="Receipts/Adjustments entries (view AR0042). "
    "Web API: ReceiptsAdjustments of a batch",
)

ARTCP = _table(
    "ARTCP",
    ("CODEPAYM", "CNTBTCH", "CNTITEM", "CNTLINE"),
    """CODEPAYM String*2 / CNTBTCH BCD*5.0 / CNTITEM BCD*4.0 / CNTLINE BCD*3.0 /
    IDCUST String*12 / IDINVC String*22 / CNTPAYM BCD*3.0 / TRXTYPE Integer /
    PYMTRESL String*2 / AMTPAYM BCD*10.3 / AMTERNDISC BCD*10.3 / TEXTADJ String*60 /
    GLREF String*60 / IDPPD String*22 / IDDOCMTCH String*22 / CDAPPLYTO Integer /
    DOCTYPE Integer""",
    description="Applied Receipts/Adjustments (view AR0044). "
    "Web API: AppliedReceiptsAdjustments of an entry",
)

GLBCTL = _table(
    "GLBCTL",
    ("BATCHID",),
    """BATCHID String*6 / ACTIVESW Integer / BTCHDESC String*60 / SRCELEDGR String*2 /
    DATECREAT Date / DATEEDIT Date / BATCHTYPE String*1 / BATCHSTAT String*1 /
    POSTNGSEQ BCD*4.0 / DEBITTOT BCD*10.3 / CREDITTOT BCD*10.3 / QTYTOTAL BCD*10.3 /
    ENTRYCNT BCD*4.0 / NEXTENTRY BCD*4.0 / ERRORCNT BCD*4.0 / ORIGSTATUS String*1 /
    SWPRINTED Integer""",
    description="G/L Batches (view GL0008). Web API: GL/GLJournalBatches",
)

GLJEH = _table(
    "GLJEH",
    ("BATCHID", "BTCHENTRY"),
    """BATCHID String*6 / BTCHENTRY String*5 / SRCELEDGER String*2 / SRCETYPE String*2 /
    FSCSYR String*4 / FSCSPERD String*2 / SWREVERSE Integer / JRNLDESC String*60 /
    JRNLDR BCD*10.3 / JRNLCR BCD*10.3 / JRNLQTY BCD*10.3 / DATEENTRY Date /
    ORIGCOMP String*6 / DETAILCNT BCD*4.0""",
    description="G/L Journal Headers (view GL0006). Web API: JournalHeaders of a batch",
)

GLJED = _table(
    "GLJED",
    ("BATCHNBR", "JOURNALID", "TRANSNBR"),
    """BATCHNBR String*6 / JOURNALID String*5 / TRANSNBR String*10 / ACCTID String*45 /
    COMPANYID String*8 / TRANSAMT BCD*10.3 / TRANSQTY BCD*10.3 / SCURNAMT BCD*10.3 /
    HCURNCODE String*3 / SCURNCODE String*3 / CONVRATE BCD*8.7 / TRANSDESC String*60 /
    TRANSREF String*60 / TRANSDATE Date / SRCELDGR String*2 / SRCETYPE String*2""",
    description="G/L Journal Details (view GL0010). Web API: JournalDetails of a journal header",
)

TABLES: Mapping[str, Table] = MappingProxyType(
    {
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
)
"""Every declared table by name."""


def table(name: str) -> Table:
    """The declared table `name` (upper case).

    Raises:
        KeyError: storebridge declares no such table (named in the message).
    """
    try:
        return TABLES[name.upper()]
    except KeyError:
        raise KeyError(f"no declared Sage 300 table {name}") from None
