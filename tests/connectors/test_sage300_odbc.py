"""Sage 300 company database over pyodbc, for real: unixODBC + the SQLite ODBC driver reading a
small SQLite file this module builds with `sqlite3` in Sage's storage forms (space-padded CHAR,
YYYYMMDD/HHMMSShh decimals, 0/1 booleans, DECIMAL amounts).

Checks the one normaliser, read-only enforcement, keyset paging, chunked look-ups, the
AUDTDATE/AUDTTIME window (DST included), the named queries and driver errors without secrets.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from connectors.http import AuthError, ConfigError, TransientError
from connectors.sage300 import tables
from connectors.sage300.odbc import Sage300Database, read_only_connection_string, translate
from connectors.sage300.settings import Sage300Settings
from connectors.sage300.values import (
    audit_bounds,
    convert,
    normalise,
    sage_date,
    sage_time,
    stamp,
)
from connectors.settings import load_settings

pyodbc = pytest.importorskip("pyodbc", reason="pyodbc (and unixODBC's libodbc) is not installed")
if "SQLite3" not in pyodbc.drivers():
    pytest.skip(
        "the SQLite3 ODBC driver is not registered with unixODBC (install libsqliteodbc; "
        "`make test` does)",
        allow_module_level=True,
    )

NY = "America/New_York"
DAY = dt.date(2026, 11, 20)


def ddl(table: tables.Table) -> str:
    cols = []
    for c in table.columns.values():
        if c.kind is tables.Kind.CHAR:
            sql = f"CHAR({c.length})"
        elif c.kind is tables.Kind.BCD:
            sql = f"DECIMAL(19,{c.scale})"
        elif c.kind in (tables.Kind.DATE, tables.Kind.TIME):
            sql = "DECIMAL(9,0)"
        else:
            sql = "SMALLINT"
        cols.append(f'"{c.name}" {sql} NOT NULL')
    key = ", ".join(f'"{k}"' for k in table.key)
    return f'CREATE TABLE "{table.name}" ({", ".join(cols)}, PRIMARY KEY ({key}))'


def stored(col: tables.Column, value: Any) -> Any:
    if col.kind is tables.Kind.CHAR:
        return str(value).ljust(col.length)
    if col.kind is tables.Kind.DATE:
        return sage_date(value) if isinstance(value, dt.date) else value
    if col.kind is tables.Kind.TIME:
        return sage_time(value) if isinstance(value, dt.time) else value
    if col.kind is tables.Kind.BCD:
        return str(value)  # a TEXT that SQLite's NUMERIC affinity stores as a number
    return int(value)


def insert(conn: sqlite3.Connection, name: str, **values: Any) -> None:
    table = tables.table(name)
    row = {c: ("" if col.kind is tables.Kind.CHAR else 0) for c, col in table.columns.items()}
    row.update(values)
    cols = list(row)
    conn.execute(
        f'INSERT INTO "{name}" ({", ".join(cols)}) VALUES ({", ".join("?" * len(cols))})',
        [stored(table.columns[c], row[c]) for c in cols],
    )


def audit(moment: dt.datetime) -> dict[str, int]:
    local = moment.astimezone(ZoneInfo(NY))
    return {"AUDTDATE": sage_date(local.date()), "AUDTTIME": sage_time(local.time())}


T0 = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)  # 10:00 in New York


def seed(conn: sqlite3.Connection) -> None:
    for i in range(1, 1201):  # more than two IN chunks of 500
        insert(
            conn,
            "ICITEM",
            ITEMNO=f"SKU{i:05}",
            DESC=f"Item {i}",
            INACTIVE=i % 100 == 0,
            SELLABLE=1,
            STOCKUNIT="EA",
            UNITWGT="1.5",
            DATELASTMN=DAY,
            **audit(T0 + dt.timedelta(minutes=i)),
        )
    for i, loc in [(1, "MAIN"), (1, "WEST"), (2, "MAIN")]:
        insert(
            conn,
            "ICILOC",
            ITEMNO=f"SKU{i:05}",
            LOCATION=loc,
            ACTIVE=1,
            QTYONHAND="10.5",
            QTYADNOCST="-2",
            QTYCOMMIT="1.25",
            **audit(T0),
        )
    insert(conn, "ICPRIC", CURRENCY="USD", ITEMNO="SKU00001", PRICELIST="RTL", DEFBUNIT="EA")
    insert(conn, "ICPRIC", CURRENCY="USD", ITEMNO="SKU00001", PRICELIST="WHS", DEFBUNIT="EA")
    for plist, unit, price in [
        ("RTL", "BOX", "99"),
        ("RTL", "EA", "19.990000"),
        ("WHS", "EA", "15"),
    ]:
        insert(
            conn,
            "ICPRICP",
            CURRENCY="USD",
            ITEMNO="SKU00001",
            PRICELIST=plist,
            DPRICETYPE=1,
            QTYUNIT=unit,
            UNITPRICE=price,
        )
    insert(
        conn, "ICPRICP", CURRENCY="USD", ITEMNO="SKU00001", PRICELIST="RTL", DPRICETYPE=2,
        QTYUNIT="EA", UNITPRICE="9",
    )  # fmt: skip
    for item, size in [("SKU00002", "S"), ("SKU00003", "M"), ("SKU00004", "")]:  # of SKU00001
        insert(conn, "ICITEMO", ITEMNO=item, OPTFIELD="STOREPARENT", VALUE="SKU00001")
        insert(conn, "ICITEMO", ITEMNO=item, OPTFIELD="SIZE", VALUE=size)
        insert(conn, "ICITEMO", ITEMNO=item, OPTFIELD="COLOR", VALUE="Red")
    for n, email in [
        ("C1", "Ann@Example.TEST"),
        ("C2", "bob@example.test"),
        ("C3", "ann@example.test"),
    ]:
        insert(conn, "ARCUS", IDCUST=n, NAMECUST=f"Customer {n}", EMAIL2=email, SWACTV=1)
    for uniq, ref in [
        (10021601, "storebridge:shift4shop:1"),
        (10021602, "storebridge:shift4shop:2"),
    ]:
        insert(
            conn,
            "OEORDH",
            ORDUNIQ=uniq,
            ORDNUMBER=f"ORD{uniq}",
            CUSTOMER="C1",
            REFERENCE=ref,
            TYPE=1,
            COMPLETE=1,
            ORDDATE=DAY,
            INVNETWTX="42.5",
            ONHOLD=0,
            **audit(T0),
        )
        insert(conn, "OEORDH1", ORDUNIQ=uniq, SHIPTRACK="", BILEMAIL="ann@example.test")
        for line in (32, 64):
            insert(conn, "OEORDD", ORDUNIQ=uniq, LINENUM=line, LINETYPE=1, ITEM="SKU00001",
                   QTYORDERED="2", UNITPRICE="19.99", **audit(T0))  # fmt: skip
    shipped = audit(T0 + dt.timedelta(days=2))
    insert(conn, "OESHIH", SHIUNIQ=5001, SHINUMBER="SH1", ORDUNIQ=10021602, ORDNUMBER="ORD1602",
           SHIPTRACK="1Z999", SHIDATE=DAY, COMPLETE=3, **shipped)  # fmt: skip
    insert(conn, "OESHID", SHIUNIQ=5001, LINENUM=1, ITEM="SKU00001", QTYSHIPPED="2")
    conn.execute(
        'UPDATE "OEORDH1" SET "SHIPTRACK" = ? WHERE "ORDUNIQ" = 10021602', ["1Z999".ljust(36)]
    )


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sage300") / "SAMINC.sqlite"
    conn = sqlite3.connect(path)
    for name in ("ICITEM", "ICITEMO", "ICILOC", "ICPRIC", "ICPRICP", "ARCUS", "OEORDH", "OEORDH1",
                 "OEORDD", "OESHIH", "OESHID"):  # fmt: skip
        conn.execute(ddl(tables.table(name)))
    seed(conn)
    conn.commit()
    conn.close()
    return path


def settings(odbc: str, **overrides: Any) -> Sage300Settings:
    base = {
        "url": "https://sage.test",
        "company": "SAMINC",
        "user": "ADMIN",
        "password": "ADMIN",
        "odbc": odbc,
        "timezone": NY,
    }
    return load_settings(Sage300Settings, **{**base, **overrides})


@pytest.fixture(scope="module")
def db(db_path: Path) -> Iterator[Sage300Database]:
    with Sage300Database(settings(f"DRIVER={{SQLite3}};Database={db_path}")) as database:
        yield database


# --- the normaliser (pure) ---------------------------------------------------------------------
def test_one_normaliser_accepts_the_sqlite_and_the_sql_server_forms() -> None:
    t = tables.table("OEORDH")
    sqlite_row = {"ORDUNIQ": "10021638", "ORDNUMBER": "ORD1     ", "ORDDATE": "20261201",
                  "EXPDATE": "0", "ONHOLD": 1, "INVNETWTX": "12.5", "TYPE": 1,
                  "AUDTTIME": "14302550", "ZZ": "pad  "}  # fmt: skip
    server_row = {"ORDUNIQ": Decimal("10021638"), "ORDNUMBER": "ORD1     ",
                  "ORDDATE": Decimal("20261201"), "EXPDATE": Decimal(0), "ONHOLD": 1,
                  "INVNETWTX": Decimal("12.500"), "TYPE": 1, "AUDTTIME": Decimal("14302550"),
                  "ZZ": "pad  "}  # fmt: skip
    expected = {
        "ORDUNIQ": Decimal("10021638"),
        "ORDNUMBER": "ORD1",
        "ORDDATE": dt.date(2026, 12, 1),
        "EXPDATE": None,
        "ONHOLD": True,
        "INVNETWTX": Decimal("12.500"),
        "TYPE": 1,
        "AUDTTIME": dt.time(14, 30, 25, 500000),
        "ZZ": "pad",
    }
    assert normalise(t, sqlite_row) == expected == normalise(t, server_row)
    assert str(normalise(t, {"INVNETWTX": 0.30000000000000004})["INVNETWTX"]) == "0.300"
    with pytest.raises(Exception, match=r"OEORDH.ORDDATE: a stored value is not a Date"):
        normalise(t, {"ORDDATE": "20261301"})


def test_dates_times_and_audit_stamps() -> None:
    assert sage_date(dt.date(2026, 1, 2)) == 20260102
    assert sage_time(dt.time(9, 5, 7, 129999)) == 9050712
    assert convert(tables.table("ARCUS").column("DATEINAC"), 0) is None
    assert stamp(20261120, 10000000, NY) == T0
    assert stamp(0, 0, NY) is None
    with pytest.raises(ValueError, match="naive"):
        audit_bounds(dt.datetime(2026, 1, 1), None, NY)


def test_a_window_across_the_autumn_fold_reads_every_wall_time_it_held() -> None:
    # 2026-11-01: New York goes from 01:59:59 EDT back to 01:00 EST.
    since = dt.datetime(2026, 11, 1, 5, 30, tzinfo=dt.UTC)  # 01:30 EDT
    until = dt.datetime(2026, 11, 1, 6, 30, tzinfo=dt.UTC)  # 01:30 EST
    assert audit_bounds(since, until, NY) == (20261101, 300000, 20261101, 2300000)
    assert audit_bounds(T0, T0, NY) == (20261120, 10000000, 20261120, 10000000)
    assert audit_bounds(None, None, "UTC") == (0, 0, 99991231, 23595999)


# --- connection and statements -------------------------------------------------------------
def test_the_database_is_opened_read_only(db: Sage300Database) -> None:
    assert read_only_connection_string("DRIVER={SQLite3};Database=/x/y.sqlite") == (
        "DRIVER={SQLite3};DATABASE=file:/x/y.sqlite?mode=ro"
    )
    assert read_only_connection_string(
        "Driver={SQLite3};Database=file:/x?mode=rwc&cache=shared;Timeout=100"
    ) == ("DRIVER={SQLite3};DATABASE=file:/x?cache=shared&mode=ro;TIMEOUT=100")
    assert "mode=ro" in read_only_connection_string("DRIVER={SQLite3};Database=file:/x?mode=rw")
    sql_server = "DRIVER={ODBC Driver 18 for SQL Server};SERVER=s;DATABASE=SAMINC;UID=u;PWD=p"
    assert read_only_connection_string(sql_server) == sql_server
    cursor = db.connection().cursor()
    with pytest.raises(pyodbc.Error, match="readonly"):
        cursor.execute('UPDATE "ARCUS" SET "NAMECUST" = ?', ["x"])
    for sql, says in [
        ('UPDATE "ARCUS" SET "NAMECUST" = ?', "only SELECT"),
        ('SELECT * FROM "ARCUS"; DELETE FROM "ARCUS"', "no ';'"),
        ("SELECT * FROM ARCUS WHERE IDCUST = 'C1'", "no literals"),
        ("SELECT * INTO X FROM ARCUS", "INTO"),
        ("SELECT * FROM ARCUS -- x", "comments"),
    ]:
        with pytest.raises(ConfigError, match=says):
            list(db.select(sql))


def test_select_normalises_by_the_tables_it_reads(db: Sage300Database) -> None:
    before = db.queries
    rows = list(
        db.select(
            'SELECT "ITEMNO", "DESC", "INACTIVE", "UNITWGT", "AUDTDATE" FROM "ICITEM" '
            'WHERE "ITEMNO" = ?',
            ["SKU00100".ljust(24)],
        )
    )
    assert rows == [
        {
            "ITEMNO": "SKU00100",
            "DESC": "Item 100",
            "INACTIVE": True,
            "UNITWGT": Decimal("1.5000"),
            "AUDTDATE": DAY,
        }
    ]
    assert db.queries == before + 1


def test_look_ups_pad_keys_and_chunk_in_lists(db: Sage300Database) -> None:
    keys = [f"SKU{i:05}" for i in range(1, 1201)] + ["SKU00001", "NOPE", "X" * 30]
    before = db.queries
    found = db.items(keys)
    assert db.queries == before + 3  # 1201 distinct keys that fit: 500 + 500 + 201
    assert len(found) == 1200
    assert found["SKU00007"]["DESC"] == "Item 7"


def test_a_scan_pages_by_key_without_skipping_or_repeating(db: Sage300Database) -> None:
    before = db.queries
    rows = list(db.scan("ICITEM", ["ITEMNO"], page_size=250))
    assert [r["ITEMNO"] for r in rows] == [f"SKU{i:05}" for i in range(1, 1201)]
    assert db.queries == before + 5
    stock = list(db.scan("ICILOC", ["QTYONHAND"], page_size=1))
    assert [(r["ITEMNO"], r["LOCATION"]) for r in stock] == [
        ("SKU00001", "MAIN"),
        ("SKU00001", "WEST"),
        ("SKU00002", "MAIN"),
    ]
    assert stock[0]["QTYONHAND"] == Decimal("10.5000")


def test_changed_keys_in_the_servers_time_zone(db: Sage300Database) -> None:
    since, until = T0 + dt.timedelta(minutes=10), T0 + dt.timedelta(minutes=12)
    assert db.changed_keys("ICITEM", "ITEMNO", since, until) == ["SKU00010", "SKU00011", "SKU00012"]
    assert db.changed_keys("ICILOC", ["ITEMNO", "LOCATION"], T0, T0) == [
        ("SKU00001", "MAIN"),
        ("SKU00001", "WEST"),
        ("SKU00002", "MAIN"),
    ]
    assert db.changed_order_keys(T0 + dt.timedelta(days=1), None) == [Decimal(10021602)]
    assert db.changed_order_keys(T0, T0) == [Decimal(10021601), Decimal(10021602)]
    assert db.changed_stock_keys(T0, T0) == ["SKU00001", "SKU00002"]
    assert [r["ITEMNO"] for r in db.changed("ICITEM", ["DESC"], since, since)] == ["SKU00010"]


# --- named queries -------------------------------------------------------------------------
def test_orders_by_reference_and_their_lines_and_shipments(db: Sage300Database) -> None:
    found = db.orders_by_reference(["storebridge:shift4shop:2", "storebridge:shift4shop:9"])
    assert list(found) == ["storebridge:shift4shop:2"]
    uniq = found["storebridge:shift4shop:2"]["ORDUNIQ"]
    assert uniq == 10021602
    before = db.queries
    (order,) = db.orders([uniq, 999])
    assert db.queries == before + 5
    assert order.header["INVNETWTX"] == Decimal("42.500")
    assert order.extra is not None
    assert order.extra["SHIPTRACK"] == "1Z999"
    assert [line["LINENUM"] for line in order.lines] == [32, 64]
    ((shipment, lines),) = order.shipments
    assert shipment["SHIPTRACK"] == "1Z999"
    assert shipment["COMPLETE"] == 3
    assert lines[0]["QTYSHIPPED"] == Decimal("2.0000")
    assert [o.orduniq for o in db.orders([10021601, 10021602], shipments=False)] == [
        10021601,
        10021602,
    ]


def test_items_stock_and_prices(db: Sage300Database) -> None:
    stock = db.item_locations(["SKU00001", "SKU00002"], locations=["MAIN"])
    assert {k: [r["LOCATION"] for r in v] for k, v in stock.items()} == {
        "SKU00001": ["MAIN"],
        "SKU00002": ["MAIN"],
    }
    prices = db.item_prices(["SKU00001", "SKU00002"])
    assert [(p["PRICELIST"], p["BASEPRICE"]) for p in prices["SKU00001"]] == [
        ("RTL", Decimal("19.990000")),
        ("WHS", Decimal("15.000000")),
    ]
    assert [p["PRICELIST"] for p in db.item_prices(["SKU00001"], ["WHS"])["SKU00001"]] == ["WHS"]


def test_optional_fields_and_the_variants_of_items(db: Sage300Database) -> None:
    fields = db.item_optional_fields(["SKU00002", "SKU00001"], ["SIZE"])
    assert {k: [(r["OPTFIELD"], r["VALUE"]) for r in v] for k, v in fields.items()} == {
        "SKU00002": [("SIZE", "S")]
    }
    before = db.queries
    by_size = db.variants_of(["SKU00003"], "STOREPARENT", ["SIZE"])  # a variant: all its siblings
    assert db.queries == before + 1
    assert {k: [(r["OPTFIELD"], r["VALUE"]) for r in v] for k, v in by_size.items()} == {
        item: [("SIZE", size), ("STOREPARENT", "SKU00001")]
        for item, size in [("SKU00002", "S"), ("SKU00003", "M"), ("SKU00004", "")]
    }
    assert db.variants_of(["SKU00001", "SKU00999"], "STOREPARENT", ["SIZE"]) == by_size
    assert db.variants_of(["SKU00010"], "STOREPARENT") == {}  # a product without variants


def test_customers_by_number_and_by_email_ignoring_case(db: Sage300Database) -> None:
    assert db.customers(["C2", "C9"])["C2"]["EMAIL2"] == "bob@example.test"
    by_email = db.customers_by_email([" ANN@example.test", "nobody@example.test"])
    assert {k: [r["IDCUST"] for r in v] for k, v in by_email.items()} == {
        "ann@example.test": ["C1", "C3"]
    }
    assert db.customers_by_email([]) == {}


# --- errors --------------------------------------------------------------------------------
def test_driver_errors_name_the_query_never_the_connection_string(
    db: Sage300Database, db_path: Path, tmp_path: Path
) -> None:
    with pytest.raises(
        ConfigError, match=r"locations \(on ICLOC\).*no such table: ICLOC"
    ) as missing:
        db.locations()
    assert str(db_path) not in str(missing.value)
    assert db.check_schema(["ICITEM", "ICLOC"]) == [db.check_schema(["ICLOC"])[0]]
    secret = "PWD=hunter2secret"
    nodriver = Sage300Database(settings(f"DRIVER={{No Such Driver}};Database=x;{secret}"))
    with pytest.raises(ConfigError, match="not installed") as err:
        nodriver.items(["SKU00001"])
    assert "hunter2" not in str(err.value)
    assert "SQLite3" in str(err.value)
    nofile = Sage300Database(settings(f"DRIVER={{SQLite3}};Database={tmp_path}/none.sqlite"))
    with pytest.raises(ConfigError) as gone:
        nofile.items(["SKU00001"])
    assert "none.sqlite" not in str(gone.value)


def test_sqlstates_become_connector_errors() -> None:
    login = pyodbc.Error("28000", "[28000] Login failed for user 'sage_ro'. (18456)")
    assert isinstance(translate(login, "connecting", secrets=["sage_ro"]), AuthError)
    assert "sage_ro" not in str(translate(login, "connecting", secrets=["sage_ro"]))
    lost = pyodbc.Error("08S01", "Communication link failure")
    assert isinstance(translate(lost, "orders"), TransientError)
    denied = pyodbc.Error("42000", "The SELECT permission was denied on the object 'ARCUS'")
    assert isinstance(translate(denied, "customers"), AuthError)
    column = pyodbc.Error("42S22", "Invalid column name 'BASEPRICE'.")
    assert "tables.py" in str(translate(column, "item prices"))
