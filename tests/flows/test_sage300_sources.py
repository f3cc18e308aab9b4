"""The Sage 300 sources against the emulator, through pyodbc and the SQLite ODBC driver for real.

Change capture is the AUDTDATE/AUDTTIME poll (`flows/systems/sage300/changes.py`): a window
reads exactly the records changed in it, pages by key without duplicates, an overlap re-reads
without loss, a change stamped at a window's edge is read, the server's time zone (and a
daylight-saving fold) is honoured, and each incremental poll costs a known number of ODBC
queries (printed: the lead reports them). Every change is stamped from the emulator's injected
clock, each scenario on a day of its own, so no test depends on the wall clock or on another.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest

from flows.ports import Context, Tombstone
from flows.systems.sage300 import catalog, fulfilment, inventory
from sandbox.runner import Sandbox
from sandbox.seed import SeedConfig
from tests.conftest import ANCHOR

pyodbc = pytest.importorskip("pyodbc", reason="pyodbc (and unixODBC) are not installed")
if "SQLite3" not in pyodbc.drivers():
    pytest.skip(
        f"the SQLite3 ODBC driver is not registered with unixODBC (drivers: {pyodbc.drivers()}); "
        "`make test` installs it (libsqliteodbc)",
        allow_module_level=True,
    )

UTC = dt.UTC
MINUTE = dt.timedelta(minutes=1)
OVERLAP = dt.timedelta(minutes=10)  # the engine's default overlap (SyncSettings)
ORDERS_AT = dt.datetime(2026, 12, 1, 9, tzinfo=UTC)
VANCOUVER = "America/Vancouver"
STORE, OTHER_STORE = "shift4shop", "bigcommerce"


@contextmanager
def at(emulator: Any, moment: dt.datetime) -> Iterator[Any]:
    """The emulator with its business clock stopped at `moment` (its stamps come from it)."""
    clock = emulator.clock
    emulator.clock = lambda: moment
    try:
        yield emulator
    finally:
        emulator.clock = clock


@pytest.fixture(scope="module")
def sage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A sandbox with the Sage 300 emulator only, its environment set, and five orders entered
    through the Web API: three storebridge wrote for shift4shop, one for bigcommerce, one a
    clerk typed in Sage."""
    from connectors.sage300 import Sage300Client

    sandbox = Sandbox(
        tmp_path_factory.mktemp("sage300-sources"),
        systems=("sage300",),
        seed=SeedConfig(anchor=ANCHOR),
    ).start()
    mp = pytest.MonkeyPatch()
    try:
        for key, value in sandbox.env().items():
            mp.setenv(key, value)
        emulator: Any = sandbox.emulator("sage300")
        items = sorted(
            r["ITEMNO"].strip() for r in emulator.rows("ICITEM") if int(r["STOCKITEM"]) == 1
        )
        customer = emulator.rows("ARCUS")[0]["IDCUST"].strip()
        references = {
            "mine": f"storebridge:{STORE}:5001",
            "mine2": f"storebridge:{STORE}:5002",
            "mine3": f"storebridge:{STORE}:5003",
            "other_store": f"storebridge:{OTHER_STORE}:7001",
            "typed": "PHONE ORDER 42",
        }
        orders: dict[str, dict[str, Any]] = {}
        client = Sage300Client.from_env()
        try:
            for n, (name, reference) in enumerate(references.items()):
                lines = [
                    {"LineType": "Item", "Item": item, "Location": "MAIN", "QuantityOrdered": 2}
                    for item in items[20 + 2 * n : 22 + 2 * n]
                ]
                payload = {
                    "CustomerNumber": customer,
                    "OrderReference": reference,
                    "OrderDetails": lines,
                }
                with at(emulator, ORDERS_AT + dt.timedelta(seconds=n)):
                    orders[name] = client.create("OE/OEOrders", payload)
        finally:
            client.close()
        yield {"sandbox": sandbox, "emulator": emulator, "items": items, "orders": orders}
    finally:
        mp.undo()
        sandbox.stop()


def source(cls: type, peer: str = STORE, **settings: Any) -> Any:
    """A source of `cls` for the pair with `peer`, its database from the environment
    (`settings` override, e.g. the server's time zone)."""
    from connectors.sage300 import Sage300Database, Sage300Settings
    from connectors.settings import load_settings

    db = Sage300Database(load_settings(Sage300Settings, **settings))
    return cls(Context(None, peer, "test"), db=db)


def read_all(src: Any, since: dt.datetime, until: dt.datetime) -> tuple[list[Any], int, int]:
    """Every raw record of the window as the engine reads it (page after page): the records,
    the pages, the ODBC queries sent."""
    before, records, pages, cursor = src.db.queries, [], 0, None
    while True:
        page = src.read_changed(since, until, cursor)
        records += page.records
        pages += 1
        cursor = page.next
        if cursor is None:
            return records, pages, src.db.queries - before


def ids(src: Any, since: dt.datetime, until: dt.datetime) -> list[str]:
    """The ids of the records of the window, in the order read (each one decoded)."""
    records, _, _ = read_all(src, since, until)
    out = []
    for raw in records:
        record = src.decode(raw)
        assert record.ref.id == src.external_id(raw)
        out.append(record.ref.id)
    return out


def uniq(order: dict[str, Any]) -> str:
    return str(order["OrderUniquifier"])


@pytest.fixture(scope="module")
def sources(sage: dict[str, Any]) -> Iterator[dict[str, Any]]:
    opened = {
        "fulfilment": source(fulfilment.FulfilmentSource),
        "catalog": source(catalog.ProductSource),
        "inventory": source(inventory.StockSource),
    }
    yield opened
    for s in opened.values():
        s.close()


def test_only_the_orders_storebridge_wrote_for_the_store_are_read(
    sage: dict[str, Any], sources: dict[str, Any]
) -> None:
    orders, window = sage["orders"], (ORDERS_AT - MINUTE, ORDERS_AT + MINUTE)
    assert ids(sources["fulfilment"], *window) == [
        uniq(orders[k]) for k in ("mine", "mine2", "mine3")
    ]
    other = source(fulfilment.FulfilmentSource, peer=OTHER_STORE)
    try:
        found = [other.decode(r) for r in read_all(other, *window)[0]]
    finally:
        other.close()
    assert [(f.ref.id, f.order.system, f.order.id) for f in found] == [
        (uniq(orders["other_store"]), OTHER_STORE, "7001")
    ]


def test_a_window_returns_exactly_the_records_changed_in_it(
    sage: dict[str, Any], sources: dict[str, Any]
) -> None:
    emulator, items, orders = sage["emulator"], sage["items"], sage["orders"]
    t = dt.datetime(2026, 12, 2, 12, tzinfo=UTC)
    with at(emulator, t):
        emulator.set_price(items[0], "RTL", "12.34")
    with at(emulator, t + 10 * MINUTE):
        emulator.set_stock(items[1], "EAST", 7)
    with at(emulator, t + 20 * MINUTE):
        emulator.ship_order(orders["mine"]["OrderNumber"], tracking="1ZSAGE0000000001")

    def around(moment: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        return moment - MINUTE, moment + MINUTE

    product = [sources["catalog"].decode(r) for r in read_all(sources["catalog"], *around(t))[0]]
    assert [(p.sku, p.price.amount if p.price else None) for p in product] == [
        (items[0], Decimal("12.34"))
    ]
    stock = [
        sources["inventory"].decode(r)
        for r in read_all(sources["inventory"], *around(t + 10 * MINUTE))[0]
    ]
    assert [s.sku for s in stock] == [items[1]]
    assert {lv.location: lv.on_hand for lv in stock[0].levels}["EAST"] == 7
    shipped = [
        sources["fulfilment"].decode(r)
        for r in read_all(sources["fulfilment"], *around(t + 20 * MINUTE))[0]
    ]
    assert [(f.ref.id, f.order.id) for f in shipped] == [(uniq(orders["mine"]), "5001")]
    assert [s.tracking_number for s in shipped[0].shipments] == ["1ZSAGE0000000001"]
    # shipping moved the stock of the order's items (ICILOC), not their catalogue rows
    assert ids(sources["inventory"], *around(t + 20 * MINUTE)) == items[20:22]
    assert ids(sources["catalog"], *around(t + 20 * MINUTE)) == []
    quiet = (t + 30 * MINUTE, t + 40 * MINUTE)
    assert [ids(s, *quiet) for s in sources.values()] == [[], [], []]


def test_pages_by_key_and_the_overlap_re_read_without_duplicates(
    sage: dict[str, Any], sources: dict[str, Any]
) -> None:
    emulator, items, orders = sage["emulator"], sage["items"], sage["orders"]
    t = dt.datetime(2026, 12, 3, 12, tzinfo=UTC)
    changed = items[2:7]
    for n, item in enumerate(changed):
        with at(emulator, t + dt.timedelta(seconds=10 * n)):
            emulator.set_price(item, "RTL", f"{20 + n}.00")
    with at(emulator, t + dt.timedelta(seconds=20)):  # OEORDH, OEORDH1, OEORDD, OESHIH at once
        emulator.ship_order(orders["mine2"]["OrderNumber"], tracking="1ZSAGE0000000002")
    products = sources["catalog"]
    products.poll.page_size = 2
    try:
        records, pages, _ = read_all(products, t - MINUTE, t + MINUTE)
        first = ids(products, t - MINUTE, t + dt.timedelta(seconds=25))
        # the next incremental run starts at the watermark minus the overlap
        second = ids(products, t + dt.timedelta(seconds=25) - OVERLAP, t + MINUTE)
    finally:
        products.poll.page_size = catalog.page_size(products.db)
    assert pages == 3
    assert [products.external_id(r) for r in records] == changed
    assert first == changed[:3]
    assert second == changed  # the overlap re-reads (each record once per window)
    assert ids(sources["fulfilment"], t - MINUTE, t + MINUTE) == [uniq(orders["mine2"])]


def test_a_change_stamped_at_the_edge_of_a_window_is_read_by_it(
    sage: dict[str, Any], sources: dict[str, Any]
) -> None:
    emulator, items, products = sage["emulator"], sage["items"], sources["catalog"]
    t = dt.datetime(2026, 12, 4, 12, tzinfo=UTC)
    with at(emulator, t):
        emulator.set_price(items[7], "RTL", "31.00")
    hour, tick = dt.timedelta(hours=1), dt.timedelta(milliseconds=10)
    assert ids(products, t - hour, t) == [items[7]]  # at the end
    assert ids(products, t, t + OVERLAP) == [items[7]]  # at the start
    assert ids(products, t - hour, t - tick) == []
    assert ids(products, t + tick, t + OVERLAP) == []
    # a change between hundredths (Sage stamps HHMMSShh): a run ending right after it reads
    # it, and so does the next one (its overlap); never neither
    late = t + 30 * MINUTE + dt.timedelta(microseconds=123_456)
    with at(emulator, late):
        emulator.set_price(items[8], "RTL", "32.00")
    assert ids(products, late - MINUTE, late) == [items[8]]
    assert ids(products, late - OVERLAP, late + hour) == [items[8]]


def test_windows_are_read_in_the_time_zone_of_the_sage_server(
    sage: dict[str, Any],
) -> None:
    emulator, items = sage["emulator"], sage["items"]
    zone, emulator.timezone = emulator.timezone, VANCOUVER
    local = source(catalog.ProductSource, timezone=VANCOUVER)
    wrong = source(catalog.ProductSource, timezone="UTC")
    try:
        t = dt.datetime(2027, 1, 10, 3, tzinfo=UTC)  # 19:00 on Jan 9 in Vancouver (PST)
        with at(emulator, t):
            emulator.set_price(items[9], "RTL", "41.00")
        row = emulator.rows("ICPRIC", ITEMNO=items[9], PRICELIST="RTL")[0]
        assert (int(row["AUDTDATE"]), int(row["AUDTTIME"])) == (20270109, 19000000)
        assert ids(local, t - MINUTE, t + MINUTE) == [items[9]]
        assert ids(wrong, t - MINUTE, t + MINUTE) == []  # read as UTC it is 8 hours off
        # 2026-11-01: clocks go back at 09:00 UTC (02:00 PDT -> 01:00 PST); 01:00-02:00 twice
        before = dt.datetime(2026, 11, 1, 8, 40, tzinfo=UTC)  # 01:40 PDT
        after = dt.datetime(2026, 11, 1, 9, 30, tzinfo=UTC)  # 01:30 PST
        with at(emulator, before):
            emulator.set_price(items[10], "RTL", "42.00")
        with at(emulator, after):
            emulator.set_price(items[11], "RTL", "43.00")
        five = dt.timedelta(minutes=5)
        assert ids(local, before - five, before + five) == [items[10]]
        assert ids(local, after - five, after + five) == [items[11]]
        # across the change: every wall-clock time of the window (the hour repeats)
        assert ids(local, before - five, after + five) == [items[10], items[11]]
        # 01:55 PDT .. 01:35 PST: as local times the window runs backwards, yet the change at
        # 01:30 PST is read (with at most an hour more: 01:40 PDT, read twice is harmless)
        fold = dt.datetime(2026, 11, 1, 8, 55, tzinfo=UTC)
        assert items[11] in ids(local, fold, after + five)
    finally:
        emulator.timezone = zone
        local.close()
        wrong.close()


def test_odbc_queries_per_incremental_poll(sage: dict[str, Any], sources: dict[str, Any]) -> None:
    emulator, items, orders = sage["emulator"], sage["items"], sage["orders"]
    t = dt.datetime(2026, 12, 5, 12, tzinfo=UTC)
    with at(emulator, t):
        emulator.ship_order(orders["mine3"]["OrderNumber"], tracking="1ZSAGE0000000003")
        emulator.set_price(items[12], "RTL", "51.00")
        emulator.set_stock(items[13], "MAIN", 3)
    with at(emulator, t + dt.timedelta(hours=1)):
        emulator.ship_order(orders["typed"]["OrderNumber"])  # not storebridge's
    window = (t - OVERLAP, t + 5 * MINUTE)  # an incremental run: watermark minus the overlap
    figures: dict[str, dict[str, int]] = {}
    for name, src in sources.items():
        records, pages, queries = read_all(src, *window)
        _, _, idle = read_all(src, t + 20 * MINUTE, t + 30 * MINUTE)
        figures[name] = {"records": len(records), "pages": pages, "queries": queries}
        figures[name]["queries_when_nothing_changed"] = idle
    _, _, others = read_all(sources["fulfilment"], t + 55 * MINUTE, t + 65 * MINUTE)
    figures["fulfilment"]["queries_when_only_orders_of_others_changed"] = others
    print(f"Sage 300 ODBC queries per incremental poll: {figures}")  # the lead's figure
    assert figures["fulfilment"]["records"] == 1
    assert figures["fulfilment"]["queries"] == fulfilment.ODBC_QUERIES_PER_PAGE == 6
    assert figures["catalog"]["queries"] == catalog.ODBC_QUERIES_PER_PAGE == 5
    assert figures["inventory"]["queries"] == inventory.ODBC_QUERIES_PER_PAGE == 3
    assert {f["queries_when_nothing_changed"] for f in figures.values()} == {1}
    assert others == 2


def test_a_change_of_a_size_item_is_a_change_of_its_product_with_every_variant(
    sage: dict[str, Any], sources: dict[str, Any]
) -> None:
    emulator, products = sage["emulator"], sources["catalog"]
    t = dt.datetime(2026, 12, 6, 12, tzinfo=UTC)
    with at(emulator, t):
        emulator.set_price("SB-TEE-001-L", "RTL", "77.00")  # a variant's pricing only
    with at(emulator, t + MINUTE):
        emulator.set_optional_field("SB-TEE-011-XS", "SIZE", "XXS")  # an option renamed
    records, _, _ = read_all(products, t - MINUTE, t + 2 * MINUTE)
    found = [products.decode(r) for r in records]
    assert [(p.sku, products.external_id(r)) for p, r in zip(found, records, strict=True)] == [
        ("SB-TEE-001", "SB-TEE-001"),
        ("SB-TEE-011", "SB-TEE-011"),
    ]
    tee = {v.sku: v for v in found[0].variants}
    assert sorted(tee) == [f"SB-TEE-001-{s}" for s in ("L", "M", "S", "XL", "XS")]
    assert (found[0].options, tee["SB-TEE-001-L"].price.amount) == (("Size",), Decimal("77.00"))
    assert tee["SB-TEE-001-XS"].price is None  # as the product's
    assert {v.sku: v.options[0].value for v in found[1].variants}["SB-TEE-011-XS"] == "XXS"
    page = products.read_ids(["SB-TEE-001-M", "SB-TEE-001", "SB-BAG-004"], None)
    assert ([products.external_id(r) for r in page.records], page.failures) == (
        ["SB-BAG-004", "SB-TEE-001"],
        [],
    )
    assert products.decode(page.records[0]).variants == ()  # no item names it: no variants


def test_read_ids_reads_by_key_and_unknown_ids_are_not_found(
    sage: dict[str, Any], sources: dict[str, Any]
) -> None:
    emulator, items, orders = sage["emulator"], sage["items"], sage["orders"]
    wanted = [
        orders["mine"]["OrderNumber"],
        uniq(orders["mine2"]),
        "ORD999999999999",
        orders["other_store"]["OrderNumber"],
        orders["typed"]["OrderNumber"],
    ]
    page = sources["fulfilment"].read_ids(wanted, None)
    assert [sources["fulfilment"].decode(r).order.id for r in page.records] == ["5001", "5002"]
    assert [(f.external_id, f.error_class) for f in page.failures] == [
        (i, "NotFoundError") for i in wanted[2:]
    ]
    for name in ("catalog", "inventory"):
        page = sources[name].read_ids([items[0], "NO-SUCH-ITEM"], None)
        assert [sources[name].decode(r).ref.id for r in page.records] == [items[0]]
        assert [(f.record, f.error_class) for f in page.failures] == [
            (f"sage300:{sources[name].entity.value}:NO-SUCH-ITEM", "NotFoundError")
        ]
    service = items[-1]  # made a non-stock item by hand (no stamp): no quantities to send
    emulator.execute('UPDATE "ICITEM" SET "STOCKITEM" = 0 WHERE RTRIM("ITEMNO") = ?', [service])
    (raw,) = sources["inventory"].read_ids([service], None).records
    with pytest.raises(Tombstone, match="not a stock item"):
        sources["inventory"].decode(raw)


def test_the_sources_are_the_ones_the_registry_names() -> None:
    from flows import registry
    from transforms.canonical import Entity

    spec = registry.spec("sage300")
    assert spec.adapter(Entity.FULFILLMENT, registry.Role.SOURCE) is fulfilment.FulfilmentSource
    assert spec.adapter(Entity.PRODUCT, registry.Role.SOURCE) is catalog.ProductSource
    assert spec.adapter(Entity.INVENTORY, registry.Role.SOURCE) is inventory.StockSource
    assert registry.load(spec.codecs[Entity.FULFILLMENT]) is fulfilment.FulfillmentCodec
