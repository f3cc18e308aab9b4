"""Shared fixtures: one sandbox per test session (HTTPS emulators on loopback, seeded world)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.clock import OFFSET_VARIABLE, offset_for

# Tests never touch a developer's ~/.prefect (nor the demo's .prefect), and never phone home.
PREFECT_HOME = Path(__file__).resolve().parents[1] / ".prefect" / "tests"
PREFECT_HOME.mkdir(parents=True, exist_ok=True)
os.environ["PREFECT_HOME"] = str(PREFECT_HOME)
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.pop("PREFECT_API_URL", None)

# A fixed anchor: the 90 seeded days cross the 2026-11-01 DST change in New York. The business
# clock (connectors.clock) runs from that day on, whatever today's date is, so no test depends on
# the wall clock; child processes (Prefect servers, workers) inherit the same offset.
ANCHOR = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
CLOCK_START = ANCHOR + dt.timedelta(hours=1)
os.environ[OFFSET_VARIABLE] = offset_for(CLOCK_START)

from connectors.state import StateStore  # noqa: E402 - after PREFECT_HOME is set
from sandbox.runner import Sandbox  # noqa: E402
from sandbox.seed import SeedConfig  # noqa: E402


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """Every emulator, started once for the session; tests reset what they change."""
    sb = Sandbox(tmp_path_factory.mktemp("sandbox"), seed=SeedConfig(anchor=ANCHOR))
    with sb:
        yield sb


@pytest.fixture
def sandbox_env(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The connector settings pointing at the sandbox, set in the environment for one test."""
    env = sandbox.env()
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One real local Prefect server for the whole session (about 10 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


class Pair:
    """A fresh sandbox, a fresh state database, and the environment pointing at both."""

    def __init__(self, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sandbox = Sandbox(workdir / "sandbox", seed=SeedConfig(anchor=ANCHOR)).start()
        self.state_path = workdir / "state.db"
        self.env = {**self.sandbox.env(), "STOREBRIDGE_STATE_PATH": str(self.state_path)}
        for key, value in self.env.items():
            monkeypatch.setenv(key, value)

    def state(self) -> StateStore:
        store = StateStore(f"sqlite:///{self.state_path}")
        store.upgrade()
        return store

    def records(self, kind: str) -> list[dict[str, Any]]:
        emulator = self.sandbox.emulator("salesforce")
        with emulator.lock:
            return emulator.records()[kind]

    def stop(self) -> None:
        self.sandbox.stop()


@pytest.fixture
def pair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_server: None) -> Iterator[Pair]:
    """A fresh pair for one test, with a Prefect server running."""
    p = Pair(tmp_path, monkeypatch)
    yield p
    p.stop()
