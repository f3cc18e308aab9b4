"""Shared fixtures: one sandbox per test session (HTTPS emulators on loopback, seeded world)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Tests never touch a developer's ~/.prefect (nor the demo's .prefect), and never phone home.
PREFECT_HOME = Path(__file__).resolve().parents[1] / ".prefect" / "tests"
PREFECT_HOME.mkdir(parents=True, exist_ok=True)
os.environ["PREFECT_HOME"] = str(PREFECT_HOME)
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.pop("PREFECT_API_URL", None)

from sandbox.runner import Sandbox  # noqa: E402 - after PREFECT_HOME is set
from sandbox.seed import SeedConfig  # noqa: E402

# A fixed anchor: the 90 seeded days cross the 2026-11-01 DST change in New York.
ANCHOR = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)


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
