"""What a run reports: per batch (`BatchReport`) and for the whole run (`RunSummary`).

The engine (`flows/engine.py`) fills them; `flows/sync.py` adds each batch's report to the run's
summary, `flows/artifacts.py` shows it in Prefect, the flows return it and the demo prints it.
Only counts and samples are kept (records are not), so memory stays bounded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connectors.http.redaction import redact_text
from connectors.records import Failure
from flows.ports import Status

DEAD_LETTER_SAMPLE = 100  # dead letters listed in a run summary (all are in the state store)
FLAG_SAMPLE = 500  # anomaly flags listed in a run summary (each is also a Prefect event)


@dataclass
class BatchReport:
    """What one batch did (the counts only: records are not kept, memory stays bounded)."""

    counts: dict[str, int] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    dead_letter_ids: list[int] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)
    flags: list[dict[str, Any]] = field(default_factory=list)  # anomaly flags (inspect hook)
    held: int = 0  # records held for review instead of loaded
    accepted: int = 0  # held records a reviewer accepted, loaded despite their flags

    def add(self, status: Status, n: int = 1) -> None:
        self.counts[status.value] = self.counts.get(status.value, 0) + n


@dataclass
class RunSummary:
    """What a run did; shown as artifacts, returned by the flow, printed by the demo."""

    use_case: str
    source: str
    target: str
    mode: str
    since: str | None
    until: str | None
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    dead_lettered: int = 0
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    flagged: int = 0  # anomaly flags raised (a record may raise several)
    held_for_review: int = 0  # records held as review dead letters instead of loaded
    accepted: int = 0  # held records loaded because a reviewer accepted them
    flags: list[dict[str, Any]] = field(default_factory=list)
    api_calls: dict[str, int] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    batches: int = 0
    flow_run_id: str | None = None
    busy_with: str | None = None  # the run holding the pair's lease, when this one did not run

    def add(self, report: BatchReport) -> None:
        self.batches += 1
        for key in ("created", "updated", "unchanged", "skipped"):
            setattr(self, key, getattr(self, key) + report.counts.get(key, 0))
        self.dead_lettered += len(report.failures)
        for f, dl in zip(report.failures, report.dead_letter_ids, strict=False):
            if len(self.dead_letters) < DEAD_LETTER_SAMPLE:
                self.dead_letters.append(
                    {
                        "id": dl,
                        "record": f.record,
                        "error": f.error_class,
                        "reason": redact_text(f.message),
                    }
                )
        for key, value in report.counters.items():
            self.counters[key] = self.counters.get(key, 0) + value
        self.flagged += len(report.flags)
        self.held_for_review += report.held
        self.accepted += report.accepted
        self.flags += report.flags[: max(0, FLAG_SAMPLE - len(self.flags))]

    def as_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)
