"""`storebridge automations`: created on a real Prefect server, replaced when applied again, and
firing: a failed storebridge run notifies the configured block."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from typer.testing import CliRunner

from deployments.automations import PREFIX, AlertSettings, apply, existing, remove
from deployments.cli import app

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_server")]
runner = CliRunner()
NAMES = {
    PREFIX + "run failed",
    PREFIX + "dead letters",
    PREFIX + "no order-to-cash records",
    PREFIX + "zombie runs",
}


class Receiver:
    """A loopback HTTP endpoint that keeps what is POSTed to it."""

    def __init__(self) -> None:
        self.bodies: list[Any] = []
        received = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                received.append(json.loads(self.rfile.read(length) or b"null"))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(autouse=True)
def clean() -> Iterator[None]:
    remove()
    yield
    remove()


def test_apply_creates_each_automation_once_and_again_replaces_them() -> None:
    first = dict(apply(AlertSettings(dead_letters_per_hour=3, quiet_hours=2)))
    assert set(first) == NAMES
    again = dict(apply(AlertSettings(dead_letters_per_hour=5, quiet_hours=2)))
    found = {a.name: a for a in existing()}
    assert set(found) == NAMES  # replaced, not duplicated
    assert {a.id for a in found.values()} == set(again.values())
    assert not set(first.values()) & set(again.values())
    dead = found[PREFIX + "dead letters"].trigger
    assert dead.threshold == 5
    assert dead.expect == {"storebridge.dead_letter.created"}
    assert dead.for_each == {"storebridge.use-case", "storebridge.source", "storebridge.target"}
    quiet = found[PREFIX + "no order-to-cash records"].trigger
    assert quiet.posture.value == "Proactive"
    assert quiet.within.total_seconds() == 2 * 3600
    zombie = found[PREFIX + "zombie runs"]
    assert zombie.trigger.within.total_seconds() == 90
    assert zombie.actions[0].state.value == "CRASHED"
    failed = found[PREFIX + "run failed"].trigger
    related = failed.match_related.model_dump()
    assert related["prefect.resource.role"] == "flow"
    assert set(related["prefect.resource.name"]) == {
        "order-to-cash",
        "fulfilment",
        "customers",
        "catalog",
        "inventory",
    }


def test_the_cli_applies_lists_and_removes(receiver: Receiver) -> None:
    unknown = runner.invoke(app, ["automations", "apply", "--notify", "no-such-block"])
    assert unknown.exit_code == 2
    assert "no notification block named 'no-such-block'" in unknown.output
    assert existing() == []  # nothing half-applied
    bad = runner.invoke(app, ["automations", "apply", "--quiet-use-case", "nope"])
    assert bad.exit_code == 2
    applied = runner.invoke(app, ["automations", "apply", "--quiet-hours", "3"])
    assert applied.exit_code == 0, applied.output
    listed = runner.invoke(app, ["automations", "list"])
    assert all(name in listed.output for name in NAMES)
    removed = runner.invoke(app, ["automations", "remove"])
    assert "removed 4 automation(s)" in removed.output
    assert existing() == []


def test_a_failed_storebridge_run_notifies_the_block(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    from flows.order_to_cash import order_to_cash

    CustomWebhookNotificationBlock(
        name="test-alerts",
        url=receiver.url,
        json_data={"text": "{{subject}} | {{body}}"},
        allow_private_urls=True,
    ).save("storebridge-test-alerts", overwrite=True)
    apply(AlertSettings(notify_block="storebridge-test-alerts"))
    # a run that fails before it plans (a wrong state URL) is still alerted on
    monkeypatch.setenv("STOREBRIDGE_STATE_URL", "mysql://u:secret-pw@db.invalid/state")
    state = order_to_cash(ids=["1"], return_state=True)
    assert state.is_failed()
    deadline = time.monotonic() + 60
    while not receiver.bodies and time.monotonic() < deadline:
        time.sleep(0.5)
    assert receiver.bodies, "no alert within 60 s of the failed run"
    text = receiver.bodies[0]["text"]
    assert "order-to-cash shift4shop→salesforce" in text
    assert "Failed" in text
    assert "secret-pw" not in text


def test_a_run_whose_heartbeats_stop_is_marked_crashed() -> None:
    """What happens to a run killed with -9: its heartbeats stop, the zombie automation sets it
    Crashed (and so frees its deployment's concurrency slot). Heartbeats are sent by hand here
    (a real run sends one every PREFECT_FLOWS_HEARTBEAT_FREQUENCY >= 30 s)."""
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.events import emit_event
    from prefect.states import Running

    @flow(name="zombie-candidate")
    def victim() -> None:  # never run: only its run record is needed
        pass

    apply(AlertSettings(heartbeat_s=5))  # no heartbeat for 15 s: crashed
    with get_client(sync_client=True) as client:
        run = client.create_flow_run(victim)
        client.set_flow_run_state(run.id, Running())
        for _ in range(3):
            emit_event(
                event="prefect.flow-run.heartbeat",
                resource={"prefect.resource.id": f"prefect.flow-run.{run.id}"},
            )
            time.sleep(1)
        deadline = time.monotonic() + 90
        state = client.read_flow_run(run.id).state
        while state is not None and state.is_running() and time.monotonic() < deadline:
            time.sleep(1)
            state = client.read_flow_run(run.id).state
    assert state is not None
    assert state.is_crashed(), state
    assert "no heartbeat" in (state.message or "")
