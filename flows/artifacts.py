"""The Prefect artifacts of a run: its counts, its dead letters, its progress, its failure.

Keys are per (use case, pair, mode) (`artifact_key`), so "latest" compares backfills with
backfills: ``order-to-cash-shift4shop-salesforce-window`` (a table of the counts and API calls
per system), ``...-dead-letters`` (each with the command that replays it), ``...-progress``
(updated as batches load) and ``...-failure`` (what failed and what is safe to do next).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from prefect.artifacts import create_table_artifact

from connectors.http.redaction import redact_text
from flows import engine, reports


def artifact_key(use_case: str, source: str, target: str, mode: str) -> str:
    """Artifact keys per (use case, pair, mode), so "latest" compares like with like."""
    return f"{use_case}-{source}-{target}-{mode}".lower()


# Called with (records done, total) as batches load, e.g. the CLI's progress line.
PROGRESS_LISTENERS: list[Callable[[int, int], None]] = []


class Progress:
    """A progress artifact of the run, updated as batches load (only when the total is known)."""

    def __init__(self, key: str, total: int | None) -> None:
        self.total = total
        self.id: Any = None
        self.done = 0
        if total:
            from prefect.artifacts import create_progress_artifact

            self.id = create_progress_artifact(
                0.0, key=f"{key}-progress", description=f"records loaded of {total}"
            )

    def update(self, done: int) -> None:
        if self.id is None or not self.total or done == self.done:
            return
        from prefect.artifacts import update_progress_artifact

        self.done = done
        update_progress_artifact(self.id, progress=min(100.0, 100.0 * done / self.total))
        for listener in PROGRESS_LISTENERS:
            listener(min(done, self.total), self.total)

    def complete(self) -> None:
        """Every page was read and loaded (the store's total may count records it then
        does not return, e.g. abandoned checkouts filtered at the source)."""
        if self.total:
            self.update(self.total)


def publish(summary: reports.RunSummary) -> None:
    """The run's counts and dead letters as Prefect table artifacts (versioned per pair)."""
    key = artifact_key(summary.use_case, summary.source, summary.target, summary.mode)
    row: dict[str, Any] = {
        "mode": summary.mode,
        "read": summary.read,
        "created": summary.created,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "skipped": summary.skipped,
        "dead_lettered": summary.dead_lettered,
    }
    row |= {f"api_calls_{name}": calls for name, calls in summary.api_calls.items()}
    create_table_artifact(
        [row],
        key=key,
        description=f"{summary.use_case} {summary.source} → {summary.target}: "
        f"{summary.since or ''} .. {summary.until or ''}",
    )
    if summary.dead_letters:
        rows = [
            {**d, "replay": f"storebridge deadletters replay {d['id']}"}
            for d in summary.dead_letters
        ]
        shown = len(rows)
        create_table_artifact(
            rows,
            key=f"{key}-dead-letters",
            description=f"{summary.dead_lettered} record(s) parked in the dead-letter table"
            + (f" (first {shown} shown)" if shown < summary.dead_lettered else "")
            + ": `storebridge deadletters list`; replay them all with `storebridge deadletters "
            "replay`, or one with the command in its row",
        )


def publish_failure(use_case: str, plan: engine.Plan, exc: BaseException) -> None:
    """A failed run leaves an artifact too: what failed, and what is safe to do next."""
    from prefect.artifacts import create_markdown_artifact

    key = artifact_key(use_case, plan.source, plan.target, plan.mode)
    text = redact_text(f"{type(exc).__name__}: {exc}")[:2000]
    resume = (
        "The watermark did not move: the next run reads this window again."
        if plan.window is not None
        else "Rerun the same parameters: written records are skipped as unchanged."
    )
    try:
        create_markdown_artifact(
            f"## {plan.run_name()} failed\n\n```\n{text}\n```\n\n{resume} Batches that "
            "finished before the failure are recorded (bindings and dead letters).",
            key=f"{key}-failure",
            description="why the last run of this pair and mode failed",
        )
    except Exception:  # never hide the run's own error behind the artifact's
        logging.getLogger("storebridge.sync").warning("could not publish the failure artifact")
