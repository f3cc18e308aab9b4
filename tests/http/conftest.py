"""Fixtures for the HTTP layer tests: fake time and a client factory over MockTransport."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from http_fakes import BASE, FakeTime, max_rand

from connectors.http import ApiUsage, ResilientClient


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make_client(fake_time: FakeTime) -> Iterator[Callable[..., ResilientClient]]:
    clients: list[ResilientClient] = []

    def make(handler: Callable[[httpx.Request], httpx.Response], **kw: Any) -> ResilientClient:
        kw.setdefault("rand", max_rand)
        kw.setdefault("usage", ApiUsage("test"))
        client = ResilientClient(
            kw.pop("name", "test"),
            kw.pop("base_url", BASE),
            transport=httpx.MockTransport(handler),
            sleep=fake_time.sleep,
            clock=fake_time.clock,
            **kw,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
