"""The Sage 300 emulator over HTTPS and through its company database (one sandbox per module)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from connectors.http.jsonx import dumps
from sandbox.runner import Sandbox
from sandbox.sage300 import API_ROOT, COMPANY, PAGE_SIZE, PRICE_LIST, Sage300Emulator
from tests.sandbox.sage_helpers import (
    LOCAL_DATE,
    LOCAL_TIME,
    TIMEZONE,
    body,
    client,
    emulator,
    error,
    order_payload,
    sandbox_fixture,
    values,
)


@pytest.fixture(scope="module")
def sb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    yield from sandbox_fixture(tmp_path_factory)


@pytest.fixture(scope="module")
def emu(sb: Sandbox) -> Sage300Emulator:
    return emulator(sb)


@pytest.fixture(scope="module")
def api(sb: Sandbox) -> Iterator[httpx.Client]:
    with client(sb) as c:
        yield c


@pytest.fixture
def no_faults(sb: Sandbox, api: httpx.Client) -> Iterator[None]:
    yield
    api.put(f"{sb.urls['sage300']}/__admin/faults", json={})


def post_order(api: httpx.Client, reference: str, **header: Any) -> dict[str, Any]:
    r = api.post("OE/OEOrders", json=order_payload(reference, **header))
    assert r.status_code == 201, r.text
    entry: dict[str, Any] = body(r)
    return entry


def price(emu: Sage300Emulator, item: str) -> Decimal:
    rows = emu.rows("ICPRICP", ITEMNO=item, PRICELIST=PRICE_LIST, DPRICETYPE=1)
    return Decimal(str(rows[0]["UNITPRICE"]))


def test_env_points_at_the_web_api_and_the_database(sb: Sandbox, emu: Sage300Emulator) -> None:
    env = sb.env()
    assert env["STOREBRIDGE_SAGE300_URL"] == f"{sb.urls['sage300']}{API_ROOT}"
    assert env["STOREBRIDGE_SAGE300_COMPANY"] == COMPANY == "SAMINC"
    assert env["STOREBRIDGE_SAGE300_USER"] == "ADMIN"
    assert env["STOREBRIDGE_SAGE300_CA_BUNDLE"] == str(sb.tls.ca_cert)
    assert emu.db_path == sb.workdir / "sage300" / "SAMINC.sqlite"
    assert env["STOREBRIDGE_SAGE300_ODBC"] == (
        f"DRIVER={{SQLite3}};Database=file:{emu.db_path}?mode=ro"
    )
    assert env["STOREBRIDGE_SAGE300_TIMEZONE"] == TIMEZONE
    assert emu.execute("PRAGMA journal_mode")[0]["journal_mode"] == "wal"


def test_basic_auth_and_the_content_type_rule(sb: Sandbox) -> None:
    with client(sb, auth=None) as anonymous:
        r = anonymous.get("AR/ARCustomers")
        assert error(r)[:2] == (401, "Unauthorized")
        assert r.headers["www-authenticate"].startswith("Basic")
    with client(sb, auth=("ADMIN", "wrong")) as wrong:
        assert error(wrong.get("AR/ARCustomers"))[:2] == (401, "Unauthorized")
    with client(sb, auth=("admin", "ADMIN"), json_type=False) as untyped:
        assert error(untyped.get("AR/ARCustomers"))[:2] == (500, "InternalServerError")
    with client(sb, auth=("admin", "ADMIN")) as typed:  # user ids ignore case
        assert typed.get("AR/ARCustomers").status_code == 200
        assert error(typed.get("AR/NoSuchThing"))[:2] == (404, "ResourceNotFound")
        assert error(typed.get("OE/ARCustomers"))[:2] == (404, "ResourceNotFound")
        assert error(typed.patch("OE/OEOrders(1)", json={}))[:2] == (405, "MethodNotAllowed")


def test_query_options(api: httpx.Client, sb: Sandbox) -> None:
    world = sb.world
    r = api.get("AR/ARCustomers", params={"$count": "true", "$top": "2", "$skip": "1"})
    page = body(r)
    assert page["odata.context"].endswith(f"/-/{COMPANY}/AR/$metadata#ARCustomers")
    assert page["odata.count"] == str(len(world.crm_contacts))
    assert [c["CustomerNumber"] for c in page["value"]] == ["1105", "1110"]
    assert page["value"][0]["Status"] == "Active"
    assert page["value"][0]["OnHold"] == "No"

    picked = values(api, "AR/ARCustomers", **{"$select": "CustomerNumber,Email", "$top": "1"})
    assert picked == [{"CustomerNumber": "1100", "Email": world.crm_contacts[0].email}]

    items = len(world.skus())
    assert items > PAGE_SIZE
    assert len(values(api, "IC/ICItems")) == PAGE_SIZE  # the default page
    assert len(values(api, "IC/ICItems", **{"$top": "500"})) == PAGE_SIZE
    assert len(values(api, "IC/ICItems", **{"$skip": str(items - 5)})) == 5

    def numbers(flt: str, **more: str) -> list[str]:
        rows = values(
            api, "IC/ICItems", **{"$filter": flt, "$select": "UnformattedItemNumber"}, **more
        )
        return [row["UnformattedItemNumber"] for row in rows]

    tees = numbers("startswith(UnformattedItemNumber, 'sb-tee-001') and Status eq 'Active'")
    assert tees
    assert all(n.startswith("SB-TEE-001") for n in tees)
    assert numbers("substringof('-001-XS', UnformattedItemNumber)") == ["SB-TEE-001-XS"]
    assert numbers("UnformattedItemNumber eq 'SB-MUG-002' or ItemNumber eq 'SB-CAP-003'") == [
        "SB-CAP-003",
        "SB-MUG-002",
    ]
    heavy = numbers("UnitWeight ge 0.7m and StockItem eq true and Category ne 'TEE'")
    assert heavy
    assert all(not n.startswith("SB-TEE") for n in heavy)
    assert numbers("DateLastMaintained lt datetime'2025-11-23T12:00'", **{"$top": "3"})
    assert numbers("DateLastMaintained gt datetime'2025-11-24T00:00'") == []
    desc = numbers("startswith(UnformattedItemNumber,'SB-MUG')", **{"$orderby": "Description desc"})
    assert desc == sorted(desc, reverse=True)

    assert error(api.get("AR/ARCustomers", params={"$filter": "Nope eq 1"}))[:2] == (
        400,
        "InvalidParameters",
    )
    assert error(api.get("AR/ARCustomers", params={"$top": "-1"}))[1] == "InvalidParameters"


def test_key_addressing(api: httpx.Client) -> None:
    for key in ("'1100'", "1100", "CustomerNumber='1100'", " '1100' "):
        r = api.get(f"AR/ARCustomers({key})")
        assert r.status_code == 200, (key, r.text)
        assert body(r)["CustomerNumber"] == "1100"
    assert error(api.get("AR/ARCustomers('NOBODY')")) == (
        404,
        "RecordNotFound",
        "A Record cannot be found for the specified entity key",
    )
    assert error(api.get("OE/OEOrders('x')"))[:2] == (400, "InvalidEntityKey")
    assert error(api.get("IC/ICItemPricing('USD')"))[:2] == (400, "InvalidEntityKey")
    key = "CurrencyCode='USD',UnformattedItemNumber='SB-MUG-002',PriceListCode='RTL'"
    pricing = body(api.get(f"IC/ICItemPricing({key})"))
    assert pricing["ItemPricingDetails"][0]["PriceDetailType"] == "BasePriceQuantity"
    assert body(api.get("IC/ICLocations('MAIN')"))["Name"] == "Main warehouse"


def test_template_returns_defaults(api: httpx.Client) -> None:
    r = api.post("AR/ARCustomers('$template')")
    assert r.status_code == 200, r.text
    defaults = body(r)
    assert defaults["CustomerNumber"] == ""
    assert defaults["Status"] == "Active"
    assert defaults["AccountType"] == "OpenItem"
    assert defaults["InactiveDate"] is None
    order = body(api.post("OE/OEOrders($template)"))
    assert order["OrderDetails"] == []
    assert order["OrderType"] == "Active"
    assert error(api.post("AR/ARCustomers('1100')", json={}))[:2] == (400, "InvalidAction")


def test_order_post_generates_keys_and_writes_sage_rows(
    api: httpx.Client, emu: Sage300Emulator
) -> None:
    mug = price(emu, "SB-MUG-002")
    before = emu.rows("ICILOC", ITEMNO="SB-MUG-002", LOCATION="MAIN")[0]
    entry = post_order(api, "storebridge:shift4shop:2001")
    uniq, number = entry["OrderUniquifier"], entry["OrderNumber"]
    assert isinstance(uniq, int)
    assert number.startswith("ORD")
    assert len(number) == 15
    assert entry["OrderReference"] == "storebridge:shift4shop:2001"
    assert entry["PurchaseOrderNumber"] == "2001"
    assert entry["DefaultLocationCode"] == "MAIN"
    assert entry["BillToEmail"].endswith("example.com")
    lines = entry["OrderDetails"]
    assert [ln["LineNumber"] for ln in lines] == [32, 64, 96]
    assert [ln["LineType"] for ln in lines] == ["Item", "Item", "Miscellaneous"]
    assert lines[0]["PriceOverride"] is True
    assert lines[1]["PriceOverride"] is False
    assert lines[0]["DiscountAmount"] == Decimal("3.900")
    assert lines[1]["PricingUnitPrice"] == mug
    items = Decimal("39.00") - Decimal("3.90") + 3 * mug
    assert entry["TotalAmountItems"] == items
    assert entry["OrderTotal"] == items + Decimal("5.95")
    assert entry["OrderCompleted"] == "IncompleteNotIncluded"
    assert entry["OrderOptionalFields"][0]["OptionalField"] == "STORE"

    assert body(api.get(f"OE/OEOrders({uniq})")) == entry
    found = values(
        api, "OE/OEOrders", **{"$filter": "OrderReference eq 'storebridge:shift4shop:2001'"}
    )
    assert [o["OrderNumber"] for o in found] == [number]

    head = emu.rows("OEORDH", ORDUNIQ=uniq)[0]
    assert head["ORDNUMBER"] == number.ljust(22)
    assert head["CUSTOMER"] == "1100".ljust(12)
    assert head["PONUMBER"] == "2001".ljust(22)
    assert head["REFERENCE"] == "storebridge:shift4shop:2001".ljust(60)
    assert head["ORDDATE"] == 20261120
    assert head["COMPDATE"] == 0
    assert (head["AUDTDATE"], head["AUDTTIME"]) == (LOCAL_DATE, LOCAL_TIME)
    assert (head["AUDTUSER"], head["AUDTORG"]) == ("ADMIN   ", "SAMINC")
    assert Decimal(str(head["INVNETWTX"])) == items + Decimal("5.95")
    h1 = emu.rows("OEORDH1", ORDUNIQ=uniq)[0]
    assert h1["BILEMAIL"].rstrip() == entry["BillToEmail"]
    assert len(h1["BILEMAIL"]) == 50
    rows = emu.rows("OEORDD", ORDUNIQ=uniq)
    assert [r["ITEM"] for r in rows] == ["SB-BAG-004".ljust(24), "SB-MUG-002".ljust(24), " " * 24]
    assert rows[2]["MISCCHARGE"] == "FRT   "
    assert rows[2]["LINETYPE"] == 2
    assert all((r["AUDTDATE"], r["AUDTTIME"]) == (LOCAL_DATE, LOCAL_TIME) for r in rows)
    after = emu.rows("ICILOC", ITEMNO="SB-MUG-002", LOCATION="MAIN")[0]
    assert after["QTYSALORDR"] - before["QTYSALORDR"] == 3
    assert after["QTYCOMMIT"] - before["QTYCOMMIT"] == 3


def test_validation_errors_name_the_record_and_write_nothing(
    api: httpx.Client, emu: Sage300Emulator
) -> None:
    orders = len(emu.rows("OEORDH"))
    r = api.post("OE/OEOrders", json=order_payload("storebridge:x:1", CustomerNumber="NOPE"))
    assert error(r) == (400, "RecordInvalid", "Customer Number 'NOPE' does not exist.")
    payload = order_payload("storebridge:x:2")
    payload["OrderDetails"].append({"Item": "RETIRED-0042", "QuantityOrdered": 1})
    r = api.post("OE/OEOrders", json=payload)
    assert error(r) == (400, "RecordInvalid", "Item number 'RETIRED-0042' does not exist.")
    payload["OrderDetails"][-1] = {"Item": "SB-MUG-002", "QuantityOrdered": 0}
    assert error(api.post("OE/OEOrders", json=payload))[1] == "RecordInvalid"
    payload["OrderDetails"][-1] = {"ItemNumber": "SB-MUG-002", "QuantityOrdered": 1}
    assert error(api.post("OE/OEOrders", json=payload))[:2] == (400, "InvalidPayload")
    assert error(api.post("OE/OEOrders", json={**payload, "OnHold": "No"}))[1] == "InvalidPayload"
    assert error(api.post("OE/OEOrders", content=b"{not json"))[1] == "InvalidPayload"
    long = {**order_payload("storebridge:x:3"), "PurchaseOrderNumber": "P" * 23}
    assert error(api.post("OE/OEOrders", json=long))[1] == "InvalidPayload"
    assert len(emu.rows("OEORDH")) == orders
    assert error(api.post("AR/ARCustomers", json={"CustomerNumber": "C9", "GroupCode": "ZZZ"})) == (
        400,
        "RecordInvalid",
        "Group Code 'ZZZ' does not exist.",
    )


def test_post_of_an_existing_key_is_record_duplicate(
    api: httpx.Client, emu: Sage300Emulator
) -> None:
    payload = {
        "CustomerNumber": "sb000042",
        "CustomerName": "Test Shopper",
        "GroupCode": "RTL",
        "Email": "shopper@example.com",
        "ContactsEmail": "contact@example.com",
    }
    created = api.post("AR/ARCustomers", json=payload)
    assert created.status_code == 201, created.text
    assert body(created)["CustomerNumber"] == "SB000042"  # Sage keeps keys in upper case
    assert created.headers["location"].endswith("/AR/ARCustomers('SB000042')")
    row = emu.rows("ARCUS", IDCUST="SB000042")[0]
    assert row["EMAIL2"].rstrip() == "shopper@example.com"
    assert row["IDACCTSET"] == "USA   "
    assert row["EMAIL1"].rstrip() == "contact@example.com"
    assert row["DATESTART"] == LOCAL_DATE
    assert error(api.post("AR/ARCustomers", json=payload))[:2] == (409, "RecordDuplicate")
    entry = post_order(api, "storebridge:shift4shop:2002")
    again = order_payload("storebridge:shift4shop:2002", OrderNumber=entry["OrderNumber"])
    assert error(api.post("OE/OEOrders", json=again))[:2] == (409, "RecordDuplicate")

    patched = api.patch("AR/ARCustomers('SB000042')", json={"PhoneNumber": "555-0100"})
    assert patched.status_code == 204
    assert emu.rows("ARCUS", IDCUST="SB000042")[0]["TEXTPHON1"] == "555-0100".ljust(30)


def test_size_items_name_their_product_in_item_optional_fields(
    api: httpx.Client, emu: Sage300Emulator
) -> None:
    size = body(api.get("IC/ICItems('SB-TEE-001-XS')"))["ItemOptionalFields"]
    assert [(f["OptionalField"], f["Value"]) for f in size] == [
        ("SIZE", "XS"),
        ("STOREPARENT", "SB-TEE-001"),
    ]
    assert body(api.get("IC/ICItems('SB-TEE-001')"))["ItemOptionalFields"] == []  # the product
    item = {"UnformattedItemNumber": "SB-TEE-001-XXL", "Description": "T-Shirt #001 - XXL"}
    fields = [{"OptionalField": "storeparent", "Value": "SB-TEE-001"}, {"OptionalField": "SIZE"}]
    r = api.post("IC/ICItems", json={**item, "ItemOptionalFields": fields})
    assert r.status_code == 201, r.text
    rows = emu.rows("ICITEMO", ITEMNO="SB-TEE-001-XXL")
    assert [(r["OPTFIELD"], r["VALUE"].rstrip(), r["TYPE"]) for r in rows] == [
        ("SIZE".ljust(12), "", 1),
        ("STOREPARENT".ljust(12), "SB-TEE-001", 1),
    ]
    assert emu.set_optional_field("sb-tee-001-xxl", "size", "XXL") is not None
    rows = emu.rows("ICITEMO", ITEMNO="SB-TEE-001-XXL")
    assert all((r["AUDTDATE"], r["AUDTTIME"]) == (LOCAL_DATE, LOCAL_TIME) for r in rows)
    assert rows[0]["VALUE"] == "XXL".ljust(60)


def test_rate_limit_fault_answers_429_too_many_requests(
    api: httpx.Client, sb: Sandbox, no_faults: None
) -> None:
    admin = f"{sb.urls['sage300']}/__admin/faults"
    api.put(admin, json={"rate_limit_share": 1, "retry_after_s": 2, "seed": 1})
    r = api.get("AR/ARCustomers")
    assert error(r)[:2] == (429, "TooManyRequests")
    assert r.headers["retry-after"] == "2"


def test_5xx_after_write_applies_the_post(
    api: httpx.Client, sb: Sandbox, emu: Sage300Emulator, no_faults: None
) -> None:
    admin = f"{sb.urls['sage300']}/__admin/faults"
    api.put(admin, json={"server_error_share": 1, "after_apply_share": 1, "seed": 1})
    r = api.post("OE/OEOrders", json=order_payload("storebridge:shift4shop:2003"))
    assert error(r)[:2] == (500, "InternalServerError")
    api.put(admin, json={})
    found = values(
        api, "OE/OEOrders", **{"$filter": "OrderReference eq 'storebridge:shift4shop:2003'"}
    )
    assert len(found) == 1  # the lost answer's order exists: look up before re-creating


def test_ship_order_updates_order_shipment_and_stock_tables(
    api: httpx.Client, emu: Sage300Emulator
) -> None:
    entry = post_order(api, "storebridge:shift4shop:2004")
    uniq, number = entry["OrderUniquifier"], entry["OrderNumber"]
    before = emu.rows("ICILOC", ITEMNO="SB-MUG-002", LOCATION="MAIN")[0]
    first = emu.ship_order(number, tracking="1ZTEST0001", lines={"SB-MUG-002": 1}, ship_via="UPS")
    assert first["SHINUMBER"].startswith("SH")
    assert first["SHIPTRACK"].rstrip() == "1ZTEST0001"
    assert first["ORDNUMBER"] == number.ljust(22)
    assert first["SHIDATE"] == LOCAL_DATE
    lines = emu.rows("OESHID", SHIUNIQ=first["SHIUNIQ"])
    assert [(ln["LINETYPE"], ln["QTYSHIPPED"]) for ln in lines] == [(1, 1), (2, 0)]
    mug = emu.rows("OEORDD", ORDUNIQ=uniq, LINENUM=64)[0]
    assert (mug["QTYSHPTODT"], mug["QTYBACKORD"], mug["COMPLETE"]) == (1, 2, 0)
    assert emu.rows("OEORDH", ORDUNIQ=uniq)[0]["COMPLETE"] == 1
    stock = emu.rows("ICILOC", ITEMNO="SB-MUG-002", LOCATION="MAIN")[0]
    assert stock["QTYSHNOCST"] - before["QTYSHNOCST"] == 1
    assert before["QTYSALORDR"] - stock["QTYSALORDR"] == 1

    second = emu.ship_order(number, tracking="1ZTEST0002")
    head = emu.rows("OEORDH", ORDUNIQ=uniq)[0]
    assert (head["COMPLETE"], head["COMPDATE"], head["SHIPDATE"]) == (3, LOCAL_DATE, LOCAL_DATE)
    h1 = emu.rows("OEORDH1", ORDUNIQ=uniq)[0]
    assert h1["LASTSHINUM"] == second["SHINUMBER"]
    assert h1["NUMSHPMENT"] == 2
    assert h1["SHIPTRACK"].rstrip() == "1ZTEST0002"
    assert all(r["COMPLETE"] == 2 for r in emu.rows("OEORDD", ORDUNIQ=uniq) if r["LINETYPE"] == 1)
    shown = body(api.get(f"OE/OEOrders({uniq})"))
    assert shown["OrderCompleted"] == "CompleteNotIncluded"
    assert shown["ShipmentTrackingNumber"] == "1ZTEST0002"
    with pytest.raises(ValueError, match="complete"):
        emu.ship_order(number)


def test_the_database_reads_through_pyodbc(api: httpx.Client, sb: Sandbox) -> None:
    pyodbc = pytest.importorskip("pyodbc")
    if "SQLite3" not in pyodbc.drivers():
        pytest.skip("the SQLite3 ODBC driver is not installed (make system-deps installs it)")
    entry = post_order(api, "storebridge:shift4shop:2005")
    conn = pyodbc.connect(sb.env()["STOREBRIDGE_SAGE300_ODBC"], readonly=True)
    try:
        cur = conn.cursor()
        cur.execute(
            "SELECT ORDNUMBER, ORDUNIQ, ORDDATE, CUSTOMER, RTRIM(REFERENCE), INVNETWTX "
            "FROM OEORDH WHERE RTRIM(REFERENCE) = ?",
            "storebridge:shift4shop:2005",
        )
        number, uniq, date, customer, reference, total = cur.fetchone()
        assert number == entry["OrderNumber"].ljust(22)
        assert customer == "1100".ljust(12)
        assert (uniq, date) == (str(entry["OrderUniquifier"]), "20261120")  # DECIMAL as str
        assert Decimal(total) == entry["OrderTotal"]
        assert reference == "storebridge:shift4shop:2005"
        with pytest.raises(pyodbc.Error, match=r"readonly|read-only|read only"):
            cur.execute("UPDATE OEORDH SET PONUMBER = 'X'")
    finally:
        conn.close()


def test_batches_gl_balance_and_prepayments(api: httpx.Client, emu: Sage300Emulator) -> None:
    entry = {
        "Description": "storebridge shift4shop 2026-11-22",
        "JournalHeaders": [
            {
                "SourceLedger": "GL",
                "SourceType": "JE",
                "Description": "payments",
                "DocumentDate": "2026-11-22",
                "JournalDetails": [
                    {"AccountNumber": "1020", "Amount": 100.5, "Reference": "day"},
                    {"AccountNumber": "4000", "Amount": -100.5},
                ],
            }
        ],
    }
    r = api.post("GL/GLJournalBatches", json=entry)
    assert r.status_code == 201, r.text
    batch = body(r)
    assert len(batch["BatchNumber"]) == 6
    assert batch["Debits"] == batch["Credits"] == Decimal("100.5")
    details = batch["JournalHeaders"][0]["JournalDetails"]
    assert [d["TransactionNumber"] for d in details] == ["0000000020", "0000000040"]
    flt = "Description eq 'storebridge shift4shop 2026-11-22'"
    assert [b["BatchNumber"] for b in values(api, "GL/GLJournalBatches", **{"$filter": flt})] == [
        batch["BatchNumber"]
    ]
    entry["JournalHeaders"][0]["JournalDetails"][1]["Amount"] = -99  # type: ignore[index]
    assert error(api.post("GL/GLJournalBatches", json=entry)) == (
        400,
        "RecordInvalid",
        "Entry 00001 is out of balance.",
    )

    order = post_order(api, "storebridge:shift4shop:2006")
    receipt = {
        "BatchRecordType": "CA",
        "BatchDate": "2026-11-22",
        "Description": "storebridge prepayments",
        "BankCode": "SEATAC",
        "ReceiptsAdjustments": [
            {
                "CustomerNumber": "1100",
                "CheckReceiptNumber": "ch_123",
                "ReceiptTransactionType": "Prepayment",
                "DocumentType": "OrderNumber",
                "MatchingDocumentNumber": order["OrderNumber"],
                "EntryReference": "storebridge:shift4shop:2006",
                "BankReceiptAmount": order["OrderTotal"],
                "AppliedReceiptsAdjustments": [
                    {
                        "CustomerReceiptAmount": order["OrderTotal"],
                        "PPMatchingDocumentType": "OrderNumber",
                        "PPMatchingDocumentNumber": order["OrderNumber"],
                    }
                ],
            }
        ],
    }
    r = api.post("AR/ARReceiptAndAdjustmentBatches", content=dumps(receipt))
    assert r.status_code == 201, r.text
    created = body(r)
    assert created["NumberOfEntries"] == 1
    assert created["BatchTotal"] == order["OrderTotal"]
    saved = created["ReceiptsAdjustments"][0]
    assert saved["CustomerReceiptAmount"] == order["OrderTotal"]
    assert saved["CustomerUnappliedAmount"] == 0
    assert saved["AppliedReceiptsAdjustments"][0]["LineNumber"] == 20
    key = f"BatchRecordType='CA', BatchNumber={created['BatchNumber']}"
    assert (
        body(api.get(f"AR/ARReceiptAndAdjustmentBatches({key})"))["BatchNumber"]
        == (created["BatchNumber"])
    )
    row = emu.rows("ARTCR", CNTBTCH=created["BatchNumber"])[0]
    assert (row["RMITTYPE"], row["DOCTYPE"]) == (2, 4)
    assert row["IDINVCMTCH"] == order["OrderNumber"].ljust(22)
    ready = api.patch(
        f"AR/ARReceiptAndAdjustmentBatches({key})", json={"BatchStatus": "ReadyToPost"}
    )
    assert ready.status_code == 204
    receipt["ReceiptsAdjustments"][0]["CustomerNumber"] = "GHOST"  # type: ignore[index]
    assert error(api.post("AR/ARReceiptAndAdjustmentBatches", content=dumps(receipt))) == (
        400,
        "RecordInvalid",
        "Customer Number 'GHOST' does not exist.",
    )


def test_helpers_dump_and_load(emu: Sage300Emulator, api: httpx.Client) -> None:
    snapshot = json.loads(json.dumps(emu.dump(), default=str))
    emu.set_stock("SB-BAG-004", "MAIN", 7)
    row = emu.rows("ICILOC", ITEMNO="SB-BAG-004", LOCATION="MAIN")[0]
    live = row["QTYONHAND"] + row["QTYRENOCST"] + row["QTYADNOCST"] - row["QTYSHNOCST"]
    assert live == 7
    assert row["AUDTDATE"] == LOCAL_DATE
    emu.set_price("SB-BAG-004", PRICE_LIST, "31.25")
    assert emu.rows("ICPRIC", ITEMNO="SB-BAG-004")[0]["BASEPRICE"] == 31.25
    assert price(emu, "SB-BAG-004") == Decimal("31.25")
    emu.update_customer("1100", TEXTPHON1="+1 555 0100 0199")
    assert emu.rows("ARCUS", IDCUST="1100")[0]["TEXTPHON1"].rstrip() == "+1 555 0100 0199"
    entry = post_order(api, "storebridge:shift4shop:2007")
    emu.complete_order(entry["OrderNumber"])
    assert emu.rows("OEORDH", ORDUNIQ=entry["OrderUniquifier"])[0]["COMPLETE"] == 3
    emu.delete_order(entry["OrderNumber"])
    assert emu.rows("OEORDD", ORDUNIQ=entry["OrderUniquifier"]) == []
    open_order = post_order(api, "storebridge:shift4shop:2008")
    done = emu.demo_activity()
    assert len(done) == 3
    assert any(open_order["OrderNumber"] in d or "shipped" in d for d in done)

    emu.load(snapshot)
    assert emu.rows("ICPRIC", ITEMNO="SB-BAG-004")[0]["BASEPRICE"] != 31.25
    assert emu.rows("OEORDH", ORDUNIQ=open_order["OrderUniquifier"]) == []
    assert values(api, "AR/ARCustomers", **{"$filter": "CustomerNumber eq '1100'"})
