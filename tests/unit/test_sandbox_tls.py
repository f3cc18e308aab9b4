"""The sandbox CA is reused while valid and made again when it is not (yet) valid."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography import x509

from sandbox import tls


def _not_before(path: Path) -> dt.datetime:
    return x509.load_pem_x509_certificate(path.read_bytes()).not_valid_before_utc


def test_a_valid_certificate_is_reused(tmp_path: Path) -> None:
    first = tls.ensure_tls(tmp_path)
    pem = first.server_cert.read_bytes()
    assert tls.ensure_tls(tmp_path).server_cert.read_bytes() == pem


def test_a_certificate_made_while_the_clock_was_ahead_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clock test (`date -s "+30 days"`) leaves certificates valid only from then on: a run
    after the clock is back must not reuse them (every TLS handshake would fail)."""
    real = dt.datetime

    class Ahead(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> dt.datetime:
            return real.now(tz) + dt.timedelta(days=30)

    clock = SimpleNamespace(datetime=Ahead, timedelta=dt.timedelta, UTC=dt.UTC)
    monkeypatch.setattr(tls, "dt", clock)  # only the sandbox's TLS module sees the clock ahead
    made_ahead = tls.ensure_tls(tmp_path)
    assert _not_before(made_ahead.server_cert) > real.now(dt.UTC) + dt.timedelta(days=29)
    monkeypatch.setattr(tls, "dt", dt)
    again = tls.ensure_tls(tmp_path)
    assert _not_before(again.server_cert) <= real.now(dt.UTC)
