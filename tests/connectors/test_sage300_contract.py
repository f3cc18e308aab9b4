"""Sage 300 connector against the Sage 300 emulator: the shared contract through the Web API
(HTTPS, HTTP Basic), plus the company database read for real over unixODBC and the SQLite ODBC
driver (the emulator's WAL-mode SQLite file, opened read-only).

Beyond the contract: a POST whose answer is lost is never resent and is found afterwards by its
OrderReference over ODBC; what the Web API writes reads back over ODBC normalised; a shipment
made in Sage shows in the AUDTDATE/AUDTTIME poll with its tracking number.

The module starts a sandbox of its own with only the Sage 300 emulator: the contract injects
faults and counts requests, which must not disturb the session sandbox's other users.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors.http import ApiUsage
from connectors.sage300 import odata, resources
from connectors.sage300.client import Sage300Client
from connectors.sage300.errors import Sage300Error, Sage300WriteUnknown
from connectors.sage300.odbc import Sage300Database
from connectors.sage300.settings import Sage300Settings
from connectors.sage300.values import stamp
from connectors.settings import load_settings
from sandbox.core import FaultConfig
from sandbox.runner import Sandbox
from sandbox.seed import SeedConfig
from tests.connectors.contract import ConnectorContract, FakeSleep

pyodbc = pytest.importorskip("pyodbc", reason="pyodbc (and unixODBC's libodbc) is not installed")
if "SQLite3" not in pyodbc.drivers():
    pytest.skip(
        "the SQLite3 ODBC driver is not registered with unixODBC (install libsqliteodbc; "
        "`make test` does)",
        allow_module_level=True,
    )

ANCHOR = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
SLUG = "sage300"
READ = resources.IC_ITEMS
PAGE = 17  # several pages of the seeded items; the last one short


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """A sandbox of the Sage 300 emulator alone (overrides the session sandbox here)."""
    workdir: Path = tmp_path_factory.mktemp(SLUG)
    with Sandbox(workdir, systems=(SLUG,), seed=SeedConfig(anchor=ANCHOR)) as sb:
        yield sb


def emulator(sandbox: Sandbox) -> Any:
    return sandbox.emulator(SLUG)


def settings(sandbox: Sandbox, **overrides: Any) -> Sage300Settings:
    prefix = "STOREBRIDGE_SAGE300_"
    env = {
        k.removeprefix(prefix).lower(): v for k, v in sandbox.env().items() if k.startswith(prefix)
    }
    return load_settings(Sage300Settings, **{**env, **overrides})


def rows(sandbox: Sandbox, table: str, **where: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = emulator(sandbox).rows(table, **where)
    return found


def text(value: Any) -> str:
    return str(value).rstrip()


class TestSage300Contract(ConnectorContract):
    system = SLUG

    @pytest.fixture(autouse=True)
    def _keep(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox

    def client(self, sandbox: Sandbox, sleep: FakeSleep, **overrides: Any) -> Sage300Client:
        options = {"page_size": PAGE, "max_attempts": 8, **overrides}
        return Sage300Client(settings(sandbox, **options), sleep=sleep, usage=ApiUsage(SLUG))

    def read_all(self, client: Sage300Client) -> list[str]:
        return [
            r["UnformattedItemNumber"]
            for r in client.query(READ, select=["UnformattedItemNumber", "Description"])
        ]

    def expected_ids(self, sandbox: Sandbox) -> list[str]:
        return [text(r["ITEMNO"]) for r in rows(sandbox, "ICITEM")]

    def changed_window(self) -> tuple[dt.datetime, dt.datetime]:
        """Seeded rows all carry the seeding stamp: restock four items an hour apart (the
        business clock pinned), and take the window of the middle two."""
        emu = emulator(self._sandbox)
        stocked = rows(self._sandbox, "ICILOC")[:4]
        base = ANCHOR + dt.timedelta(hours=3, minutes=7, seconds=11)
        clock = emu.clock
        try:
            for i, r in enumerate(stocked):
                emu.clock = lambda i=i: base + dt.timedelta(hours=i)
                emu.set_stock(text(r["ITEMNO"]), text(r["LOCATION"]), 40 + i)
        finally:
            emu.clock = clock
        return base + dt.timedelta(hours=1), base + dt.timedelta(hours=2)

    def read_changed(
        self, client: Sage300Client, since: dt.datetime, until: dt.datetime
    ) -> list[str]:
        with Sage300Database(client.settings) as db:
            keys = db.changed_keys("ICILOC", ["ITEMNO", "LOCATION"], since, until)
        return [f"{item}@{location}" for item, location in keys]

    def expected_changed(
        self, sandbox: Sandbox, since: dt.datetime, until: dt.datetime
    ) -> list[str]:
        zone = emulator(sandbox).timezone
        out = []
        for r in rows(sandbox, "ICILOC"):
            at = stamp(r["AUDTDATE"], r["AUDTTIME"], zone)
            if at is not None and since <= at <= until:
                out.append(f"{text(r['ITEMNO'])}@{text(r['LOCATION'])}")
        return out

    def bad_request(self, client: Sage300Client) -> None:
        client.create(resources.OE_ORDERS, order_payload(self._sandbox, "NOSUCH", "contract-bad"))

    def write_twice(self, client: Sage300Client, sandbox: Sandbox) -> tuple[int, int]:
        payload = {"CustomerNumber": "CONTRACT1", "CustomerName": "Contract", "GroupCode": "RTL"}
        counts = []
        for _ in range(2):
            try:
                client.create(resources.AR_CUSTOMERS, payload)
            except Sage300Error as exc:
                if not exc.duplicate:  # a duplicate of our own number: it is there
                    raise
            counts.append(len(rows(sandbox, "ARCUS")))
        return counts[0], counts[1]

    def wrong_credentials(self) -> dict[str, Any]:
        return {"password": "NOT-THE-PASSWORD"}


def order_payload(sandbox: Sandbox, customer: str, reference: str) -> dict[str, Any]:
    item = next(r for r in rows(sandbox, "ICILOC"))
    return {
        "CustomerNumber": customer,
        "PurchaseOrderNumber": reference[-22:],
        "OrderReference": reference,
        "OrderDate": "2026-11-23",
        "OrderDetails": [
            {
                "LineType": "Item",
                "Item": text(item["ITEMNO"]),
                "Location": text(item["LOCATION"]),
                "QuantityOrdered": 2,
                "PricingUnitPrice": Decimal("19.95"),
                "PriceOverride": True,
            }
        ],
    }


def a_customer(sandbox: Sandbox) -> str:
    return text(rows(sandbox, "ARCUS")[0]["IDCUST"])


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[Sage300Client]:
    with Sage300Client(settings(sandbox), sleep=FakeSleep(), usage=ApiUsage(SLUG)) as c:
        yield c


@pytest.fixture
def db(sandbox: Sandbox) -> Iterator[Sage300Database]:
    with Sage300Database(settings(sandbox)) as database:
        yield database


def test_an_order_written_through_the_web_api_reads_back_over_odbc(
    client: Sage300Client, db: Sage300Database, sandbox: Sandbox
) -> None:
    reference = "storebridge:shift4shop:contract-1"
    created = client.create(
        resources.OE_ORDERS, order_payload(sandbox, a_customer(sandbox), reference)
    )
    uniq = created["OrderUniquifier"]
    assert created["OrderNumber"]
    found = db.orders_by_reference([reference, "storebridge:shift4shop:none"])
    assert list(found) == [reference]
    assert found[reference]["ORDUNIQ"] == uniq
    assert found[reference]["ORDNUMBER"] == created["OrderNumber"]  # CHAR padding removed
    (order,) = db.orders([uniq])
    assert order.extra is not None
    (line,) = order.lines
    assert line["QTYORDERED"] == Decimal("2.0000")
    assert isinstance(order.header["ORDDATE"], dt.date)
    again = client.get(resources.OE_ORDERS, uniq)
    assert again is not None
    assert again["OrderReference"] == reference
    assert client.get(resources.AR_CUSTOMERS, "NOSUCHCUST") is None


def test_a_lost_order_answer_is_not_resent_and_is_found_by_reference(
    client: Sage300Client, db: Sage300Database, sandbox: Sandbox
) -> None:
    reference = "storebridge:shift4shop:contract-lost"
    emu = emulator(sandbox)
    emu.set_faults(FaultConfig(server_error_share=1.0, after_apply_share=1.0, seed=1))
    try:
        with pytest.raises(Sage300WriteUnknown):
            client.create(
                resources.OE_ORDERS, order_payload(sandbox, a_customer(sandbox), reference)
            )
    finally:
        emu.set_faults(FaultConfig())
    assert client.calls == 1
    assert list(db.orders_by_reference([reference])) == [reference]
    stored = [r for r in rows(sandbox, "OEORDH") if text(r["REFERENCE"]) == reference]
    assert len(stored) == 1


def test_a_shipment_shows_in_the_audit_poll_with_its_tracking(
    client: Sage300Client, db: Sage300Database, sandbox: Sandbox
) -> None:
    emu = emulator(sandbox)
    reference = "storebridge:shift4shop:contract-ship"
    created = client.create(
        resources.OE_ORDERS, order_payload(sandbox, a_customer(sandbox), reference)
    )
    shipped_at = ANCHOR + dt.timedelta(days=2, hours=5)
    clock = emu.clock
    emu.clock = lambda: shipped_at
    try:
        emu.ship_order(created["OrderNumber"], tracking="1Z999AA10123456784")
    finally:
        emu.clock = clock
    window = (shipped_at - dt.timedelta(minutes=1), shipped_at + dt.timedelta(minutes=1))
    assert db.changed_order_keys(*window) == [created["OrderUniquifier"]]
    (order,) = db.orders(db.changed_order_keys(*window))
    assert order.extra is not None
    assert order.extra["SHIPTRACK"] == "1Z999AA10123456784"
    ((shipment, lines),) = order.shipments
    assert shipment["SHIPTRACK"] == "1Z999AA10123456784"
    assert lines[0]["QTYSHIPPED"] == Decimal("2.0000")


def test_reads_count_templates_and_read_only_odbc(
    client: Sage300Client, db: Sage300Database, sandbox: Sandbox
) -> None:
    number = a_customer(sandbox)
    customer = client.get(resources.AR_CUSTOMERS, number)
    assert customer is not None
    assert customer["CustomerNumber"] == number
    assert client.count(resources.AR_CUSTOMERS) == len(rows(sandbox, "ARCUS"))
    listed = list(client.query(resources.AR_CUSTOMERS, filter=odata.eq("CustomerNumber", number)))
    assert [c["CustomerNumber"] for c in listed] == [number]
    assert isinstance(client.template(resources.AR_CUSTOMERS), dict)
    assert db.customers([number])[number]["IDCUST"] == number
    assert db.check_schema() == []
    with pytest.raises(pyodbc.Error, match="readonly"):
        db.connection().cursor().execute('UPDATE "ARCUS" SET "NAMECUST" = ?', ["x"])
