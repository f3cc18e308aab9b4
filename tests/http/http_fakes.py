"""Test doubles for the HTTP layer: a fake clock/sleep and scripted `httpx.MockTransport` handlers.

A uniquely named module (not conftest) so test files can import it unambiguously.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from connectors.http import Paginator, ResilientClient, paginate

BASE = "https://api.example.test"


@dataclass
class FakeTime:
    """A monotonic clock that only moves when the client sleeps; records every sleep."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, f"negative sleep {seconds}"
        self.sleeps.append(seconds)
        self.now += seconds

    @property
    def slept(self) -> float:
        return sum(self.sleeps)


Answer = httpx.Response | BaseException | Callable[[httpx.Request], httpx.Response]


class Script:
    """A MockTransport handler answering from a list (the last answer repeats forever)."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, BaseException):
            raise answer
        if isinstance(answer, httpx.Response):  # a fresh copy: a response is read once
            return httpx.Response(
                answer.status_code, headers=answer.headers, content=answer.content
            )
        return answer(request)

    @property
    def count(self) -> int:
        return len(self.requests)


def resp(
    status: int = 200,
    json: Any = None,
    headers: dict[str, str] | None = None,
    text: str | None = None,
) -> httpx.Response:
    """A canned response (JSON if `json` is given, else `text`)."""
    if json is not None:
        return httpx.Response(status, json=json, headers=headers)
    return httpx.Response(status, text=text or "", headers=headers)


def max_rand(low: float, high: float) -> float:
    """Deterministic 'jitter': always the upper bound, so waits equal the backoff cap."""
    return high


class Server:
    """Answers GETs by a function of the request; records every request's URL."""

    def __init__(self, answer: Callable[[httpx.Request], httpx.Response]) -> None:
        self.answer = answer
        self.urls: list[httpx.URL] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(request.url)
        return self.answer(request)

    def param(self, name: str) -> list[str | None]:
        return [url.params.get(name) for url in self.urls]


def read_all(
    make_client: Callable[..., ResilientClient],
    server: Server,
    paginator: Paginator,
    url: str,
    params: dict[str, Any] | None = None,
    **kw: Any,
) -> list[Any]:
    """Page through `url` on a client over `server` and return every record."""
    client = make_client(server)
    return [r for page in paginate(client, paginator, url, params, **kw) for r in page]


def rows(start: int, count: int) -> list[dict[str, int]]:
    """`count` records with ids from `start`."""
    return [{"id": i} for i in range(start, start + count)]
