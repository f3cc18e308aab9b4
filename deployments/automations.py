"""Prefect automations shipped as code: `storebridge automations apply` creates (or replaces)
them on the server `PREFECT_API_URL` names.

* **runs that failed** (Failed, Crashed, TimedOut) of any storebridge flow;
* **dead letters above a threshold**: N `storebridge.dead_letter.created` events of one use
  case and pair within an hour;
* **quiet stores**: no `storebridge.records.written` event of a use case (default: order-to-cash)
  for N hours, a Prefect proactive trigger (metric triggers are Prefect Cloud only);
* **zombie runs**: a run whose heartbeats stopped for 3 intervals (killed with -9, machine
  lost) is set Crashed, which frees its deployment's concurrency slot (runs send heartbeats when
  `PREFECT_FLOWS_HEARTBEAT_FREQUENCY` is set; prefect.yaml sets 30 s for its work pool). The
  state store's pair lease of such a run expires on its own after its time to live;
* **anomalies** (off by default: `STOREBRIDGE_ANOMALY_ALERTS=true` when applying): N
  `storebridge.anomaly` events of one use case and pair within an hour (`flows/anomaly.py`: an
  order far outside the merchant's normal, stock or prices moving beyond their thresholds),
  routed to the same notification block; the alert names the record, the rule and the score.

Alerts go to a Prefect notification block (`--notify <block name>`: Slack, Teams, PagerDuty,
a custom webhook, ...). Without one, they are recorded as the automation's events, visible in
the UI's event feed. Automations are named `storebridge: ...`; applying again replaces them.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

PREFIX = "storebridge: "
ANOMALY_ALERTS_VARIABLE = "STOREBRIDGE_ANOMALY_ALERTS"


def _anomaly_alerts_wanted() -> bool:
    """The anomaly automation is applied only when asked for (off by default)."""
    return os.environ.get(ANOMALY_ALERTS_VARIABLE, "").strip().lower() in ("1", "true", "yes")


@dataclass(frozen=True)
class AlertSettings:
    """What the shipped automations watch for."""

    dead_letters_per_hour: int = 10
    quiet_hours: float = 6.0
    quiet_use_case: str = "order-to-cash"
    heartbeat_s: int = 30
    notify_block: str | None = None
    anomaly_alerts: bool = field(default_factory=_anomaly_alerts_wanted)
    anomalies_per_hour: int = 1


def _actions(block_id: UUID | None, subject: str, body: str) -> list[Any]:
    from prefect.events.actions import DoNothing, SendNotification

    if block_id is None:
        return [DoNothing()]
    return [SendNotification(block_document_id=block_id, subject=subject, body=body)]


def anomaly_alert(settings: AlertSettings, block_id: UUID | None = None) -> Any:
    """The automation on ``storebridge.anomaly`` events (see the module docstring)."""
    from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture

    n = settings.anomalies_per_hour
    return AutomationCore(
        name=PREFIX + "anomalies",
        description=f"{n} or more anomaly flags of one use case and pair within an hour",
        trigger=EventTrigger(
            expect={"storebridge.anomaly"},
            match={"prefect.resource.id": "storebridge.record.*"},
            for_each={"storebridge.use-case", "storebridge.source", "storebridge.target"},
            posture=Posture.Reactive,
            threshold=n,
            within=dt.timedelta(hours=1),
        ),
        actions=_actions(
            block_id,
            "storebridge: anomaly {{ event.resource['storebridge.rule'] }}",
            "{{ event.resource['storebridge.use-case'] }} "
            "{{ event.resource['storebridge.source'] }} -> "
            "{{ event.resource['storebridge.target'] }}: "
            "{{ event.resource['prefect.resource.name'] }} flagged "
            "{{ event.resource['storebridge.rule'] }} (score "
            "{{ event.resource['storebridge.score'] }}, held for review: "
            "{{ event.resource['storebridge.held'] }}); see the run's anomalies artifact "
            "and storebridge deadletters list",
        ),
    )


def definitions(settings: AlertSettings, block_id: UUID | None = None) -> list[Any]:
    """The automations (not yet created), from `settings`."""
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState
    from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture

    from flows.usecases import USE_CASES

    flows = sorted(USE_CASES)
    finished = {
        "prefect.flow-run.Completed",
        "prefect.flow-run.Failed",
        "prefect.flow-run.Cancelled",
        "prefect.flow-run.Crashed",
    }
    return [
        AutomationCore(
            name=PREFIX + "run failed",
            description="a storebridge run ended Failed, Crashed or TimedOut",
            trigger=EventTrigger(
                expect={
                    "prefect.flow-run.Failed",
                    "prefect.flow-run.Crashed",
                    "prefect.flow-run.TimedOut",
                },
                match={"prefect.resource.id": "prefect.flow-run.*"},
                # by flow name: a run's state events carry its flow, not tags added while it
                # runs, and a run that fails before anything else is still one of ours
                match_related={"prefect.resource.role": "flow", "prefect.resource.name": flows},
                posture=Posture.Reactive,
                threshold=1,
                within=dt.timedelta(0),
            ),
            actions=_actions(
                block_id,
                "storebridge run {{ flow_run.name }} {{ flow_run.state.name }}",
                "{{ flow.name }} / {{ flow_run.name }}: {{ flow_run.state.message }}",
            ),
        ),
        AutomationCore(
            name=PREFIX + "dead letters",
            description=f"{settings.dead_letters_per_hour} or more dead letters of one use case "
            "and pair within an hour",
            trigger=EventTrigger(
                expect={"storebridge.dead_letter.created"},
                match={"prefect.resource.id": "storebridge.dead-letter.*"},
                for_each={"storebridge.use-case", "storebridge.source", "storebridge.target"},
                posture=Posture.Reactive,
                threshold=settings.dead_letters_per_hour,
                within=dt.timedelta(hours=1),
            ),
            actions=_actions(
                block_id,
                "storebridge: dead letters piling up",
                "{{ event.resource['storebridge.use-case'] }} "
                "{{ event.resource['storebridge.source'] }} -> "
                "{{ event.resource['storebridge.target'] }}: "
                f"{settings.dead_letters_per_hour}+ dead letters within an hour "
                "(storebridge deadletters list)",
            ),
        ),
        AutomationCore(
            name=PREFIX + f"no {settings.quiet_use_case} records",
            description=f"no {settings.quiet_use_case} record written for "
            f"{settings.quiet_hours:g} hours",
            trigger=EventTrigger(
                expect={"storebridge.records.written"},
                match={"prefect.resource.id": f"storebridge.use-case.{settings.quiet_use_case}.*"},
                posture=Posture.Proactive,
                threshold=1,
                within=dt.timedelta(hours=settings.quiet_hours),
            ),
            actions=_actions(
                block_id,
                f"storebridge: no {settings.quiet_use_case} records",
                f"nothing written by {settings.quiet_use_case} for {settings.quiet_hours:g} "
                "hours: is the store quiet, or are webhooks and polls failing?",
            ),
        ),
        AutomationCore(
            name=PREFIX + "zombie runs",
            description="a running flow whose heartbeats stopped is marked Crashed",
            trigger=EventTrigger(
                after={"prefect.flow-run.heartbeat"},
                expect={"prefect.flow-run.heartbeat", *finished},
                match={"prefect.resource.id": "prefect.flow-run.*"},
                for_each={"prefect.resource.id"},
                posture=Posture.Proactive,
                threshold=1,
                within=dt.timedelta(seconds=3 * settings.heartbeat_s),
            ),
            actions=[
                ChangeFlowRunState(
                    state=StateType.CRASHED,
                    message="no heartbeat for "
                    f"{3 * settings.heartbeat_s} s: the process is gone (killed or lost)",
                )
            ],
        ),
        *([anomaly_alert(settings, block_id)] if settings.anomaly_alerts else []),
    ]


def apply(settings: AlertSettings) -> list[tuple[str, UUID]]:
    """Create the automations, replacing those of the same names; their (name, id).

    Raises:
        ValueError: the notification block does not exist.
    """
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        block_id = None
        if settings.notify_block:
            found = [
                b
                for b in client.read_block_documents(include_secrets=False)
                if b.name == settings.notify_block
            ]
            if not found:
                raise ValueError(
                    f"no notification block named {settings.notify_block!r} "
                    "(create one in the UI: Blocks → e.g. Slack Webhook)"
                )
            block_id = found[0].id
        created = []
        for automation in definitions(settings, block_id):
            for old in client.read_automations_by_name(automation.name):
                client.delete_automation(old.id)
            created.append((automation.name, client.create_automation(automation)))
        return created


def existing() -> list[Any]:
    """The storebridge automations on the server."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return [a for a in client.read_automations() if a.name.startswith(PREFIX)]


def remove() -> int:
    """Delete the storebridge automations; how many."""
    from prefect.client.orchestration import get_client

    gone = existing()
    with get_client(sync_client=True) as client:
        for automation in gone:
            client.delete_automation(automation.id)
    return len(gone)
