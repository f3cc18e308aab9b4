"""The business clock: what "now" is for windows, watermarks and the sandbox's record stamps.

Everything that decides *which records a run reads* asks `utcnow()` instead of the wall clock, so
a whole deployment (flows, sandbox emulators, tests) can run as if it were another day:
``STOREBRIDGE_CLOCK_OFFSET_S`` shifts this clock by a number of seconds relative to the wall
clock. The offset is relative, so every process that inherits the variable agrees on the same
shifted "now", and time keeps moving. Tests pin the sandbox's seed to a fixed day and set the
offset so that "now" is that day plus the seconds elapsed since (see `offset_for`): no test
depends on today's date.

Authentication (JWT expiry, TLS certificates, token lifetimes) keeps using the wall clock: those
are checked by real servers against real time.
"""

from __future__ import annotations

import datetime as dt
import os

OFFSET_VARIABLE = "STOREBRIDGE_CLOCK_OFFSET_S"


def offset() -> dt.timedelta:
    """The configured shift of the business clock (zero when unset).

    Raises:
        ValueError: the variable is set but is not a number of seconds.
    """
    raw = os.environ.get(OFFSET_VARIABLE, "").strip()
    if not raw:
        return dt.timedelta(0)
    try:
        return dt.timedelta(seconds=float(raw))
    except ValueError:
        raise ValueError(f"{OFFSET_VARIABLE} must be a number of seconds, got {raw!r}") from None


def utcnow() -> dt.datetime:
    """The current business time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC) + offset()


def offset_for(moment: dt.datetime) -> str:
    """The value of `OFFSET_VARIABLE` that makes the business clock read `moment` now."""
    if moment.tzinfo is None:
        raise ValueError("offset_for needs an aware datetime")
    return repr((moment - dt.datetime.now(dt.UTC)).total_seconds())
