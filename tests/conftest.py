"""Shared fixtures: one sandbox per test session (HTTPS emulators on loopback, seeded world)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Tests never touch a developer's ~/.prefect, and never phone home.
os.environ.setdefault(
    "PREFECT_HOME", str(Path(__file__).resolve().parents[1] / ".prefect" / "tests")
)
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"

from sandbox.runner import Sandbox
from sandbox.seed import SeedConfig

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
