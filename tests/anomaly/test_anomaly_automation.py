"""The anomaly automation: off unless asked for, then routed like the other alerts."""

from __future__ import annotations

import uuid

import pytest

from deployments.automations import PREFIX, AlertSettings, definitions


def test_it_is_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STOREBRIDGE_ANOMALY_ALERTS", raising=False)
    assert PREFIX + "anomalies" not in {a.name for a in definitions(AlertSettings())}


def test_asked_for_it_matches_anomaly_events_per_pair_and_notifies_the_block(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STOREBRIDGE_ANOMALY_ALERTS", "true")
    block = uuid.uuid4()
    found = {a.name: a for a in definitions(AlertSettings(anomalies_per_hour=3), block)}
    alert = found[PREFIX + "anomalies"]
    assert alert.trigger.expect == {"storebridge.anomaly"}
    assert alert.trigger.match.model_dump() == {"prefect.resource.id": "storebridge.record.*"}
    assert alert.trigger.for_each == {
        "storebridge.use-case",
        "storebridge.source",
        "storebridge.target",
    }
    assert alert.trigger.threshold == 3
    (action,) = alert.actions
    assert action.block_document_id == block
    assert "storebridge.rule" in action.body
    assert "storebridge.score" in action.body
