"""Leak scan: no personal data and no secret in anything the demo or a faulty run leaves behind.

Runs the demo, and a faulty order-to-cash (Salesforce refusing some Contacts with messages that
quote the person, a replay, then a run with a wrong store token that fails), then scans every
output with `tests.leaks`: captured stdout/stderr, log records at DEBUG, the CLI's dead-letter
and settings output, everything the Prefect API holds about the runs (flow and task runs, states,
logs, artifacts, and every event of the runs' time span, whatever its name) and every row of every
table of the state store. The needles are the seed world's people and the sandbox's secrets; a
failure lists where each hit is, with the needle masked.
"""

from __future__ import annotations

import json
import logging
import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from deployments.cli import app
from sandbox.seed import SeedConfig, build_world
from tests.conftest import ANCHOR, Pair
from tests.leaks import (
    Needle,
    Scanner,
    flow_run_ids,
    prefect_snapshot,
    result_files,
    scan_files,
    scan_log_records,
    scan_prefect,
    scan_state_store,
    secret_needles,
    seed_needles,
)

pytestmark = [pytest.mark.prefect, pytest.mark.slow]

runner = CliRunner()
DB_PASSWORD = "s3cr3t-leak-scan"
WRONG_TOKEN = "sbx-wrong-token-0f1e2d3c4b5a"


def needles(env: dict[str, str], *extra: str) -> list[Needle]:
    from sandbox.salesforce.auth import Auth

    secrets = secret_needles(env, Auth().consumer_secret, *extra)
    return seed_needles(build_world(SeedConfig(anchor=ANCHOR))) + secrets


@pytest.fixture
def restore_environ() -> Iterator[None]:
    """The demo points the process at its sandbox (os.environ); put everything back after."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every log record at DEBUG. Prefect replaces the root handlers when it sets up logging,
    so that happens first, here, before the test's capture handler is attached."""
    import prefect.main  # noqa: F401 - sets up Prefect's logging

    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="prefect")
    return caplog


def cli(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code in (0, 1), (args, result.exit_code)
    return result.output


Output = tuple[str, str, str]  # command, detail, what it printed


def dead_letter_outputs() -> list[Output]:
    """What `storebridge deadletters list/show` and `state status` print."""
    listed = cli("deadletters", "list", "--status", "", "--limit", "1000", "--json")
    letters = json.loads(listed)
    assert letters, "the run left no dead letters to show"
    outputs = [
        ("deadletters list --json", "", listed),
        ("deadletters list", "", cli("deadletters", "list", "--status", "", "--limit", "1000")),
    ]
    for d in letters:
        outputs.append(("deadletters show", str(d["id"]), cli("deadletters", "show", str(d["id"]))))
    return [*outputs, ("state status", "", cli("state", "status"))]


def scan_everything(
    scanner: Scanner,
    runs: set[str],
    outputs: list[Output],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    state_url: str,
    results: set[Path],
) -> None:
    captured = capfd.readouterr()
    for where, detail, text in [
        *outputs,
        ("stdout", "", captured.out),
        ("stderr", "", captured.err),
    ]:
        scanner.scan("output", where, text, detail)
    scan_log_records(scanner, caplog.records)
    scan_prefect(scanner, prefect_snapshot(runs))
    scan_files(scanner, results, "prefect result storage")
    rows = scan_state_store(scanner, state_url, "state")
    assert rows > 0
    # (result files are scanned when Prefect persisted any: failed tasks' exceptions, mostly)
    for kind in ("output", "log-record", "flow-run", "task-run", "prefect-log", "event", "state"):
        assert scanner.scanned[kind] > 0, f"nothing of kind {kind} was scanned"


def test_the_scanner_finds_what_it_looks_for(tmp_path: Path) -> None:
    """The scan can fail: each kind of needle and shape is found, and reported masked."""
    import base64
    import pickle

    scanner = Scanner([Needle("e-mail", "jane.doe@example.com"), Needle("name", "Okafor", True)])
    scanner.scan("artifact", "a", {"reason": "JANE.DOE@example.com matches"}, "d")
    scanner.scan("log-record", "b", "Okafor & Co")
    scanner.scan("log-record", "c", "okafor (case matters) and Okaforx (a longer word)")
    scanner.scan("event", "d", "Authorization: Bearer abcdefghijklmnop1234")
    scanner.scan("state", "e", "j***@example.com, Bearer ***")
    pickled = tmp_path / "result"  # how Prefect persists a result: base64 of a pickle
    pickled.write_bytes(base64.b64encode(pickle.dumps({"reason": "Okafor refused"})))
    scan_files(scanner, [pickled], "results")
    assert [(h.kind, h.where) for h in scanner.hits] == [
        ("artifact", "a"),
        ("log-record", "b"),
        ("event", "d"),
        ("file", "results"),
    ]
    assert "jane.doe@example.com" not in scanner.report()
    assert "Okafor" not in scanner.report()
    assert "artifact a [d]: e-mail j***(20)" in scanner.report()


@pytest.mark.parametrize(
    ("store", "office"),
    [("shift4shop", "salesforce"), ("bigcommerce", "salesforce"), ("shift4shop", "sage300")],
)
def test_the_demo_leaks_nothing(
    store: str,
    office: str,
    tmp_path: Path,
    prefect_server: None,
    restore_environ: None,
    debug_logs: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    before, stored = flow_run_ids(), result_files()
    workdir = str(tmp_path / "demo")
    demo = runner.invoke(app, ["demo", "--source", store, "--target", office, "--workdir", workdir])
    assert demo.exit_code == 0, demo.output
    assert "order-to-cash" in demo.output
    outputs = [("demo", "", demo.output), *dead_letter_outputs()]
    runs = flow_run_ids() - before
    assert len(runs) == 6  # one flow run per use case and direction
    scanner = Scanner(needles(dict(os.environ)))
    state_url = f"sqlite:///{tmp_path / 'demo' / 'state.db'}"
    results = result_files() - stored
    scan_everything(scanner, runs, outputs, debug_logs, capfd, state_url, results)
    assert not scanner.hits, scanner.report()


def _refuse_some_contacts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Salesforce refuses a third of new Contacts with messages that quote the person, as real
    validation rules and duplicate checks do."""
    from sandbox.salesforce.errors import dml
    from sandbox.salesforce.rules import Rules

    real = Rules.before_insert

    def refusing(self: Rules, sobject: str, rec: dict[str, Any]) -> None:
        if sobject == "Contact" and rec.get("Email"):
            roll = zlib.crc32(str(rec["Email"]).encode()) % 6
            if roll == 0:
                raise dml(
                    "INVALID_EMAIL_ADDRESS",
                    f"Email: invalid email address: {rec['Email']}",
                    "Email",
                )
            if roll == 1:
                raise dml(
                    "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                    f"{rec.get('FirstName')} {rec.get('LastName')}: mailing street "
                    f"{rec.get('MailingStreet')!r} cannot be verified, call {rec.get('Phone')}",
                    "MailingStreet",
                )
        real(self, sobject, rec)

    monkeypatch.setattr(Rules, "before_insert", refusing)


@contextmanager
def state_database(tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    """PostgreSQL with a password in the URL when reachable (trust auth ignores it), else SQLite.

    Yields (URL, the password to look for).
    """
    from sqlalchemy import make_url

    from tests.pg import admin_url, fresh_database

    database = fresh_database("leakscan")
    try:
        url = database.__enter__()
    except pytest.skip.Exception:
        yield f"sqlite:///{tmp_path / 'faulty.db'}", None
        return
    try:
        parsed = make_url(url)
        password = parsed.password or DB_PASSWORD
        configured = make_url(admin_url()).password is not None
        secret_url = url if configured else parsed.set(password=password).render_as_string(False)
        yield secret_url, str(password)
    finally:
        database.__exit__(None, None, None)


def test_a_faulty_run_leaks_nothing(
    pair: Pair,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    debug_logs: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    import datetime as dt

    from flows.customers import customers
    from flows.order_to_cash import order_to_cash

    _refuse_some_contacts(monkeypatch)
    with state_database(tmp_path) as (url, password):
        monkeypatch.setenv("STOREBRIDGE_STATE_URL", url)
        before, stored = flow_run_ids(), result_files()
        window = {
            "window_start": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            "window_end": dt.datetime(2026, 11, 23, tzinfo=dt.UTC),
        }
        first = customers(source="shift4shop", target="salesforce", **window)
        orders = order_to_cash(**window)
        assert first["dead_lettered"] > 10  # refused Contacts, each quoting its person
        assert orders["dead_lettered"] > len(pair.sandbox.world.defective())
        outputs = [*dead_letter_outputs()]
        outputs.append(("deadletters replay", "", cli("deadletters", "replay")))
        outputs.append(("settings check state", "", cli("settings", "check", "state")))
        monkeypatch.setenv("STOREBRIDGE_SHIFT4SHOP_TOKEN", WRONG_TOKEN)
        with pytest.raises(Exception) as failed:  # noqa: PT011 - any failure will do
            order_to_cash(ids=["1042", "1043"])
        outputs.append(("the exception", "", f"{failed.value!r} {failed.value}"))
        runs = flow_run_ids() - before
        assert len(runs) >= 4
        scanner = Scanner(needles(pair.env, WRONG_TOKEN, *([password] if password else [])))
        results = result_files() - stored
        scan_everything(scanner, runs, outputs, debug_logs, capfd, url, results)
    assert not scanner.hits, scanner.report()


def test_the_database_password_is_never_printed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`settings check state` masks the URL; commands that fail to reach the database say so
    without the password (the console script, as a user runs it)."""
    import subprocess
    import sys

    monkeypatch.chdir(tmp_path)  # no .env here
    url = "postgresql+psycopg://storebridge:s3cr3t@127.0.0.1:1/state"  # nothing listens on 1
    monkeypatch.setenv("STOREBRIDGE_STATE_URL", url)
    checked = runner.invoke(app, ["settings", "check", "state"])
    assert checked.exit_code == 0, checked.output
    assert "url = " in checked.output
    assert "s3cr3t" not in checked.output
    exe = str(Path(sys.executable).with_name("storebridge"))
    for command in (["state", "status"], ["deadletters", "list"], ["state", "status", "--debug"]):
        done = subprocess.run(
            [exe, *command], capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode != 0, command
        assert "s3cr3t" not in done.stdout + done.stderr, command


def test_deadletters_cli_masks_letters_stored_by_older_versions(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A row written before messages were masked (straight into the table) prints masked."""
    import datetime as dt

    from sqlalchemy import insert

    from connectors.state import StateStore
    from connectors.state.models import DeadLetterRow

    path = tmp_path / "state.db"
    monkeypatch.setenv("STOREBRIDGE_STATE_PATH", str(path))
    monkeypatch.delenv("STOREBRIDGE_STATE_URL", raising=False)
    store = StateStore(f"sqlite:///{path}")
    store.upgrade()
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    with store.engine.begin() as connection:
        connection.execute(
            insert(DeadLetterRow).values(
                flow="order-to-cash:shift4shop->salesforce",
                system="shift4shop",
                entity="order",
                external_id="1042",
                error_class="RecordError",
                message="shift4shop:order:1042: Jane Okafor <jane.doe@example.com> refused",
                payload={"customer": {"first_name": "Jane", "last_name": "Okafor"}},
                status="open",
                attempts=1,
                note="called jane.doe@example.com",
                created_at=now,
                updated_at=now,
            )
        )
    store.dispose()
    scanner = Scanner(
        [
            Needle("e-mail", "jane.doe@example.com"),
            Needle("name", "Okafor", case_sensitive=True),
            Needle("name", "Jane", case_sensitive=True),
        ]
    )
    for args in (["list"], ["list", "--json"], ["show", "1"], ["resolve", "1"]):
        printed = runner.invoke(app, ["deadletters", *args])
        assert printed.exit_code == 0, printed.output
        assert "1042" in printed.output  # the record is still named
        scanner.scan("output", f"deadletters {' '.join(args)}", printed.output)
    assert not scanner.hits, scanner.report()
