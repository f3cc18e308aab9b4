"""Leak scan: look for the seeded personal data and the sandbox's secrets in everything runs leave.

The needles come from the seed world (e-mails, phone numbers, street addresses, full names,
companies and distinctive last names of every shopper, guest, ship-to recipient and CRM contact)
and from the sandbox's credentials (keys, tokens, secrets, the connected app's private key), plus
shapes no output may carry whatever their value (Salesforce session ids, JWTs, bearer tokens,
PEM private keys). The haystacks are collected by the functions below: every table and column of
a state store, everything the Prefect API holds about a set of flow runs (the runs themselves,
their states, task runs, logs, artifacts, and every event in the runs' time span), log records,
captured output and files. New events, artifacts or tables are covered without changing a test.

A hit names its place (table/column/row, artifact key, event name, log line) and the kind of
needle, never the needle itself (`Needle.masked`), so a failing assertion leaks nothing either.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.seed import SeedWorld

PAGE = 200
EVENTS_PAGE = 50  # the most /events/filter answers per page
# Last names that are also words or too short to tell apart from other text.
COMMON_WORDS = frozenset({"Young", "Ito", "Chen", "Khan", "Diaz"})
SHAPES: dict[str, re.Pattern[str]] = {
    "salesforce session id": re.compile(r"\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._-]{8,}"),
    "JWT": re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"),
    "bearer token": re.compile(r"\bBearer\s+(?!\*\*\*)[A-Za-z0-9._~+/=!-]{12,}"),
    "PEM private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
}
SECRET_NAME_PARTS = ("KEY", "TOKEN", "SECRET", "PASSWORD")


@dataclass(frozen=True)
class Needle:
    """A value that must not appear in any output."""

    kind: str  # e-mail, phone, street, name, company, secret
    value: str
    case_sensitive: bool = False

    @property
    def masked(self) -> str:
        """What a report may show: the kind, the first character and the length."""
        return f"{self.value[:1]}***({len(self.value)})"


@dataclass(frozen=True)
class Hit:
    """One needle (or shape) found in one place."""

    kind: str  # of place: state, artifact, event, prefect-log, log-record, output, ...
    where: str  # table.column, artifact key, event name, logger, command
    detail: str  # row, line, resource
    needle: str  # the needle's kind, or the shape's name
    what: str  # the needle's `masked` text ("" for a shape)

    def __str__(self) -> str:
        return f"{self.kind} {self.where} [{self.detail}]: {self.needle} {self.what}"


def _add(out: dict[tuple[str, str], Needle], needle: Needle) -> None:
    if len(needle.value) >= 5:
        out.setdefault((needle.value.lower(), needle.kind), needle)


def seed_needles(world: SeedWorld) -> list[Needle]:
    """Personal data of every person in the seed world."""
    people = list(world.customers)
    people += [o.customer for o in world.orders]
    people += [s.recipient for o in world.orders for s in o.shipments if s.recipient is not None]
    people += [change.customer for change in world.address_changes]
    out: dict[tuple[str, str], Needle] = {}
    for p in people:
        if p.email:
            _add(out, Needle("e-mail", p.email))
        if p.phone:
            _add(out, Needle("phone", p.phone))
            digits = re.sub(r"\D", "", p.phone)
            if len(digits) >= 10:
                _add(out, Needle("phone", digits))
        if p.address:
            _add(out, Needle("street", p.address))
        if p.company:
            _add(out, Needle("company", p.company, case_sensitive=True))
        _add(out, Needle("name", f"{p.first_name} {p.last_name}", case_sensitive=True))
        if p.last_name not in COMMON_WORDS:
            _add(out, Needle("last name", p.last_name, case_sensitive=True))
    for c in world.crm_contacts:
        _add(out, Needle("e-mail", c.email))
        _add(out, Needle("name", f"{c.first_name} {c.last_name}", case_sensitive=True))
        _add(out, Needle("company", c.account_name, case_sensitive=True))
    return list(out.values())


def secret_needles(env: Mapping[str, str], *extra: str) -> list[Needle]:
    """The secrets in a sandbox environment (and `extra` ones, e.g. a password in a URL).

    Variables named like a key, token, secret or password count; one naming a key file adds the
    base64 lines of the key it holds.
    """
    out: dict[tuple[str, str], Needle] = {}
    for name, value in env.items():
        upper = name.upper()
        if upper.endswith("_FILE") and "KEY" in upper and value and Path(value).is_file():
            for line in Path(value).read_text().splitlines():
                if line and not line.startswith("-----"):
                    _add(out, Needle("secret", line, case_sensitive=True))
        elif any(part in upper for part in SECRET_NAME_PARTS) and value:
            _add(out, Needle("secret", value, case_sensitive=True))
    for value in extra:
        _add(out, Needle("secret", value, case_sensitive=True))
    return list(out.values())


def _boundary(text: str, start: int, end: int) -> bool:
    """The match is not part of a longer word (or number)."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or after.isalnum())


@dataclass
class Scanner:
    """Accumulates hits over any number of places.

    Needles are looked up by their first four characters (lowercased), so one pass over a text
    finds all of them: thousands of needles over megabytes of output in seconds.
    """

    needles: Sequence[Needle]
    hits: list[Hit] = field(default_factory=list)
    scanned: Counter[str] = field(default_factory=Counter)  # place kind -> items scanned

    def __post_init__(self) -> None:
        self._index: dict[str, list[Needle]] = {}
        for needle in self.needles:
            self._index.setdefault(needle.value[:4].lower(), []).append(needle)

    def find(self, text: str) -> list[tuple[str, str]]:
        """What leaks in `text`: (kind, masked value) of each needle, (shape, "") of each shape."""
        found: list[tuple[str, str]] = []
        lower = text.lower()
        seen: set[Needle] = set()
        for i in range(len(lower) - 3):
            bucket = self._index.get(lower[i : i + 4])
            if not bucket:
                continue
            for needle in bucket:
                end = i + len(needle.value)
                source = text if needle.case_sensitive else lower
                wanted = needle.value if needle.case_sensitive else needle.value.lower()
                if needle not in seen and source.startswith(wanted, i) and _boundary(text, i, end):
                    seen.add(needle)
                    found.append((needle.kind, needle.masked))
        found += [(name, "") for name, shape in SHAPES.items() if shape.search(text)]
        return found

    def scan(self, kind: str, where: str, value: Any, detail: str = "") -> None:
        """Scan `value` (text, or anything JSON can show) found at `kind` `where` (`detail`)."""
        self.scanned[kind] += 1
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        self.hits += [Hit(kind, where, detail, *found) for found in self.find(text)]

    def summary(self) -> Counter[tuple[str, str, str]]:
        """Number of hits per (kind of place, place, kind of needle)."""
        return Counter((h.kind, h.where, h.needle) for h in self.hits)

    def report(self, limit: int = 40) -> str:
        """Counts per place and needle kind, then the first hits (needles masked)."""
        lines = [f"{len(self.hits)} leak(s) in {len(self.summary())} place(s):"]
        lines += [
            f"  {n:>5}  {kind} {where}: {needle}"
            for (kind, where, needle), n in sorted(self.summary().items())
        ]
        lines += ["first hits:", *(f"  {hit}" for hit in self.hits[:limit])]
        return "\n".join(lines)


# --- haystacks ---------------------------------------------------------------------------------
def scan_state_store(scanner: Scanner, url: str, label: str) -> int:
    """Every row of every table of the state database at `url`; returns the rows scanned."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    rows = 0
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        assert metadata.tables, f"no tables in the state store {label}"
        with engine.connect() as connection:
            for table in metadata.sorted_tables:
                for row in connection.execute(sa.select(table)).mappings():
                    rows += 1
                    for column, value in row.items():
                        if value is not None:
                            key = row.get("id", row.get("key", row.get("name", rows)))
                            where = f"{label}:{table.name}.{column}"
                            scanner.scan("state", where, value, f"row {key}")
    finally:
        engine.dispose()
    return rows


def scan_log_records(scanner: Scanner, records: Iterable[logging.LogRecord]) -> None:
    """Log records as handlers would format them (message, exception and stack)."""
    formatter = logging.Formatter()
    for record in records:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + formatter.formatException(record.exc_info)
        if record.exc_text:
            text += "\n" + record.exc_text
        if record.stack_info:
            text += "\n" + record.stack_info
        scanner.scan("log-record", record.name, text, f"line {record.lineno}: {text[:50]!r}")


def result_files() -> set[Path]:
    """Files in Prefect's result storage (diff two calls to find what some runs persisted)."""
    from prefect.settings import get_current_settings

    root = Path(get_current_settings().results.local_storage_path)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _readable(raw: bytes) -> str:
    """A result file as text: JSON or base64 (of a pickle, whose strings are UTF-8) decoded."""
    import base64
    import binascii

    texts = [raw.decode("utf-8", errors="replace")]
    with contextlib.suppress(binascii.Error, ValueError):
        texts.append(base64.b64decode(raw, validate=False).decode("utf-8", errors="replace"))
    try:
        document = json.loads(raw)
    except ValueError:
        document = None
    if isinstance(document, dict) and isinstance(document.get("result"), str):
        texts.append(_readable(document["result"].encode()))
    return "\n".join(texts)


def scan_files(scanner: Scanner, paths: Iterable[Path], label: str) -> None:
    """Files (e.g. results Prefect persisted), read as text, base64 and JSON alike."""
    for path in sorted(paths):
        if path.is_file():
            scanner.scan("file", label, _readable(path.read_bytes()), path.name)


def flow_run_ids() -> set[str]:
    """Ids of every flow run the Prefect API knows (diff two calls to find a test's runs)."""
    from prefect import get_client

    ids: set[str] = set()
    with get_client(sync_client=True) as client:
        offset = 0
        while True:
            runs = client.read_flow_runs(limit=PAGE, offset=offset)
            ids.update(str(r.id) for r in runs)
            if len(runs) < PAGE:
                return ids
            offset += PAGE


def _pages(read: Any, **kwargs: Any) -> Iterator[Any]:
    offset = 0
    while True:
        batch = read(limit=PAGE, offset=offset, **kwargs)
        yield from batch
        if len(batch) < PAGE:
            return
        offset += PAGE


@dataclass
class PrefectSnapshot:
    """Everything the Prefect API holds about some flow runs."""

    flow_runs: list[Any]
    states: list[tuple[str, Any]]
    task_runs: list[Any]
    logs: list[Any]
    artifacts: list[Any]
    events: list[Any]


def _missing_final_events(events: Sequence[Any], runs: Sequence[Any]) -> list[str]:
    """Runs whose final state (by its name: runs may name their states) has no event yet."""
    seen = {(e.resource.id, e.event) for e in events}
    return [
        str(r.id)
        for r in runs
        if r.state is not None
        and (f"prefect.flow-run.{r.id}", f"prefect.flow-run.{r.state.name}") not in seen
    ]


def _read_events(client: Any, since: dt.datetime) -> list[Any]:
    from prefect.events.filters import EventFilter, EventOccurredFilter

    window = EventOccurredFilter(since=since, until=since + dt.timedelta(days=1))
    page = client.read_events(EventFilter(occurred=window), limit=EVENTS_PAGE)
    events = list(page.events)
    while page.next_page:
        page = client.read_events_page(page.next_page)
        events += page.events
    return events


def prefect_snapshot(run_ids: set[str], *, deadline_s: float = 60) -> PrefectSnapshot:
    """Read back the runs, their states, task runs, logs and artifacts, and every event from the
    first run's creation on (all kinds: whatever any code emits is included).

    Logs and events reach the server asynchronously: this drains the client's workers, then
    polls until each run's terminal-state event is stored (or the deadline passes).
    """
    import time

    from prefect import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        FlowRunFilter,
        FlowRunFilterId,
        LogFilter,
        LogFilterFlowRunId,
        LogFilterTimestamp,
    )
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=30)
    EventsWorker.drain_all(timeout=30)
    ids = sorted(run_ids)
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids)))
        assert runs, "no flow runs to scan"
        since = min(r.created for r in runs if r.created) - dt.timedelta(minutes=1)
        stop = time.monotonic() + deadline_s
        events = _read_events(client, since)
        while _missing_final_events(events, runs) and time.monotonic() < stop:
            time.sleep(0.5)
            events = _read_events(client, since)
        missing = _missing_final_events(events, runs)
        assert not missing, f"the final state events of runs {missing} never arrived"
        states = [(str(r.id), s) for r in runs for s in client.read_flow_run_states(r.id)]
        task_runs = list(
            _pages(
                client.read_task_runs,
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids)),
            )
        )
        by_run = LogFilter(flow_run_id=LogFilterFlowRunId(any_=ids))
        by_time = LogFilter(timestamp=LogFilterTimestamp(after_=since))
        logs = {str(log.id): log for log in _pages(client.read_logs, log_filter=by_run)}
        logs |= {str(log.id): log for log in _pages(client.read_logs, log_filter=by_time)}
        artifacts = {
            str(a.id): a
            for a in _pages(
                client.read_artifacts,
                artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=ids)),
            )
        }
        artifacts |= {
            str(a.id): a
            for a in _pages(client.read_artifacts)
            if a.flow_run_id is None and a.created and a.created >= since
        }
    return PrefectSnapshot(
        runs, states, task_runs, list(logs.values()), list(artifacts.values()), events
    )


def scan_prefect(scanner: Scanner, snap: PrefectSnapshot) -> None:
    """Every part of a `PrefectSnapshot`."""
    for r in snap.flow_runs:
        scanner.scan("flow-run", r.flow_id and str(r.flow_id), r.model_dump(mode="json"), r.name)
    for run_id, s in snap.states:
        scanner.scan("flow-run-state", s.name or "", s.model_dump(mode="json"), run_id)
    for t in snap.task_runs:
        scanner.scan("task-run", t.task_key, t.model_dump(mode="json"), t.name)
    for log in snap.logs:
        scanner.scan("prefect-log", log.name, log.model_dump(mode="json"), repr(log.message[:50]))
    for a in snap.artifacts:
        scanner.scan("artifact", str(a.key or a.type), a.model_dump(mode="json"), str(a.id))
    for e in snap.events:
        scanner.scan("event", e.event, e.model_dump(mode="json"), e.resource.id)
