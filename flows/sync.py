"""The Prefect side of the engine: one flow body for every use case, tasks per page and batch.

Each use case's flow (`flows/order_to_cash.py`, `flows/fulfilment.py`, ...) is a few lines that
call `run_sync` with its declaration. `run_sync` orchestrates only: it opens the pair's adapters
(from the registry), plans, then per page: extract (task) → transform (task, pure) → load per
batch (task: skip unchanged, write, record bindings and dead letters at once), then finish
(deferred writes), completes the claimed inbox routes, commits the watermark (incremental runs,
only after every batch) and publishes the run's artifacts.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from contextlib import ExitStack
from typing import Any, TypeVar, cast

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import TaskRun
from prefect.runtime import flow_run
from prefect.states import State
from prefect.utilities.annotations import quote

from connectors.http import TransientError, all_usage
from connectors.records import Failure, Page
from connectors.state import StateStore
from flows import anomaly, artifacts, engine, observe, registry, reports
from flows.lease import PairLease
from flows.ports import Context, LoadResult, Source, Target
from flows.registry import Role
from flows.usecases import UseCase

T = TypeVar("T")


def _infrastructure_only(task: Any, task_run: TaskRun, state: State[Any]) -> bool:
    """Prefect retries are for infrastructure: never for record, auth, config or quota errors."""
    try:
        state.result()
    except (TransientError, OSError):
        return True
    except Exception:  # any other failure is final for this run
        return False
    return False


def _same(value: T) -> T:
    return value


def opaque(value: T) -> T:
    """`value`, marked so Prefect does not walk it looking for upstream futures.

    Prefect visits every item of task arguments; for thousands of records that costs more than
    the work itself (bench/order_to_cash.py: 9.1 s → 2.1 s for an unchanged 2,000-order run).
    """
    return cast(T, quote(value))


TASK_OPTIONS: dict[str, Any] = {
    "cache_policy": NO_CACHE,
    "retries": 1,
    "retry_delay_seconds": 10,
    "retry_condition_fn": _infrastructure_only,
    "timeout_seconds": 1800,
}


@task(**TASK_OPTIONS)
def extract(source: Source[Any], plan: engine.Plan, cursor: Any) -> Page[Any]:
    """Read one page of the plan's records from the source."""
    return engine.read(source, plan, cursor)


@task(cache_policy=NO_CACHE)
def transform(source: Source[Any], plan: engine.Plan, page: Page[Any]) -> engine.Decoded:
    """Decode raw records to canonical ones and apply the use case's filter (pure)."""
    return engine.decode(source, plan.use_case, page)


@task(**TASK_OPTIONS)
def load(
    target: Target[Any],
    state: StateStore,
    plan: engine.Plan,
    records: Sequence[Any],
    failures: Sequence[Failure],
    run_id: str | None,
    memory: engine.Memory | None = None,
) -> reports.BatchReport:
    """Write one batch (idempotent: safe to retry), then record its outcome at once. The use
    case's `inspect` hook runs first: records it holds for review are not written."""
    items, done = engine.prepare(target, state, records)
    items, found = engine.inspect(plan, state, target, records, items)
    result = target.load(items) if items else LoadResult()
    return engine.record(
        state, plan, target, result, [*done, *found.held], failures, run_id, found, memory
    )


@task(**TASK_OPTIONS)
def finish(
    target: Target[Any],
    state: StateStore,
    plan: engine.Plan,
    run_id: str | None,
    memory: engine.Memory | None = None,
) -> reports.BatchReport:
    """Write what the target deferred to pack its calls, and record it."""
    return engine.record(state, plan, target, target.finish(), (), (), run_id, None, memory)


STEPS: dict[str, Any] = {"extract": extract, "transform": transform, "load": load, "finish": finish}
PLAIN_STEPS: dict[str, Any] = {name: t.fn for name, t in STEPS.items()}


def open_role(slug: str, use_case: UseCase, role: Role, ctx: Context) -> Any:
    """The adapter of `slug` for the use case's entity in `role`, configured from settings."""
    return registry.spec(slug).adapter(use_case.entity, role)(ctx)


def _calls_since(before: dict[str, dict[str, Any]]) -> dict[str, int]:
    now = all_usage()
    return {
        name: int(snap.get("calls", 0)) - int(before.get(name, {}).get("calls", 0))
        for name, snap in sorted(now.items())
        if int(snap.get("calls", 0)) - int(before.get(name, {}).get("calls", 0))
    }


def run_sync(
    use_case: UseCase,
    *,
    source: str,
    target: str,
    window_start: dt.datetime | None = None,
    window_end: dt.datetime | None = None,
    ids: Sequence[str] | None = None,
    from_inbox: bool = False,
    orchestrated: bool = True,
) -> dict[str, Any]:
    """Run `use_case` from `source` to `target` once; returns the run summary as a dict.

    `orchestrated=False` runs the same steps as plain calls, outside any flow (benchmarks
    measure the orchestration overhead as the difference).
    """
    logger: Any = get_run_logger() if orchestrated else logging.getLogger("storebridge.sync")
    steps = STEPS if orchestrated else PLAIN_STEPS
    settings = use_case.settings()
    run_id = flow_run.get_id() or f"local-{uuid.uuid4()}"
    in_run = orchestrated and observe.in_flow_run()
    usage_before = all_usage()
    with ExitStack() as stack:
        if in_run:
            stack.enter_context(observe.forward_logs())
            # tagged first: a run that fails before planning still matches the automations
            observe.tag_run(run_id, ["storebridge", use_case.name, f"{source}-{target}"])
        state = StateStore.from_settings()
        stack.callback(state.dispose)
        state.upgrade()
        # one run per (use case, pair) at a time, whichever deployment or machine started it
        lease = PairLease(
            state, use_case.stream(source, target), run_id, settings.lease_ttl_seconds
        )
        if not lease.acquire(settings.lease_wait_seconds):
            holder = lease.holder_now() or "another run"
            logger.warning(
                "%s %s→%s: skipped, the pair is busy with run %s (waited %.0f s)",
                use_case.name,
                source,
                target,
                holder,
                settings.lease_wait_seconds,
            )
            busy = reports.RunSummary(
                use_case.name, source, target, "busy", None, None, flow_run_id=run_id
            )
            busy.busy_with = holder
            return busy.as_dict()
        stack.callback(lease.release)
        src: Source[Any] = open_role(
            source, use_case, Role.SOURCE, Context(state, target, use_case.name)
        )
        stack.callback(src.close)
        dst: Target[Any] = open_role(
            target, use_case, Role.TARGET, Context(state, source, use_case.name)
        )
        stack.callback(dst.close)
        plan = engine.make_plan(
            use_case,
            state,
            settings,
            source=source,
            target=target,
            window_start=window_start,
            window_end=window_end,
            ids=ids,
            from_inbox=from_inbox,
            claimer=run_id,
        )
        if in_run:
            observe.tag_run(run_id, [plan.mode], name=plan.run_name())
        try:
            return _run(
                use_case,
                plan,
                state,
                src,
                dst,
                settings,
                run_id,
                usage_before,
                logger,
                steps,
                lease,
                in_run,
            )
        except BaseException as exc:
            if plan.route_ids:  # a new run will be asked for these events (with a new key)
                state.release_events(plan.route_ids, f"{type(exc).__name__}: {exc}"[:500])
            if in_run:
                artifacts.publish_failure(use_case.name, plan, exc)
            raise


def _run(
    use_case: UseCase,
    plan: engine.Plan,
    state: StateStore,
    src: Source[Any],
    dst: Target[Any],
    settings: Any,
    run_id: str,
    usage_before: dict[str, Any],
    logger: Any,
    steps: dict[str, Any],
    lease: PairLease,
    in_run: bool,
) -> dict[str, Any]:
    """The page loop of `run_sync` (see the module docstring)."""
    extract, transform, load, finish = (
        steps[k] for k in ("extract", "transform", "load", "finish")
    )
    wrap = opaque if steps is STEPS else _same
    source, target = plan.source, plan.target
    summary = reports.RunSummary(
        use_case.name,
        source,
        target,
        plan.mode,
        plan.since.isoformat() if plan.since else None,
        plan.until.isoformat() if plan.until else None,
        flow_run_id=run_id,
    )
    logger.info("%s %s→%s %s run: %s", use_case.name, source, target, plan.mode, plan.describe())
    size = settings.batch_size or use_case.batch_size
    cursor: Any = None
    pages = 0
    seen: set[str] = set()  # a record read twice in one run (overlapping pages) loads once
    # Records of several pages make one batch (a page of 300 orders, a batch of 1,000): fewer,
    # fuller look-ups and writes; memory stays bounded by the batch.
    pending: list[Any] = []
    failures: list[Failure] = []
    key = artifacts.artifact_key(use_case.name, source, target, plan.mode)
    announce = observe.Announcer(use_case.name, source, target, use_case.entity.value)
    flagger = anomaly.Announcer(use_case.name, source, target, use_case.entity.value)
    memory = engine.Memory()  # what the inspect hook remembers, until its records load
    progress: artifacts.Progress | None = None

    def loaded(report: reports.BatchReport) -> None:
        summary.add(report)
        if report.counts or report.failures:
            logger.info(
                "batch %d: created %d, updated %d, unchanged %d, dead-lettered %d",
                summary.batches,
                report.counts.get("created", 0),
                report.counts.get("updated", 0),
                report.counts.get("unchanged", 0),
                len(report.failures),
            )
        if in_run:
            announce.dead_letters(report.failures, report.dead_letter_ids)
            flagger.flags(report.flags)
            if progress is not None:
                progress.update(summary.read - len(pending) - len(failures))

    while True:
        lease.check()
        page = extract(wrap(src), plan, wrap(cursor))
        if pages == 0:
            if hasattr(dst, "expect"):
                dst.expect(page.total)  # e.g. pick Bulk API 2.0 for a large load
            if in_run:
                total = page.total if page.total is not None else (len(plan.ids) or None)
                progress = artifacts.Progress(key, total)
        decoded = transform(wrap(src), plan, wrap(page))
        fresh = [r for r in decoded.records if r.ref.key not in seen]
        seen.update(r.ref.key for r in fresh)
        summary.read += decoded.read
        summary.skipped += len(decoded.skipped)
        pending += fresh
        failures += decoded.failures
        pages += 1
        cursor = page.next
        while len(pending) >= size or (cursor is None and (pending or failures)):
            chunk, pending = pending[:size], pending[size:]
            lease.check()
            report = load(wrap(dst), state, plan, wrap(chunk), wrap(failures), run_id, wrap(memory))
            failures = []
            loaded(report)
        logger.info(
            "page %d: read %d, so far created %d, updated %d, unchanged %d, dead-lettered %d",
            pages,
            decoded.read,
            summary.created,
            summary.updated,
            summary.unchanged,
            summary.dead_lettered,
        )
        if cursor is None:
            break
    lease.check()
    loaded(finish(wrap(dst), state, plan, run_id, wrap(memory)))
    if plan.route_ids:  # every claimed event is now loaded, skipped or dead-lettered
        state.complete_events(plan.route_ids)
    if plan.window is not None:  # only after every batch loaded
        state.commit_window(plan.window, flow_run_id=run_id)
    summary.api_calls = _calls_since(usage_before)
    if in_run:
        if progress is not None:
            progress.complete()
        artifacts.publish(summary)
        if use_case.inspect:
            anomaly.publish(summary)
        announce.written(summary)
    logger.info(
        "read %d, created %d, updated %d, unchanged %d, skipped %d, dead-lettered %d",
        summary.read,
        summary.created,
        summary.updated,
        summary.unchanged,
        summary.skipped,
        summary.dead_lettered,
    )
    return summary.as_dict()
