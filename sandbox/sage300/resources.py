"""Web API resources: Sage field names mapped to the company database's columns.

Field names follow the SDK sample payloads and the AR ``$metadata`` (ARCustomers, receipt
batches); where no public source names an OE/IC/GL property, the name is the dictionary
description in PascalCase (the convention the samples show: "Selling Price Based on" ->
``SellingPriceBasedon``, "Pricing Unit Price" -> ``PricingUnitPrice``). Values: CHAR trimmed;
dates ``"2026-11-23T00:00:00"`` (0 -> null; writes take ``"2026-11-23"`` or a date-time);
``BCD`` numbers as JSON numbers; Boolean columns whose values are No/Yes as JSON true/false;
every other list as its label without spaces or punctuation (``"Active"``, ``"No"``,
``"OpenItem"``, ``"Miscellaneous"``, ``"IncompleteNotIncluded"``, ``"ReadyToPost"``).

AR/ARCustomers (ARCUS; key CustomerNumber; GET POST PUT PATCH DELETE):
    CustomerNumber IDCUST, ShortName TEXTSNAM, GroupCode IDGRP (RTL or WHL), NationalAccount
    IDNATACCT, Status SWACTV (Active/Inactive), InactiveDate DATEINAC, DateLastMaintained
    DATELASTMN (computed), OnHold SWHOLD ("No"/"Yes"), StartDate DATESTART, CustomerName NAMECUST,
    AddressLine1..4 TEXTSTRE1..4, City NAMECITY, StateProvince CODESTTE, ZipPostalCode CODEPSTL,
    Country CODECTRY, ContactName NAMECTAC, PhoneNumber TEXTPHON1, FaxNumber TEXTPHON2,
    TerritoryCode CODETERR, AccountSet IDACCTSET, BillingCycle IDBILLCYCL, CurrencyCode CODECURN,
    AccountType SWBALFWD (OpenItem/BalanceForward), Terms CODETERM, TaxGroup CODETAXGRP,
    CreditLimitCustomerCurrency AMTCRLIMT, BalanceDueInCustomerCurrency AMTBALDUET (computed),
    BalanceDueInFunctionalCurrency AMTBALDUEH (computed), Salesperson1 CODESLSP1,
    CustomerPriceList PRICLIST, CustomerDiscountType CUSTTYPE (Base, A..E), AmountPastDue AMTPDUE
    (computed), ContactsEmail EMAIL1 (the contact's), Email EMAIL2 (the customer's), WebSite
    WEBSITE, PaymentCode PAYMCODE, ShipViaCode SHPVIACODE, PrimaryShipToLocation PRIMSHIPTO,
    ContactsPhone CTACPHONE, InventoryLocation LOCATION, BusinessRegistrationNumber BRN.
OE/OEOrders (OEORDH + OEORDH1; key OrderUniquifier; GET POST; rules in `sandbox.sage300.orders`):
    OrderUniquifier ORDUNIQ, OrderNumber ORDNUMBER, CustomerNumber CUSTOMER, BillToName BILNAME,
    BillToAddressLine1..4 BILADDR1..4, BillToCity/StateProvince/ZipPostalCode/Country/PhoneNumber/
    Contact, ShipToLocationCode SHIPTO, ShipToName SHPNAME, ShipToAddressLine1..4,
    ShipToCity/StateProvince/ZipPostalCode/Country/PhoneNumber/Contact, DefaultPriceListCode
    PRICELIST (alias PriceList), PurchaseOrderNumber PONUMBER, TermsCode TERMS, OrderReference
    REFERENCE, OrderType TYPE, OrderDate ORDDATE, ExpectedShipDate EXPDATE, ShipViaCode SHIPVIA,
    DefaultLocationCode LOCATION, OnHold ONHOLD (bool), OrderDescription DESC, OrderComment
    COMMENT, TaxGroup, TaxOverridden + ExcludedTaxAmount1..5 TEAMOUNT1..5, OrderDiscountPercentage
    INVDISCPER, OrderDiscountAmount INVDISCAMT; computed: TotalAmountItems ORDTOTAL,
    TotalAmountMiscellaneousCharges ORDMTOTAL, OrderSubtotalAmount INVSUBTOT, OrderTotal
    INVNETWTX, OrderAmountDue INVAMTDUE, OrderCompleted COMPLETE, ShipmentDate SHIPDATE, ...;
    OEORDH1: BillToEmail BILEMAIL, ShipToEmail SHPEMAIL, ShipmentTrackingNumber SHIPTRACK,
    LastShipmentNumber LASTSHINUM, NumberOfShipments NUMSHPMENT, OnHoldReason, DateRequested.
    ``OrderDetails`` (OEORDD): LineNumber LINENUM, LineType LINETYPE (Item/Miscellaneous), Item
    ITEM, MiscellaneousChargesCode MISCCHARGE, Description DESC, PriceList, Location,
    QuantityOrdered QTYORDERED, QuantityShipped QTYSHIPPED, OrderUnitOfMeasure ORDUNIT,
    OrderUnitPrice UNITPRICE, PricingUnitPrice PRIUNTPRC, PriceOverride PRICEOVER (bool),
    DiscountPercent DISCPER, DiscountAmount INVDISC, ExtendedAmount EXTINVMISC (misc. amount),
    ShipmentTrackingNumber; computed QuantityShippedToDate QTYSHPTODT, QuantityBackordered,
    ExtendedOrderAmount EXTOPRICE, DetailCompleted COMPLETE, ...; each with
    ``OrderDetailOptionalFields`` (OEORDDO: OptionalField, Value). ``OrderOptionalFields``
    (OEORDHO: OptionalField, Value).
IC/ICItems (ICITEM; key UnformattedItemNumber; GET POST PUT PATCH DELETE): UnformattedItemNumber
    ITEMNO, ItemNumber FMTITEMNO (formatted), Description DESC, Status INACTIVE (Active/Inactive),
    StructureCode, Category, AccountSetCode CNTLACCT, StockItem (bool), StockingUnitOfMeasure
    STOCKUNIT, DefaultPriceListCode DEFPRICLST, UnitWeight UNITWGT, Sellable (bool),
    AllowItemInWebStore (bool), KittingItem (bool), SerialNumbers, LotNumbers, Comment1, ...;
    ``ItemOptionalFields`` (ICITEMO: UnformattedItemNumber, OptionalField OPTFIELD, Value; names
    assumed after OrderOptionalFields; Type, Length, ... accepted, not stored: text fields).
IC/ICItemPricing (ICPRIC; key CurrencyCode, UnformattedItemNumber, PriceListCode): Description,
    SellingPriceBasedon PRICETYPE, DiscountMarkupPriceby PRICEFMT, PriceDeterminedby PRICEBASE,
    PriceBy, DefaultBaseUnit DEFBUNIT, DefaultSaleUnit, MarkupCost, ...; ``ItemPricingDetails``
    (ICPRICP): PriceDetailType DPRICETYPE (BasePriceQuantity/SalePriceQuantity/...), QuantityUnit
    QTYUNIT, WeightUnit, UnitPrice UNITPRICE, ConversionFactor, SaleStart, SaleEnd.
IC/ICLocations (ICLOC; key LocationKey): Name DESC, AddressLine1..4, City, StateProvince,
    ZipPostalCode, Country, PhoneNumber, Contact, Status INACTIVE, LocationType LOCTYPE.
AR/ARReceiptAndAdjustmentBatches (ARBTA; key BatchRecordType, BatchNumber; GET POST PATCH):
    BatchRecordType CODEPYMTYP (CA/AD), BatchNumber CNTBTCH, BatchDate, Description BATCHDESC,
    BatchStatus BATCHSTAT (Open/ReadyToPost/...), BankCode IDBANK, DefaultBankCurrency; computed
    NumberOfEntries, BatchTotal, LastEntryNumber. ``ReceiptsAdjustments`` (ARTCR): EntryNumber
    CNTITEM, CustomerNumber IDCUST, CheckReceiptNumber IDRMIT, ReceiptDateAdjustmentDate
    DATERMIT, EntryDescription TEXTRMIT, EntryReference TXTRMITREF, BankReceiptAmount AMTRMIT,
    CustomerReceiptAmount AMTRMITTC, ReceiptTransactionType RMITTYPE (Receipt/Prepayment/...),
    DocumentType DOCTYPE (None/DocumentNumber/PONumber/OrderNumber/...), MatchingDocumentNumber
    IDINVCMTCH, PaymentCode CODEPAYM, PaymentType, DocumentNumber DOCNBR; computed
    TotalCustomerAmountApplied, CustomerUnappliedAmount, ... ``AppliedReceiptsAdjustments``
    (ARTCP): LineNumber CNTLINE, CustomerNumber, DocumentNumber IDINVC, PaymentNumber,
    CustomerReceiptAmount AMTPAYM, PPMatchingDocumentType CDAPPLYTO, PPMatchingDocumentNumber
    IDDOCMTCH, Description, Reference.
GL/GLJournalBatches (GLBCTL; key BatchNumber "000490"; GET POST PATCH): Description BTCHDESC,
    Status BATCHSTAT (alias BatchStatus; Open/ReadyToPost/...), SourceLedger; computed Debits,
    Credits, NumberOfEntries, ... ``JournalHeaders`` (GLJEH): EntryNumber BTCHENTRY "00001",
    SourceLedger SRCELEDGER, SourceType SRCETYPE, Description JRNLDESC, DocumentDate DATEENTRY,
    AutoReversal, FiscalYear/FiscalPeriod; ``JournalDetails`` (GLJED): TransactionNumber
    TRANSNBR "0000000020", AccountNumber ACCTID, Amount TRANSAMT (+ debit, - credit),
    SourceCurrencyAmount SCURNAMT, Quantity, Description TRANSDESC, Reference TRANSREF,
    JournalDate TRANSDATE.

The fields below are the full lists; ``computed=`` names those a write ignores.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sandbox.sage300.errors import bad_payload
from sandbox.sage300.schema import TABLES, Column, ValueTooLong, from_db, to_decimal

if TYPE_CHECKING:
    from sandbox.sage300.db import CompanyDb, Row

# Columns Sage keeps in upper case (codes and keys): writes upper-case them.


def words(text: str) -> frozenset[str]:
    """The whitespace-separated words of `text`."""
    return frozenset(text.split())


UPPER = words(
    "IDCUST CUSTOMER ITEMNO ITEM FMTITEMNO LOCATION PRICELIST PRICLIST DEFPRICLST IDGRP CUSTGROUP "
    "CODETERM TERMS IDACCTSET CNTLACCT ACCTSET CATEGORY MISCCHARGE SHIPVIA SHPVIACODE CODECURN "
    "CURRENCY ORSOURCURR CODETAXGRP TAXGROUP IDBILLCYCL CODEPYMTYP IDBANK OPTFIELD ITEMBRKID "
    "IDNATACCT CODETERR PRIMSHIPTO SHIPTO ORDNUMBER SHINUMBER SRCELEDGER SRCELEDGR SRCELDGR "
    "SRCETYPE ACCTID HCURNCODE SCURNCODE"
)


def enum_name(label: str) -> str:
    """The Web API name of a list value: its words joined, each capitalised ("OpenItem")."""
    return "".join(w[:1].upper() + w[1:] for w in re.findall(r"[A-Za-z0-9]+", label))


def is_flag(column: Column) -> bool:
    """A Boolean shown as JSON true/false (no list, or No/Yes)."""
    labels = {label for _, label in column.values}
    return column.kind == "bool" and labels <= {"No", "Yes"}


def is_enum(column: Column) -> bool:
    return bool(column.values) and not is_flag(column)


@dataclass(frozen=True)
class Field:
    """One property: its Web API name, column and table; computed ones are ignored on writes."""

    name: str
    column: str
    table: str
    computed: bool = False

    @property
    def col(self) -> Column:
        return TABLES[self.table].column(self.column)


@dataclass(frozen=True)
class Detail:
    """A collection property: its entity and the (child column, parent column) link."""

    name: str
    entity: Entity
    link: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Entity:
    """An entity type: its table(s), fields, key fields and detail collections."""

    type_name: str
    table: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    details: tuple[Detail, ...] = ()
    ignored: frozenset[str] = frozenset()  # accepted on writes, not stored
    aliases: Mapping[str, str] = field(default_factory=dict)

    def by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    def field(self, name: str) -> Field:
        return self.by_name()[self.aliases.get(name, name)]

    def key_fields(self) -> list[Field]:
        found = self.by_name()
        return [found[k] for k in self.key]

    def detail(self, name: str) -> Detail | None:
        return next((d for d in self.details if d.name == name), None)

    @property
    def tables(self) -> list[str]:
        return list(dict.fromkeys([self.table, *(f.table for f in self.fields)]))


@dataclass(frozen=True)
class Resource:
    """A Web API endpoint ``{MODULE}/{name}``."""

    module: str
    name: str
    entity: Entity
    verbs: frozenset[str]


def fields(table: str, spec: str, computed: str = "") -> tuple[Field, ...]:
    """Fields from ``Name=COLUMN`` pairs (whitespace separated); `computed` names the computed."""
    done = set(computed.split())
    out = []
    for pair in spec.split():
        name, _, column = pair.partition("=")
        TABLES[table].column(column)  # fails early on a typo
        out.append(Field(name, column, table, name in done))
    return tuple(out)


# --- AR -------------------------------------------------------------------------------------------
CUSTOMER = Entity(
    "Customer",
    "ARCUS",
    fields(
        "ARCUS",
        """CustomerNumber=IDCUST ShortName=TEXTSNAM GroupCode=IDGRP NationalAccount=IDNATACCT
        Status=SWACTV InactiveDate=DATEINAC DateLastMaintained=DATELASTMN OnHold=SWHOLD
        StartDate=DATESTART CustomerName=NAMECUST AddressLine1=TEXTSTRE1 AddressLine2=TEXTSTRE2
        AddressLine3=TEXTSTRE3 AddressLine4=TEXTSTRE4 City=NAMECITY StateProvince=CODESTTE
        ZipPostalCode=CODEPSTL Country=CODECTRY ContactName=NAMECTAC PhoneNumber=TEXTPHON1
        FaxNumber=TEXTPHON2 TerritoryCode=CODETERR AccountSet=IDACCTSET BillingCycle=IDBILLCYCL
        CurrencyCode=CODECURN AccountType=SWBALFWD Terms=CODETERM TaxGroup=CODETAXGRP
        CreditLimitCustomerCurrency=AMTCRLIMT BalanceDueInCustomerCurrency=AMTBALDUET
        BalanceDueInFunctionalCurrency=AMTBALDUEH Salesperson1=CODESLSP1
        CustomerPriceList=PRICLIST CustomerDiscountType=CUSTTYPE AmountPastDue=AMTPDUE
        ContactsEmail=EMAIL1 Email=EMAIL2 WebSite=WEBSITE PaymentCode=PAYMCODE
        ShipViaCode=SHPVIACODE PrimaryShipToLocation=PRIMSHIPTO ContactsPhone=CTACPHONE
        InventoryLocation=LOCATION BusinessRegistrationNumber=BRN""",
        computed="DateLastMaintained BalanceDueInCustomerCurrency BalanceDueInFunctionalCurrency "
        "AmountPastDue",
    ),
    ("CustomerNumber",),
    # properties of the AR $metadata Customer this emulator keeps no column for
    ignored=words(
        "InterestProfile PrintStatements AutocashProfile RateType CreditBureauNumber "
        "CreditBureauRating CreditBureauDate TaxRegistrationNumber1 TaxRegistrationNumber2 "
        "TaxRegistrationNumber3 TaxRegistrationNumber4 TaxRegistrationNumber5 TaxClassCode1 "
        "TaxClassCode2 TaxClassCode3 TaxClassCode4 TaxClassCode5 DeliveryMethod "
        "AllowPartialShipments AllowWebStoreShopping CheckCreditLimit CheckOverdueAmounts "
        "CheckForDuplicatePOs CustomerOptionalFieldValues FreeOnBoard ContactsFax "
        "ShipViaDescription AllowBackorderQuantities CheckLanguage BillingMethod "
        "NumberOfOptionalFields ProcessCommandCode"
    ),
)

APPLIED = Entity(
    "AppliedReceiptsAdjustment",
    "ARTCP",
    fields(
        "ARTCP",
        """BatchType=CODEPAYM BatchNumber=CNTBTCH EntryNumber=CNTITEM LineNumber=CNTLINE
        CustomerNumber=IDCUST DocumentNumber=IDINVC PaymentNumber=CNTPAYM
        TransactionType=TRXTYPE PaymentResolution=PYMTRESL CustomerReceiptAmount=AMTPAYM
        CustomerDiscountAmountTaken=AMTERNDISC Description=TEXTADJ Reference=GLREF
        GeneratedPPUCNumber=IDPPD PPMatchingDocumentNumber=IDDOCMTCH
        PPMatchingDocumentType=CDAPPLYTO DocumentType=DOCTYPE""",
    ),
    ("BatchType", "BatchNumber", "EntryNumber", "LineNumber"),
    ignored=frozenset({"UpdateOperation"}),
)

RECEIPT = Entity(
    "ReceiptsAdjustment",
    "ARTCR",
    fields(
        "ARTCR",
        """BatchType=CODEPYMTYP BatchNumber=CNTBTCH EntryNumber=CNTITEM CheckReceiptNumber=IDRMIT
        CustomerNumber=IDCUST ReceiptDateAdjustmentDate=DATERMIT EntryDescription=TEXTRMIT
        EntryReference=TXTRMITREF BankReceiptAmount=AMTRMIT CustomerReceiptAmount=AMTRMITTC
        CustomerExchangeRate=RATEEXCHTC NumberOfDocumentsAppliedto=CNTPAYMETR
        TotalCustomerAmountApplied=AMTPAYMTC TotalCustomerDiscountAmount=AMTDISCTC
        PaymentCode=CODEPAYM CustomerCurrencyCode=CODECURN ReceiptTransactionType=RMITTYPE
        DocumentType=DOCTYPE MatchingDocumentNumber=IDINVCMTCH LastLineNumber=CNTLSTLINE
        FiscalYear=FISCYR FiscalPeriod=FISCPER Payer=TEXTPAYOR PaymentType=PAYMTYPE
        CustomerUnappliedAmount=REMUNAPLTC BankUnappliedAmount=REMUNAPL DocumentNumber=DOCNBR
        BankCode=IDBANK EnteredBy=ENTEREDBY PostingDate=DATEBUS""",
        computed="NumberOfDocumentsAppliedto TotalCustomerAmountApplied LastLineNumber FiscalYear "
        "FiscalPeriod CustomerUnappliedAmount BankUnappliedAmount EnteredBy",
    ),
    ("BatchType", "BatchNumber", "EntryNumber"),
    details=(
        Detail(
            "AppliedReceiptsAdjustments",
            APPLIED,
            (("CODEPAYM", "CODEPYMTYP"), ("CNTBTCH", "CNTBTCH"), ("CNTITEM", "CNTITEM")),
        ),
    ),
    ignored=frozenset({"UpdateOperation"}),
)

RECEIPT_BATCH = Entity(
    "ReceiptAndAdjustmentBatch",
    "ARBTA",
    fields(
        "ARBTA",
        """BatchRecordType=CODEPYMTYP BatchNumber=CNTBTCH BatchDate=DATEBTCH
        Description=BATCHDESC NumberOfEntries=CNTENTER BatchTotal=AMTENTER BatchType=BATCHTYPE
        BatchStatus=BATCHSTAT BankCode=IDBANK DefaultBankCurrency=CODECURN BankRateDate=DATERATE
        LastEntryNumber=CNTLASTITM BankRateType=RATETYPE BankExchangeRate=RATEEXCHHC
        DepositNumber=DEPSTNBR""",
        computed="NumberOfEntries BatchTotal LastEntryNumber",
    ),
    ("BatchRecordType", "BatchNumber"),
    details=(
        Detail(
            "ReceiptsAdjustments", RECEIPT, (("CODEPYMTYP", "CODEPYMTYP"), ("CNTBTCH", "CNTBTCH"))
        ),
    ),
)

# --- OE -------------------------------------------------------------------------------------------
ORDER_OPTIONAL = Entity(
    "OrderOptionalField",
    "OEORDHO",
    fields("OEORDHO", "OrderUniquifier=ORDUNIQ OptionalField=OPTFIELD Value=VALUE"),
    ("OrderUniquifier", "OptionalField"),
    ignored=frozenset({"UpdateOperation", "Type", "Length", "Decimals", "AllowNull", "Validate"}),
)

DETAIL_OPTIONAL = Entity(
    "OrderDetailOptionalField",
    "OEORDDO",
    fields(
        "OEORDDO", "OrderUniquifier=ORDUNIQ LineNumber=LINENUM OptionalField=OPTFIELD Value=VALUE"
    ),
    ("OrderUniquifier", "LineNumber", "OptionalField"),
    ignored=frozenset({"UpdateOperation", "Type", "Length", "Decimals", "AllowNull", "Validate"}),
)

ORDER_DETAIL = Entity(
    "OrderDetail",
    "OEORDD",
    fields(
        "OEORDD",
        """OrderUniquifier=ORDUNIQ LineNumber=LINENUM LineType=LINETYPE Item=ITEM
        MiscellaneousChargesCode=MISCCHARGE Description=DESC ItemAccountSet=ACCTSET
        PriceList=PRICELIST Category=CATEGORY Location=LOCATION ExpectedShipmentDate=EXPDATE
        StockItem=STOCKITEM QuantityOrdered=QTYORDERED QuantityShipped=QTYSHIPPED
        QuantityBackordered=QTYBACKORD QuantityShippedToDate=QTYSHPTODT
        OriginalQuantityOrdered=ORIGQTY OrderUnitOfMeasure=ORDUNIT OrderUnitConversion=UNITCONV
        OrderUnitPrice=UNITPRICE PriceOverride=PRICEOVER PricingUnitOfMeasure=PRICEUNIT
        PricingUnitPrice=PRIUNTPRC PricingUnitConversion=PRIUNTCONV
        PricingBaseUnitPrice=PRIBASPRC ExtendedOrderAmount=EXTOPRICE ExtendedAmount=EXTINVMISC
        DiscountPercent=DISCPER DiscountAmount=INVDISC HeaderDiscount=HDRDISC
        DetailCompleted=COMPLETE DetailNumber=DETAILNUM QuantityCommitted=QTYCOMMIT
        CustomerItemNumber=CUSTITEMNO DateRequested=REQUESDATE UnitWeight=UNITWEIGHT
        ExtendedWeight=EXTWEIGHT ShipmentTrackingNumber=SHIPTRACK ShipViaCode=SHIPVIA""",
        computed="QuantityBackordered QuantityShippedToDate OriginalQuantityOrdered "
        "PricingBaseUnitPrice ExtendedOrderAmount HeaderDiscount DetailCompleted DetailNumber "
        "QuantityCommitted ExtendedWeight",
    ),
    ("OrderUniquifier", "LineNumber"),
    details=(
        Detail(
            "OrderDetailOptionalFields",
            DETAIL_OPTIONAL,
            (("ORDUNIQ", "ORDUNIQ"), ("LINENUM", "LINENUM")),
        ),
    ),
    ignored=frozenset({"UpdateOperation"}),
)

_ORDER_H = fields(
    "OEORDH",
    """OrderUniquifier=ORDUNIQ OrderNumber=ORDNUMBER CustomerNumber=CUSTOMER
    CustomerGroupCode=CUSTGROUP BillToName=BILNAME BillToAddressLine1=BILADDR1
    BillToAddressLine2=BILADDR2 BillToAddressLine3=BILADDR3 BillToAddressLine4=BILADDR4
    BillToCity=BILCITY BillToStateProvince=BILSTATE BillToZipPostalCode=BILZIP
    BillToCountry=BILCOUNTRY BillToPhoneNumber=BILPHONE BillToContact=BILCONTACT
    ShipToLocationCode=SHIPTO ShipToName=SHPNAME ShipToAddressLine1=SHPADDR1
    ShipToAddressLine2=SHPADDR2 ShipToAddressLine3=SHPADDR3 ShipToAddressLine4=SHPADDR4
    ShipToCity=SHPCITY ShipToStateProvince=SHPSTATE ShipToZipPostalCode=SHPZIP
    ShipToCountry=SHPCOUNTRY ShipToPhoneNumber=SHPPHONE ShipToContact=SHPCONTACT
    DefaultPriceListCode=PRICELIST PurchaseOrderNumber=PONUMBER TermsCode=TERMS
    OrderReference=REFERENCE OrderType=TYPE OrderDate=ORDDATE ExpectedShipDate=EXPDATE
    QuoteExpirationDate=QTEXPDATE ShipViaCode=SHIPVIA ShipViaCodeDescription=VIADESC
    DefaultLocationCode=LOCATION OnHold=ONHOLD OrderDescription=DESC OrderComment=COMMENT
    OrderSourceCurrency=ORSOURCURR OrderFiscalYear=ORDFISCYR OrderFiscalPeriod=ORDFISCPER
    TotalAmountItems=ORDTOTAL TotalAmountMiscellaneousCharges=ORDMTOTAL
    NumberOfLinesOnOrder=ORDLINES NumberOfMiscellaneousChargesLines=NOMISCLINE
    PreviousPaymentsTotal=ORDPAYTOT OrderNumberOfPrepayments=ORNOPREPAY Salesperson1=SALESPER1
    TaxGroup=TAXGROUP TaxOverridden=TAXOVERRD ExcludedTaxAmount1=TEAMOUNT1
    ExcludedTaxAmount2=TEAMOUNT2 ExcludedTaxAmount3=TEAMOUNT3 ExcludedTaxAmount4=TEAMOUNT4
    ExcludedTaxAmount5=TEAMOUNT5 OrderCompleted=COMPLETE OrderCompletionDate=COMPDATE
    InvoiceNumber=INVNUMBER ShipmentDate=SHIPDATE OrderItemTotalAmount=INVITMTOT
    OrderDiscountBase=INVDISCBAS OrderDiscountPercentage=INVDISCPER
    OrderDiscountAmount=INVDISCAMT OrderTotalMiscellaneousCharges=INVMISC
    OrderSubtotalAmount=INVSUBTOT OrderTotalWithInvoiceDiscount=INVNET
    OrderTotalBeforeTax=INVNETNOTX OrderExcludedTaxTotal=INVETAXTOT OrderTotal=INVNETWTX
    OrderAmountDue=INVAMTDUE OrderSource=ORDERSOURC""",
    computed="CustomerGroupCode OrderFiscalYear OrderFiscalPeriod TotalAmountItems "
    "TotalAmountMiscellaneousCharges NumberOfLinesOnOrder NumberOfMiscellaneousChargesLines "
    "PreviousPaymentsTotal OrderNumberOfPrepayments OrderCompleted OrderCompletionDate "
    "InvoiceNumber ShipmentDate OrderItemTotalAmount OrderDiscountBase "
    "OrderTotalMiscellaneousCharges OrderSubtotalAmount OrderTotalWithInvoiceDiscount "
    "OrderTotalBeforeTax OrderExcludedTaxTotal OrderTotal OrderAmountDue",
)
_ORDER_H1 = fields(
    "OEORDH1",
    """BillToEmail=BILEMAIL ShipToEmail=SHPEMAIL LastShipmentNumber=LASTSHINUM
    NumberOfShipments=NUMSHPMENT ShipmentTrackingNumber=SHIPTRACK EnteredBy=ENTEREDBY
    OnHoldReason=HOLDREASON DateRequested=REQUESDATE ItemDetailDiscountTotal=ITEMDISTOT
    MiscChargeDetailDiscountTotal=MISCDISTOT""",
    computed="LastShipmentNumber NumberOfShipments EnteredBy ItemDetailDiscountTotal "
    "MiscChargeDetailDiscountTotal",
)

ORDER = Entity(
    "Order",
    "OEORDH",
    (*_ORDER_H, *_ORDER_H1),
    ("OrderUniquifier",),
    details=(
        Detail("OrderDetails", ORDER_DETAIL, (("ORDUNIQ", "ORDUNIQ"),)),
        Detail("OrderOptionalFields", ORDER_OPTIONAL, (("ORDUNIQ", "ORDUNIQ"),)),
    ),
    ignored=frozenset({"InvoiceWillBeProduced", "OrderPrepayments"}),
    aliases={"PriceList": "DefaultPriceListCode"},
)

# --- IC -------------------------------------------------------------------------------------------
ITEM_OPTIONAL = Entity(
    "ItemOptionalField",
    "ICITEMO",
    fields("ICITEMO", "UnformattedItemNumber=ITEMNO OptionalField=OPTFIELD Value=VALUE"),
    ("UnformattedItemNumber", "OptionalField"),
    ignored=frozenset(
        {"UpdateOperation", "Type", "Length", "Decimals", "AllowNull", "Validate", "ValueSet"}
    ),
)

ITEM = Entity(
    "Item",
    "ICITEM",
    fields(
        "ICITEM",
        """UnformattedItemNumber=ITEMNO Description=DESC DateLastMaintained=DATELASTMN
        Status=INACTIVE StructureCode=ITEMBRKID ItemNumber=FMTITEMNO Category=CATEGORY
        AccountSetCode=CNTLACCT StockItem=STOCKITEM StockingUnitOfMeasure=STOCKUNIT
        DefaultPriceListCode=DEFPRICLST UnitWeight=UNITWGT DefaultPickingSequence=PICKINGSEQ
        SerialNumbers=SERIALNO DateInactive=DATEINACTV Comment1=COMMENT1
        AllowItemInWebStore=ALLOWONWEB KittingItem=KITTING Sellable=SELLABLE
        WeightUnitOfMeasure=WEIGHTUNIT LotNumbers=LOTITEM""",
        computed="DateLastMaintained",
    ),
    ("UnformattedItemNumber",),
    details=(Detail("ItemOptionalFields", ITEM_OPTIONAL, (("ITEMNO", "ITEMNO"),)),),
    ignored=frozenset({"ItemUnitsOfMeasure"}),
)

PRICE_DETAIL = Entity(
    "ItemPricingDetail",
    "ICPRICP",
    fields(
        "ICPRICP",
        """CurrencyCode=CURRENCY UnformattedItemNumber=ITEMNO PriceListCode=PRICELIST
        PriceDetailType=DPRICETYPE QuantityUnit=QTYUNIT WeightUnit=WEIGHTUNIT UnitPrice=UNITPRICE
        ConversionFactor=CONVERSION SaleStart=SALESTART SaleEnd=SALEEND
        LastPriceChangeDate=LASTPRICDT PreviousPrice=PREVPRICE""",
        computed="LastPriceChangeDate PreviousPrice",
    ),
    (
        "CurrencyCode",
        "UnformattedItemNumber",
        "PriceListCode",
        "PriceDetailType",
        "QuantityUnit",
        "WeightUnit",
    ),
    ignored=frozenset({"UpdateOperation"}),
)

PRICING = Entity(
    "ItemPricing",
    "ICPRIC",
    fields(
        "ICPRIC",
        """CurrencyCode=CURRENCY UnformattedItemNumber=ITEMNO PriceListCode=PRICELIST
        Description=DESC DecimalsInPrice=PRICEDECS MarkupCost=MARKUPCOST
        MarkupUnitOfMeasure=MARKUPUNIT MarkupConversionFactor=MARKUPCONV
        SellingPriceBasedon=PRICETYPE DiscountMarkupPriceby=PRICEFMT
        DiscountMarkupPercentage1=PRCNTLVL1 DiscountMarkupPercentage2=PRCNTLVL2
        DiscountMarkupPercentage3=PRCNTLVL3 DiscountMarkupPercentage4=PRCNTLVL4
        DiscountMarkupPercentage5=PRCNTLVL5 PriceDeterminedby=PRICEBASE MarkupFactor=MARKUP
        PriceBy=PRICEBY DefaultBaseUnit=DEFBUNIT DefaultSaleUnit=DEFSUNIT
        BasePriceType=BPRICETYPE PriceListStartDate=PRICESTART PriceListEndDate=PRICEEND""",
    ),
    ("CurrencyCode", "UnformattedItemNumber", "PriceListCode"),
    details=(
        Detail(
            "ItemPricingDetails",
            PRICE_DETAIL,
            (("CURRENCY", "CURRENCY"), ("ITEMNO", "ITEMNO"), ("PRICELIST", "PRICELIST")),
        ),
    ),
    ignored=frozenset({"UpdateOperation"}),
)

LOCATION = Entity(
    "Location",
    "ICLOC",
    fields(
        "ICLOC",
        """LocationKey=LOCATION Name=DESC AddressLine1=ADDRESS1 AddressLine2=ADDRESS2
        AddressLine3=ADDRESS3 AddressLine4=ADDRESS4 City=CITY StateProvince=STATE
        ZipPostalCode=ZIP Country=COUNTRY PhoneNumber=PHONE FaxNumber=FAX Contact=CONTACT
        DateLastMaintained=DATELASTMN Status=INACTIVE DateInactive=DATEINACTV
        LocationType=LOCTYPE""",
        computed="DateLastMaintained",
    ),
    ("LocationKey",),
)

# --- GL -------------------------------------------------------------------------------------------
JOURNAL_DETAIL = Entity(
    "JournalDetail",
    "GLJED",
    fields(
        "GLJED",
        """BatchNumber=BATCHNBR EntryNumber=JOURNALID TransactionNumber=TRANSNBR
        AccountNumber=ACCTID CompanyID=COMPANYID Amount=TRANSAMT Quantity=TRANSQTY
        SourceCurrencyAmount=SCURNAMT HomeCurrency=HCURNCODE SourceCurrency=SCURNCODE
        CurrencyRate=CONVRATE Description=TRANSDESC Reference=TRANSREF JournalDate=TRANSDATE
        SourceLedger=SRCELDGR SourceType=SRCETYPE""",
    ),
    ("BatchNumber", "EntryNumber", "TransactionNumber"),
    ignored=frozenset({"UpdateOperation"}),
)

JOURNAL_HEADER = Entity(
    "JournalHeader",
    "GLJEH",
    fields(
        "GLJEH",
        """BatchNumber=BATCHID EntryNumber=BTCHENTRY SourceLedger=SRCELEDGER SourceType=SRCETYPE
        FiscalYear=FSCSYR FiscalPeriod=FSCSPERD AutoReversal=SWREVERSE Description=JRNLDESC
        Debits=JRNLDR Credits=JRNLCR Quantity=JRNLQTY DocumentDate=DATEENTRY
        Originator=ORIGCOMP NumberOfDetails=DETAILCNT""",
        computed="Debits Credits Quantity NumberOfDetails",
    ),
    ("BatchNumber", "EntryNumber"),
    details=(
        Detail(
            "JournalDetails",
            JOURNAL_DETAIL,
            (("BATCHNBR", "BATCHID"), ("JOURNALID", "BTCHENTRY")),
        ),
    ),
    ignored=frozenset({"UpdateOperation"}),
)

JOURNAL_BATCH = Entity(
    "JournalBatch",
    "GLBCTL",
    fields(
        "GLBCTL",
        """BatchNumber=BATCHID ActiveSwitch=ACTIVESW Description=BTCHDESC SourceLedger=SRCELEDGR
        DateCreated=DATECREAT DateLastEdited=DATEEDIT BatchType=BATCHTYPE Status=BATCHSTAT
        PostingSequence=POSTNGSEQ Debits=DEBITTOT Credits=CREDITTOT QuantityTotal=QTYTOTAL
        NumberOfEntries=ENTRYCNT NextEntryNumber=NEXTENTRY NumberOfErrors=ERRORCNT
        Printed=SWPRINTED""",
        computed="DateCreated DateLastEdited PostingSequence Debits Credits QuantityTotal "
        "NumberOfEntries NextEntryNumber NumberOfErrors",
    ),
    ("BatchNumber",),
    details=(Detail("JournalHeaders", JOURNAL_HEADER, (("BATCHID", "BATCHID"),)),),
    aliases={"BatchStatus": "Status"},
)

_ALL = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
RESOURCES: dict[str, Resource] = {
    r.name: r
    for r in (
        Resource("AR", "ARCustomers", CUSTOMER, _ALL),
        Resource(
            "AR",
            "ARReceiptAndAdjustmentBatches",
            RECEIPT_BATCH,
            frozenset({"GET", "POST", "PATCH"}),
        ),
        Resource("OE", "OEOrders", ORDER, frozenset({"GET", "POST"})),
        Resource("IC", "ICItems", ITEM, _ALL),
        Resource("IC", "ICItemPricing", PRICING, _ALL),
        Resource("IC", "ICLocations", LOCATION, _ALL),
        Resource("GL", "GLJournalBatches", JOURNAL_BATCH, frozenset({"GET", "POST", "PATCH"})),
    )
}


# --- values ---------------------------------------------------------------------------------------
def render_value(column: Column, stored: Any) -> Any:
    """A stored value as the Web API shows it."""
    if is_enum(column):
        code: int | str = (
            str(stored).strip() if column.kind == "char" else int(Decimal(str(stored or 0)))
        )
        labels = dict(column.values)
        return enum_name(labels[code]) if code in labels else code
    value = from_db(column, stored)
    if column.kind == "date":
        return None if value is None else f"{value.isoformat()}T00:00:00"
    if column.kind == "decimal" and column.scale == 0:
        return int(value)
    return value


def decode_value(entity: Entity, f: Field, value: Any) -> Any:
    """A payload value as the Python value to store (before `to_db`).

    Raises:
        SageError: InvalidPayload when the value does not fit the property.
    """
    column = f.col
    where = f"property '{f.name}' of type '{entity.type_name}'"
    if value is None:
        return None
    if is_enum(column):
        if not isinstance(value, str):
            raise bad_payload(f"The value for {where} must be one of its list values.")
        wanted = value.replace(" ", "").lower()
        for code, label in column.values:
            if enum_name(label).lower() == wanted or str(code) == value:
                return code
        names = ", ".join(enum_name(label) for _, label in column.values)
        raise bad_payload(f"'{value}' is not a valid value for {where} ({names}).")
    kind = column.kind
    if kind == "bool":
        if not isinstance(value, bool):
            raise bad_payload(f"The value for {where} must be true or false.")
        return value
    if kind == "char":
        if not isinstance(value, str):
            raise bad_payload(f"The value for {where} must be a string.")
        text = value.strip().upper() if column.name in UPPER else value
        if len(text.rstrip()) > column.length:
            raise bad_payload(f"The value for {where} exceeds {column.length} characters.")
        return text
    if kind == "date":
        if not isinstance(value, str):
            raise bad_payload(f"The value for {where} must be a date.")
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            raise bad_payload(f"'{value}' is not a valid date for {where}.") from None
    if isinstance(value, bool) or not isinstance(value, int | Decimal | float | str):
        raise bad_payload(f"The value for {where} must be a number.")
    try:
        number = to_decimal(value, column.scale if kind == "decimal" else 0)
    except ValueError:
        raise bad_payload(f"'{value}' is not a valid number for {where}.") from None
    if to_decimal(value, 12) != number and kind != "decimal":
        raise bad_payload(f"The value for {where} must be a whole number.")
    return number


@dataclass
class Decoded:
    """A payload split into column values per table and detail payloads per collection."""

    columns: dict[str, dict[str, Any]] = field(default_factory=dict)  # table -> column -> value
    details: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    given: set[str] = field(default_factory=set)  # field names present in the payload
    extra: dict[str, Any] = field(default_factory=dict)  # ignored properties' values

    def get(self, table: str, column: str, default: Any = None) -> Any:
        return self.columns.get(table, {}).get(column, default)


def decode(entity: Entity, payload: Any, *, keep_computed: bool = False) -> Decoded:
    """Split `payload` by table; unknown properties are refused (InvalidPayload).

    Computed fields are dropped unless `keep_computed` (detail keys must survive for PATCH).
    """
    if not isinstance(payload, dict):
        raise bad_payload(f"The payload for type '{entity.type_name}' must be a JSON object.")
    out = Decoded()
    known = entity.by_name()
    for name, value in payload.items():
        if name.startswith(("odata.", "@odata")):
            continue
        if name in entity.ignored:
            out.extra[name] = value
            continue
        detail = entity.detail(name)
        if detail is not None:
            if not isinstance(value, list):
                raise bad_payload(f"The property '{name}' must be a collection.")
            out.details[name] = value
            continue
        canonical = entity.aliases.get(name, name)
        f = known.get(canonical)
        if f is None:
            raise bad_payload(f"The property '{name}' does not exist on type '{entity.type_name}'.")
        out.given.add(canonical)
        if f.computed and not keep_computed:
            continue
        out.columns.setdefault(f.table, {})[f.column] = decode_value(entity, f, value)
    return out


def check_lengths(table: str, values: Mapping[str, Any]) -> None:
    """Refuse strings longer than their column (InvalidPayload naming the column)."""
    t = TABLES[table]
    for name, value in values.items():
        column = t.column(name)
        if column.kind == "char" and isinstance(value, str) and len(value.rstrip()) > column.length:
            raise bad_payload(str(ValueTooLong(name, column.length)))


def render(
    db: CompanyDb,
    entity: Entity,
    row: Row,
    *,
    select: Iterable[str] | None = None,
    details: bool = True,
) -> dict[str, Any]:
    """A stored row (and its companion tables and details) as a Web API entry."""
    wanted = set(select) if select is not None else None
    rows = {entity.table: row}
    for table in entity.tables[1:]:
        key = {k: row[k] for k in TABLES[table].key}
        rows[table] = db.get(table, key) or TABLES[table].blank_row()
    out: dict[str, Any] = {}
    for f in entity.fields:
        if wanted is None or f.name in wanted:
            out[f.name] = render_value(f.col, rows[f.table][f.column])
    if not details:
        return out
    for d in entity.details:
        if wanted is not None and d.name not in wanted:
            continue
        where = {child: row[parent] for child, parent in d.link}
        out[d.name] = [render(db, d.entity, r) for r in db.select(d.entity.table, where)]
    return out


def template(entity: Entity) -> dict[str, Any]:
    """The entry whose properties hold the defaults (``('$template')``)."""
    rows = {t: TABLES[t].blank_row() for t in entity.tables}
    out: dict[str, Any] = {
        f.name: render_value(f.col, rows[f.table][f.column]) for f in entity.fields
    }
    for d in entity.details:
        out[d.name] = []
    return out


def key_values(entity: Entity, row: Row) -> dict[str, Any]:
    """The key fields of a stored row, by field name (rendered)."""
    return {f.name: render_value(f.col, row[f.column]) for f in entity.key_fields()}
