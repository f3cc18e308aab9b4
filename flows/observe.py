"""What a run shows in Prefect.

`run_sync` (flows/sync.py) uses these; each degrades to nothing outside a flow run (plain mode,
benchmarks), so the engine never depends on Prefect being there:

* `tag_run`: the run's name says what ran (use case, pair, mode, window or ids), its tags
  too (`storebridge`, the use case, the pair, the mode), for deployments and CLI runs alike;
* `Announcer`: one `storebridge.dead_letter.created` event per dead letter (capped per run),
  and `storebridge.records.written` when a run wrote records (what "no order received for N
  hours" automations watch);
* `forward_logs`: storebridge's own loggers (connectors, flows) reach the run's logs in the UI,
  redacted;
* `final_state`: "Completed with dead letters" (or "Skipped") instead of a plain green
  Completed, with the counts as its message;
* `brief_console`: for the CLI, Prefect's console prints no tracebacks (the API keeps them).

The run's artifacts are in `flows/artifacts.py`; the lease that keeps two runs of a pair apart
in `flows/lease.py`.

Nothing personal goes into names, events or artifacts: records are named by their source id
and error texts are redacted.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from connectors.http.redaction import redact_text

log = logging.getLogger("storebridge.sync")

DEAD_LETTER_EVENTS_PER_RUN = 200  # the rest are counted in the run's state message
FORWARDED_LOGGERS = ("connectors", "flows", "storebridge")


def in_flow_run() -> bool:
    from prefect.context import FlowRunContext

    return FlowRunContext.get() is not None


def tag_run(flow_run_id: str, tags: list[str], name: str | None = None) -> None:
    """Add tags to the current flow run (keeping its own), and give it its meaningful name."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        run = client.read_flow_run(flow_run_id)  # type: ignore[arg-type]
        merged = list(dict.fromkeys([*run.tags, *tags]))
        client.update_flow_run(flow_run_id, name=name, tags=merged)  # type: ignore[arg-type]


class Announcer:
    """Prefect events of a run: dead letters (capped) and records read."""

    def __init__(self, use_case: str, source: str, target: str, entity: str) -> None:
        self.labels = {
            "storebridge.use-case": use_case,
            "storebridge.source": source,
            "storebridge.target": target,
            "storebridge.entity": entity,
        }
        self.pair = f"storebridge.use-case.{use_case}.{source}.{target}"
        self.sent = 0

    def dead_letters(self, failures: list[Any], ids: list[int]) -> None:
        from prefect.events import emit_event

        for failure, dead_letter_id in zip(failures, ids, strict=False):
            if self.sent >= DEAD_LETTER_EVENTS_PER_RUN:
                return
            self.sent += 1
            emit_event(
                event="storebridge.dead_letter.created",
                resource={
                    "prefect.resource.id": f"storebridge.dead-letter.{dead_letter_id}",
                    "prefect.resource.name": f"dead letter {dead_letter_id}",
                    **self.labels,
                    "storebridge.record": str(failure.record),
                    "storebridge.error": failure.error_class,
                },
                related=[{"prefect.resource.id": self.pair, "prefect.resource.role": "pair"}],
                payload={
                    "reason": redact_text(failure.message)[:500],
                    "replay": f"storebridge deadletters replay {dead_letter_id}",
                },
            )

    def written(self, summary: Any) -> None:
        """`storebridge.records.written` when the run created or updated records (a quiet
        store's automation waits for it)."""
        if not (summary.created or summary.updated):
            return
        from prefect.events import emit_event

        emit_event(
            event="storebridge.records.written",
            resource={"prefect.resource.id": self.pair, **self.labels},
            payload={
                k: getattr(summary, k)
                for k in ("read", "created", "updated", "unchanged", "dead_lettered", "mode")
            },
        )


class _Redacting(logging.Filter):
    """Redacts the message; drops records logged outside the run (e.g. by a helper thread),
    which Prefect could not attach to a run."""

    def filter(self, record: logging.LogRecord) -> bool:
        from prefect.context import FlowRunContext, TaskRunContext

        if not (
            getattr(record, "flow_run_id", None) or FlowRunContext.get() or TaskRunContext.get()
        ):
            return False
        record.msg, record.args = redact_text(record.getMessage()), None
        return True


@contextmanager
def forward_logs(level: int = logging.INFO) -> Iterator[None]:
    """storebridge's loggers also go to the current flow run's logs (redacted), unless
    `PREFECT_LOGGING_EXTRA_LOGGERS` already sends them."""
    from prefect.logging.handlers import APILogHandler
    from prefect.settings import get_current_settings

    extra = set(get_current_settings().logging.extra_loggers or [])
    handler = APILogHandler(level=level)
    handler.addFilter(_Redacting())
    touched: list[tuple[logging.Logger, int]] = []
    for name in FORWARDED_LOGGERS:
        if name in extra:
            continue
        logger = logging.getLogger(name)
        touched.append((logger, logger.level))
        if logger.getEffectiveLevel() > level:
            logger.setLevel(level)
        logger.addHandler(handler)
    try:
        yield
    finally:
        for logger, old in touched:
            logger.removeHandler(handler)
            logger.setLevel(old)


def counts_message(summary: dict[str, Any]) -> str:
    text = ", ".join(
        f"{k.replace('_', '-')} {summary.get(k, 0)}"
        for k in ("read", "created", "updated", "unchanged", "skipped", "dead_lettered")
    )
    if summary.get("dead_lettered"):
        text += " (storebridge deadletters list; replay with storebridge deadletters replay)"
    return text


def final_state(summary: dict[str, Any]) -> Any:
    """The run's final Prefect state, carrying the run summary as its result. Prefect makes a
    returned state the run's state, and a direct caller of the flow still gets the summary.
    Outside a flow run (plain calls) the summary itself is returned."""
    from prefect.states import Completed

    if not in_flow_run():
        return summary
    if summary.get("busy_with"):
        return Completed(
            name="Skipped",
            message=f"another run of this pair is still running ({summary['busy_with']}); "
            "nothing was read (the next run catches up)",
            data=summary,
        )
    if summary.get("dead_lettered"):
        return Completed(
            name="Completed with dead letters", message=counts_message(summary), data=summary
        )
    return Completed(message=counts_message(summary), data=summary)


class _Brief(logging.Formatter):
    """Formats like `inner`, without the traceback (kept for the API log handler)."""

    def __init__(self, inner: logging.Formatter | None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        try:
            return self.inner.format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


def brief_console() -> None:
    """Prefect's console handlers stop printing tracebacks (the run's logs in the API keep
    them): for the CLI, whose failures print one line."""
    import prefect.main  # noqa: F401 - configures Prefect's logging (once per process)
    from prefect.logging.handlers import APILogHandler

    loggers = [logging.getLogger()] + [
        logging.getLogger(name) for name in list(logging.Logger.manager.loggerDict)
    ]
    for logger in loggers:
        for handler in logger.handlers:
            console = isinstance(handler, logging.StreamHandler) and not isinstance(
                handler, APILogHandler | logging.FileHandler
            )
            if console and not isinstance(handler.formatter, _Brief):
                handler.setFormatter(_Brief(handler.formatter))
