"""Flow tests: a real local Prefect server (session-scoped harness) and fresh sandboxes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.state import StateStore
from sandbox.runner import Sandbox
from sandbox.seed import SeedConfig
from tests.conftest import ANCHOR


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One Prefect test server for the whole session (about 10 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


def start_sandbox(workdir: Path) -> Sandbox:
    return Sandbox(workdir, seed=SeedConfig(anchor=ANCHOR)).start()


class Pair:
    """A fresh sandbox, a fresh state database, and the environment pointing at both."""

    def __init__(self, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sandbox = start_sandbox(workdir / "sandbox")
        self.state_path = workdir / "state.db"
        self.env = {**self.sandbox.env(), "STOREBRIDGE_STATE_PATH": str(self.state_path)}
        self.apply(monkeypatch)

    def apply(self, monkeypatch: pytest.MonkeyPatch) -> None:
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
