"""Flow `gl-postings`: a store's payments, refunds and gateway fees of one business day become
one Sage 300 GL journal batch (`transforms/sage300_gl.py`, accounts in
`transforms/mappings/sage300/gl_accounts.yaml`).

A run, for one store and one day (default: yesterday on the business clock, in the merchant's
time zone):

1. takes the (store, Sage 300) lease of this flow (`flows/lease.py`): one run at a time;
2. reads the store's orders changed since the day started, page by page through the store's
   order `Source` (a task per page, retried on infrastructure errors), and adds the payments
   processed on that day to sums per gateway and kind (`DayTotals`): no order is kept, so any
   day runs in bounded memory;
3. a day without a counted payment posts nothing and says so; an order the store returns but
   storebridge cannot read stops the day (its payments would be missing from a batch that is
   never written again) unless `STOREBRIDGE_GL_POSTINGS_ALLOW_UNREADABLE_ORDERS=true`;
4. builds the balanced batch, then (a task) looks up a GL batch whose Description is the
   day's key ``storebridge <store> <YYYY-MM-DD>`` through the Web API (`$filter`): found means
   posted already, nothing is written (reported as unchanged, with a warning when the store's
   figures have changed since); otherwise POSTs it. A POST is never resent blindly: after a
   5xx or a timeout (the write may have happened) the batch is looked up again first, and
   POSTed again only when it is not there;
5. records the binding day -> batch number in the state store (xref: ``<store>:gl_batch:<day>``
   -> ``sage300:GLJournalBatch``) and publishes a table artifact of the debits and credits per
   account (accounts and amounts only: no personal data).

A day is posted once it is over (a batch of an unfinished day would be found, and so never
completed, by the runs after it). Deployment: entrypoint ``flows/gl_postings.py:gl_postings``,
parameters ``source`` (the store, default shift4shop), ``target`` (sage300), ``day``
(YYYY-MM-DD; empty: yesterday), a daily schedule after the merchant's midnight.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from contextlib import ExitStack
from typing import Any
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from connectors.clock import utcnow
from connectors.http import TransientError, all_usage
from connectors.records import Page
from connectors.settings import StorebridgeSettings, load_settings
from connectors.state import StateStore
from flows import observe, registry
from flows.lease import PairLease
from flows.ports import Context, DecodeError, Source, Tombstone
from flows.registry import Role
from flows.sync import TASK_OPTIONS, opaque
from transforms.canonical import Entity
from transforms.canonical.hashing import digest
from transforms.sage300_gl import (
    BusinessDay,
    DayTotals,
    GLError,
    account_totals,
    journal_batch,
    load_accounts,
    net_by_account,
    parse_day,
    summary_rows,
    yesterday,
    zone_of,
)

NAME = "gl-postings"
TARGETS = ("sage300",)
RESOURCE = "GL/GLJournalBatches"
BINDING_ENTITY = "gl_batch"  # xref entity of a posted day (external id: the day, YYYY-MM-DD)
TARGET_ENTITY = "GLJournalBatch"
SAMPLE = 20  # unreadable order ids named in a message

log = logging.getLogger("storebridge.gl")


class GLPostingsSettings(StorebridgeSettings):
    """Settings of the GL postings flow: ``STOREBRIDGE_GL_POSTINGS_*``."""

    model_config = SettingsConfigDict(env_prefix="STOREBRIDGE_GL_POSTINGS_")

    timezone: str | None = Field(
        default=None,
        description="the merchant's time zone (IANA) whose midnights bound a business day; "
        "default: the store's time zone setting (e.g. STOREBRIDGE_SHIFT4SHOP_STORE_TIMEZONE), "
        "else UTC",
    )
    allow_unreadable_orders: bool = Field(
        default=False,
        description="post a day even when some of its orders could not be read (their "
        "payments are then missing from the batch: enter them by hand)",
    )
    post_attempts: int = Field(
        default=3, ge=1, le=10, description="POSTs of a batch at most, each after a look-up"
    )
    post_retry_delay_s: float = Field(
        default=10, ge=0, description="wait after an uncertain POST before looking it up again"
    )
    lease_ttl_seconds: float = Field(default=300, ge=5, description="see flows/usecases.py")
    lease_wait_seconds: float = Field(
        default=300, ge=0, description="how long a run waits for the lease before it is skipped"
    )


# --- steps -------------------------------------------------------------------------------------
@task(**TASK_OPTIONS)
def read_page(
    source: Source[Any], since: dt.datetime, until: dt.datetime, cursor: Any
) -> Page[Any]:
    """One page of the store's orders changed in [since, until]."""
    return source.read_changed(since, until, cursor)


@task(cache_policy=NO_CACHE)
def tally_page(source: Source[Any], page: Page[Any], totals: DayTotals) -> list[str]:
    """Decode the page's orders and add their payments of the day to `totals` (pure, no I/O);
    returns the ids of the orders that could not be read."""
    unreadable = [f.external_id for f in page.failures]
    for raw in page.records:
        try:
            order = source.decode(raw)
        except Tombstone:
            continue
        except (DecodeError, ValueError):
            unreadable.append(source.external_id(raw))
            continue
        totals.add_order(order)
    return unreadable


@task(cache_policy=NO_CACHE, retries=0, timeout_seconds=1800)
def post_batch(
    client: Any, payload: dict[str, Any], settings: GLPostingsSettings
) -> tuple[str, list[dict[str, Any]]]:
    """Find the day's batch or write it: ("unchanged" | "created", the batches found/written).

    Each POST is preceded by a look-up by Description, so an uncertain POST (5xx, timeout: it
    may have been applied) is never resent before the batch was looked for again.

    Raises:
        TransientError: the batch could still not be written or confirmed after
            `post_attempts` POSTs (the next run looks it up first).
    """
    key = payload["Description"]
    posted = False
    last: Exception | None = None
    for attempt in range(settings.post_attempts + 1):
        found = find_batches(client, key)
        if found:
            return ("created" if posted else "unchanged"), found
        if attempt == settings.post_attempts:
            break
        try:
            return "created", [client.create(RESOURCE, payload)]
        except TransientError as exc:
            posted, last = True, exc
            log.warning(
                "%s: the POST of the GL batch may or may not have been applied (%s): "
                "looking it up before anything else",
                key,
                type(exc).__name__,
            )
            time.sleep(settings.post_retry_delay_s)
    raise TransientError(
        f"{key}: the GL batch could not be written or confirmed after "
        f"{settings.post_attempts} POST(s) ({type(last).__name__}): nothing is lost, the next "
        "run looks it up before it writes"
    )


def find_batches(client: Any, key: str) -> list[dict[str, Any]]:
    """The GL batches whose Description is `key` (by the Web API's `$filter`)."""
    from connectors.sage300.odata import eq

    found = client.query(RESOURCE, filter=eq("Description", key))
    return [b for b in found if str(b.get("Description", "")).strip() == key]


# --- the flow ------------------------------------------------------------------------------------
@flow(
    name=NAME,
    flow_run_name="gl-postings {source}→{target} {day}",
    timeout_seconds=3600,
    validate_parameters=True,
)
def gl_postings(
    source: str = "shift4shop", target: str = "sage300", day: str | None = None
) -> dict[str, Any]:
    """Post the store's payments, refunds and gateway fees of one business day to a GL batch.

    Args:
        source: the store whose orders' payments are posted (shift4shop, bigcommerce); named
            like every pair's source, so deployments and the CLI treat it as one

        target: the back office holding the general ledger (sage300)
        day: the business day, YYYY-MM-DD in the merchant's time zone (empty: yesterday)
    """
    summary = run_gl_postings(store=source, target=target, day=day)
    return _final_state(summary)  # type: ignore[no-any-return]  # a state; callers get the dict


def run_gl_postings(
    *, store: str, target: str = "sage300", day: str | None = None, now: dt.datetime | None = None
) -> dict[str, Any]:
    """The flow's body (see the module docstring); returns the run summary.

    Raises:
        GLError: the day cannot be posted (not over yet, another currency, an unmapped gateway,
            unreadable orders): the message says what to change; nothing was written.
        ValueError: unknown store or target.
    """
    if target not in TARGETS:
        raise ValueError(f"gl-postings posts to {', '.join(TARGETS)} only, not {target!r}")
    source_spec = registry.spec(store)
    if source_spec.kind is not registry.Kind.STORE:
        raise ValueError(f"{store} is not a store (gl-postings reads a store's payments)")
    in_run = observe.in_flow_run()
    logger: Any = get_run_logger() if in_run else log
    settings = load_settings(GLPostingsSettings)
    accounts = load_accounts()
    run_id = flow_run.get_id() or f"local-{uuid.uuid4()}"
    usage_before = all_usage()
    with ExitStack() as stack:
        if in_run:
            stack.enter_context(observe.forward_logs())
            observe.tag_run(run_id, ["storebridge", NAME, f"{store}-{target}"])
        state = StateStore.from_settings()
        stack.callback(state.dispose)
        state.upgrade()
        src: Source[Any] = source_spec.adapter(Entity.ORDER, Role.SOURCE)(
            Context(state, target, NAME)
        )
        stack.callback(src.close)
        now = now or utcnow()
        zone = _zone(src, settings)
        business = BusinessDay(store, parse_day(day) if day else yesterday(now, zone), zone)
        if in_run:
            observe.tag_run(run_id, [], name=f"{NAME} {store}→{target} {business.day}")
        summary: dict[str, Any] = {
            "flow": NAME,
            "store": store,
            "target": target,
            "day": business.day.isoformat(),
            "timezone": business.zone.key,
            "description": business.key,
            "status": None,
            "batch_number": None,
            "orders_read": 0,
            "payments_counted": 0,
            "skipped": {},
            "accounts": [],
            "flow_run_id": run_id,
        }
        if not business.is_over(now):
            raise GLError(
                f"{business.key}: the day is not over yet in {business.zone.key} (it ends "
                f"{business.end.isoformat()}): a day is posted once, when it is complete"
            )
        lease = PairLease(state, f"{NAME}:{store}->{target}", run_id, settings.lease_ttl_seconds)
        if not lease.acquire(settings.lease_wait_seconds):
            summary |= {"status": "busy", "busy_with": lease.holder_now() or "another run"}
            logger.warning("%s: skipped, run %s is posting it", business.key, summary["busy_with"])
            return summary
        stack.callback(lease.release)
        totals = DayTotals(business, accounts)
        unreadable, sample = _read_day(src, business, now, totals, summary, lease, in_run)
        summary |= {
            "payments_counted": totals.counted,
            "orders_with_payments": totals.orders,
            "skipped": dict(sorted(totals.skipped.items())),
            "by_gateway": summary_rows(totals),
            "unreadable_orders": unreadable,
        }
        if unreadable and not settings.allow_unreadable_orders:
            shown = ", ".join(sample) + (", ..." if unreadable > len(sample) else "")
            raise GLError(
                f"{business.key}: {unreadable} order(s) of {store} could not be read "
                f"({shown}); their payments would be missing from the batch, so nothing is "
                "posted: fix them (see a run of order-to-cash for why each fails) or set "
                "STOREBRIDGE_GL_POSTINGS_ALLOW_UNREADABLE_ORDERS=true"
            )
        if totals.empty and not totals.problems():
            summary["status"] = "empty"
            logger.info(
                "%s: no payment, refund or capture on %s: nothing posted",
                business.key,
                business.day,
            )
            _finish(summary, usage_before, in_run, None)
            return summary
        lease.check()
        payload = journal_batch(totals)  # raises GLError on another currency, unmapped gateway
        summary["accounts"] = account_totals(payload)
        summary["entries"] = len(payload["JournalHeaders"])
        summary |= _post(payload, business, state, settings, stack, logger)
        _finish(summary, usage_before, in_run, payload)
        return summary


def _read_day(
    src: Source[Any],
    business: BusinessDay,
    now: dt.datetime,
    totals: DayTotals,
    summary: dict[str, Any],
    lease: PairLease,
    in_run: bool,
) -> tuple[int, list[str]]:
    """Read every page of the orders changed since the day began: how many orders could not
    be read, and the first `SAMPLE` of their ids."""
    wrap: Any = opaque if in_run else (lambda v: v)
    read: Any = read_page if in_run else read_page.fn
    tally: Any = tally_page if in_run else tally_page.fn
    cursor: Any = None
    unreadable: dict[str, None] = {}  # ids, in order, once each (a page may repeat an order)
    while True:
        lease.check()
        page = read(wrap(src), business.start, now, wrap(cursor))
        summary["orders_read"] += len(page.records) + len(page.failures)
        unreadable.update(dict.fromkeys(tally(wrap(src), wrap(page), wrap(totals))))
        cursor = page.next
        if cursor is None:
            return len(unreadable), list(unreadable)[:SAMPLE]


def _post(
    payload: dict[str, Any],
    business: BusinessDay,
    state: StateStore,
    settings: GLPostingsSettings,
    stack: ExitStack,
    logger: Any,
) -> dict[str, Any]:
    """Look the batch up, write it when absent, bind it; the summary's fields of the write."""
    from connectors.sage300.client import Sage300Client

    client = Sage300Client.from_env()
    stack.callback(client.close)
    payload_hash = digest(payload)
    day_id = business.day.isoformat()
    bound = state.lookup(business.store, BINDING_ENTITY, day_id, "sage300", TARGET_ENTITY)
    if observe.in_flow_run():
        status, batches = post_batch(opaque(client), opaque(payload), settings)
    else:
        status, batches = post_batch.fn(client, payload, settings)
    numbers = [str(b.get("BatchNumber")) for b in batches if b.get("BatchNumber") is not None]
    number = numbers[0] if numbers else None
    out: dict[str, Any] = {"status": status, "batch_number": number}
    if len(numbers) > 1:
        out["duplicates"] = numbers[1:]
        logger.warning(
            "%s: %d GL batches carry this description (%s): review them in Sage",
            business.key,
            len(numbers),
            ", ".join(numbers),
        )
    same = bound if bound is not None and bound.target_id == number else None
    known = payload_hash if status == "created" else (same.payload_hash if same else None)
    if status == "unchanged":
        if "JournalHeaders" in batches[0]:  # Sage returned its entries: compare the figures
            differs = net_by_account(batches[0]) != net_by_account(payload)
            known = known if differs else payload_hash
        else:  # else the figures this flow posted it with, when it did
            differs = known not in (None, payload_hash)
        if differs:
            out["differs"] = True
            logger.warning(
                "%s: batch %s holds other figures than the store shows now (late payments or "
                "refunds of the day, or edited in Sage?): it is left as it is; review it",
                business.key,
                number,
            )
        logger.info("%s: batch %s is posted already: nothing written", business.key, number)
    else:
        logger.info(
            "%s: posted batch %s, %d entries",
            business.key,
            number,
            len(payload["JournalHeaders"]),
        )
    if number is not None:  # with the hash of its figures, when known
        state.bind(business.store, BINDING_ENTITY, day_id, "sage300", TARGET_ENTITY, number, known)
    return out


def _zone(src: Source[Any], settings: GLPostingsSettings) -> ZoneInfo:
    """The merchant's time zone: the setting, else the store connection's, else UTC."""
    client_settings = getattr(getattr(src, "client", None), "settings", None)
    name = settings.timezone or getattr(client_settings, "store_timezone", None) or "UTC"
    return zone_of(name)


def _finish(
    summary: dict[str, Any],
    usage_before: dict[str, dict[str, Any]],
    in_run: bool,
    payload: dict[str, Any] | None,
) -> None:
    now = all_usage()
    summary["api_calls"] = {
        name: int(snap.get("calls", 0)) - int(usage_before.get(name, {}).get("calls", 0))
        for name, snap in sorted(now.items())
        if int(snap.get("calls", 0)) - int(usage_before.get(name, {}).get("calls", 0))
    }
    if in_run:
        _publish(summary, payload)


def _publish(summary: dict[str, Any], payload: dict[str, Any] | None) -> None:
    """The day's debits and credits per account as a table artifact (or a note: nothing)."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    key = f"{NAME}-{summary['store']}-{summary['target']}".lower()
    head = f"{summary['description']}: {summary['status']}"
    if payload is None:
        create_markdown_artifact(
            f"## {head}\n\nNo sale, capture or refund of {summary['store']} on "
            f"{summary['day']} ({summary['timezone']}): nothing posted.",
            key=key,
            description=head,
        )
        return
    rows = [{"day": summary["day"], **row} for row in summary["accounts"]]
    create_table_artifact(
        rows,
        key=key,
        description=f"{head}, GL batch {summary['batch_number']}, "
        f"{summary['payments_counted']} payment(s), {summary['entries']} entries",
    )


def _final_state(summary: dict[str, Any]) -> Any:
    """The run's Prefect state carrying the summary (the dict itself outside a flow run)."""
    from prefect.states import Completed

    if not observe.in_flow_run():
        return summary
    status = summary["status"]
    if status == "busy":
        return Completed(
            name="Skipped",
            message=f"another run is posting it ({summary['busy_with']})",
            data=summary,
        )
    messages = {
        "empty": "no payments on the day: nothing posted",
        "unchanged": f"GL batch {summary['batch_number']} posted already: nothing written",
        "created": f"GL batch {summary['batch_number']} posted",
    }
    return Completed(message=f"{summary['description']}: {messages[status]}", data=summary)
