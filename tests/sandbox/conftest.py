"""Fixtures of the emulator tests: a Salesforce-only sandbox and an authenticated API client per
module (each module gets its own org, so its writes never leak into another's assertions)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sandbox.runner import Sandbox
from sandbox.salesforce.testing import data_client, login
from sandbox.seed import SeedConfig
from tests.conftest import ANCHOR


@pytest.fixture(scope="module")
def sb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    sandbox = Sandbox(
        tmp_path_factory.mktemp("sf"), systems=["salesforce"], seed=SeedConfig(anchor=ANCHOR)
    )
    with sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def api(sb: Sandbox) -> Iterator[httpx.Client]:
    with data_client(sb, login(sb)) as client:
        yield client
