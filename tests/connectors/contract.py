"""The contract every connector passes against its emulator (conventions.md, Tests).

A connector's test module subclasses `ConnectorContract` and fills in the hooks; the tests below
then check, through the real HTTPS emulator: auth rejected with wrong credentials (and a
re-authentication each time a token expires, where the system has tokens), paging to the end, a
rate-limit refusal waited out as the server says, 5xx retried, 4xx classified, the incremental
filter applied, and writes idempotent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from connectors.http import AuthError, ConnectorError, RecordError
from sandbox.core import Emulator, FaultConfig
from sandbox.runner import Sandbox


@dataclass
class FakeSleep:
    """Records the waits the client asked for instead of sleeping."""

    waits: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


class ConnectorContract:
    """Base class: subclasses set `system` and implement the hooks."""

    system: str
    supports_token_expiry = False

    # --- hooks --------------------------------------------------------------------------------
    def client(self, sandbox: Sandbox, sleep: FakeSleep, **overrides: Any) -> Any:
        raise NotImplementedError

    def read_all(self, client: Any) -> list[str]:
        """Ids of every record of the paged collection, read to the end."""
        raise NotImplementedError

    def expected_ids(self, sandbox: Sandbox) -> list[str]:
        raise NotImplementedError

    def read_changed(self, client: Any, since: dt.datetime, until: dt.datetime) -> list[str]:
        raise NotImplementedError

    def expected_changed(
        self, sandbox: Sandbox, since: dt.datetime, until: dt.datetime
    ) -> list[str]:
        raise NotImplementedError

    def bad_request(self, client: Any) -> None:
        """A call the system refuses with a 4xx about one record."""
        raise NotImplementedError

    def write_twice(self, client: Any, sandbox: Sandbox) -> tuple[int, int]:
        """Write the same record twice; (record count after first, after second)."""
        raise NotImplementedError

    def wrong_credentials(self) -> dict[str, Any]:
        raise NotImplementedError

    def renewals(self, client: Any) -> int | None:
        """Sessions the client renewed because one expired (None: it does not count them)."""
        return None

    def rate_limit_wait(self, faults: FaultConfig) -> float | None:
        """The wait the system's rate-limit refusal asks for (None: it names none)."""
        return faults.retry_after_s

    def changed_window(self) -> tuple[dt.datetime, dt.datetime]:
        """A window holding some, not all, records."""
        return (
            dt.datetime(2026, 10, 30, 13, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 11, 2, 7, 30, tzinfo=dt.UTC),
        )

    # --- fixtures -----------------------------------------------------------------------------
    @pytest.fixture
    def emulator(self, sandbox: Sandbox) -> Iterator[Emulator]:
        emulator = sandbox.emulator(self.system)
        yield emulator
        emulator.set_faults(FaultConfig())

    # --- the contract -------------------------------------------------------------------------
    def test_wrong_credentials_are_an_auth_error(self, sandbox: Sandbox) -> None:
        client = self.client(sandbox, FakeSleep(), **self.wrong_credentials())
        with pytest.raises(AuthError):
            self.read_all(client)

    def test_pages_to_the_end(self, sandbox: Sandbox) -> None:
        ids = self.read_all(self.client(sandbox, FakeSleep()))
        assert sorted(ids) == sorted(self.expected_ids(sandbox))
        assert len(ids) == len(set(ids))

    def test_rate_limit_is_waited_out_as_told(self, sandbox: Sandbox, emulator: Emulator) -> None:
        faults = FaultConfig(rate_limit_share=0.3, retry_after_s=7, seed=3)
        emulator.set_faults(faults)
        sleep = FakeSleep()
        client = self.client(sandbox, sleep)
        assert sorted(self.read_all(client)) == sorted(self.expected_ids(sandbox))
        refusals = emulator.fault_counts["rate_limited"]
        assert refusals > 0
        assert client.http.usage.rate_limited == refusals
        asked = self.rate_limit_wait(faults)
        if asked is None:  # no wait header: exponential backoff, never an immediate retry
            assert len([w for w in sleep.waits if w > 0]) >= refusals
        else:
            assert sleep.waits.count(asked) >= refusals

    def test_server_errors_are_retried(self, sandbox: Sandbox, emulator: Emulator) -> None:
        emulator.set_faults(FaultConfig(server_error_share=0.4, after_apply_share=0, seed=5))
        client = self.client(sandbox, FakeSleep())
        for _ in range(3):  # enough requests for the seeded sequence to hold several 5xx
            assert sorted(self.read_all(client)) == sorted(self.expected_ids(sandbox))
        injected = emulator.fault_counts["server_error"]
        assert injected > 0
        assert client.http.usage.retries == injected

    def test_client_errors_are_classified(self, sandbox: Sandbox) -> None:
        with pytest.raises(RecordError) as err:
            self.bad_request(self.client(sandbox, FakeSleep()))
        assert isinstance(err.value, ConnectorError)
        assert err.value.status is not None
        assert 400 <= err.value.status < 500

    def test_incremental_filter_is_applied(self, sandbox: Sandbox) -> None:
        client = self.client(sandbox, FakeSleep())
        ids = sorted(self.expected_ids(sandbox))
        assert ids, "the seed must hold records"
        since, until = self.changed_window()
        changed = self.read_changed(client, since, until)
        expected = self.expected_changed(sandbox, since, until)
        assert sorted(changed) == sorted(expected)
        assert 0 < len(expected) < len(ids)

    def test_writes_are_idempotent(self, sandbox: Sandbox) -> None:
        first, second = self.write_twice(self.client(sandbox, FakeSleep()), sandbox)
        assert first == second

    def test_expired_token_is_renewed_each_time(self, sandbox: Sandbox, emulator: Emulator) -> None:
        if not self.supports_token_expiry:
            pytest.skip(f"{self.system} has no expiring tokens (static keys)")
        client = self.client(sandbox, FakeSleep())
        self.read_all(client)
        for expiry in (1, 2, 3):  # not just once: every expiry gets a new session
            with emulator.lock:
                emulator.expire_tokens()
            assert sorted(self.read_all(client)) == sorted(self.expected_ids(sandbox))
            renewals = self.renewals(client)
            assert renewals is None or renewals == expiry
