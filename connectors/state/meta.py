"""Facts of the state database in table ``meta``, and the key that pseudonymises personal data.

Personal data must never become a key (an xref id, a dead letter's record id, a Salesforce
external id): a guest shopper, known only by an e-mail address, is keyed by a keyed hash of the
normalised address instead (`pseudonym`: HMAC-SHA256, 128 bits as 32 hex digits). A plain hash
would not do: anyone can hash a list of likely addresses and compare. The key is random,
created on first use and kept in ``meta`` (row ``pseudonym_key``), so every process sharing a
state store derives the same id for the same shopper; two processes creating it at once agree
on one (``INSERT ... ON CONFLICT DO NOTHING``, then read back).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from connectors.state.base import StoreBase
from connectors.state.models import MetaRow, utcnow

PSEUDONYM_KEY = "pseudonym_key"
KEY_BYTES = 32
DIGEST_HEX = 32  # 128 bits: collisions among a store's shoppers are out of reach
PREFIX = "h-"


def pseudonym(key: bytes, value: str) -> str:
    """``h-`` and the first 32 hex digits of HMAC-SHA256(`key`, `value`).

    Args:
        key: the state store's pseudonymisation key.
        value: what to hide, already normalised (e.g. an e-mail stripped and lowercased).
    """
    digest = hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
    return PREFIX + digest[:DIGEST_HEX]


class Pseudonymiser:
    """`pseudonym` under one key, as a function of the value (what codecs are given).

    Its repr never shows the key (it may end up in a log or a Prefect task's parameters).
    """

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("a pseudonymisation key needs at least 16 bytes")
        self._key = key

    def __call__(self, value: str) -> str:
        return pseudonym(self._key, value)

    def __repr__(self) -> str:
        return "Pseudonymiser(key=***)"

    def __reduce__(self) -> Any:
        # Pickled with the key (a task run in another process must derive the same ids).
        return (Pseudonymiser, (self._key,))


def new_key() -> str:
    """A fresh random key, as stored (hex)."""
    return secrets.token_hex(KEY_BYTES)


def ensure_meta_value(connection: Connection, key: str, value: str) -> str:
    """The value of `key` in ``meta``, storing `value` first when there is none (race-safe:
    of two writers, the first one's value is the one both read back).

    Works on a plain connection, so migrations use it too.
    """
    if connection.dialect.name == "postgresql":
        insert: Any = postgresql.insert(MetaRow)
    else:
        insert = sqlite.insert(MetaRow)
    stmt = insert.values(key=key, value=value, created_at=utcnow())
    connection.execute(stmt.on_conflict_do_nothing(index_elements=["key"]))
    stored = connection.execute(select(MetaRow.value).where(MetaRow.key == key)).scalar_one()
    return str(stored)


class MetaStore(StoreBase):
    """Meta operations of the state store."""

    _pseudonymiser: Pseudonymiser | None = None
    _meta_lock = threading.Lock()

    def get_meta(self, key: str) -> str | None:
        """The value stored under `key`, or None."""
        stmt = select(MetaRow.value).where(MetaRow.key == key)
        return self._read(lambda session: session.scalar(stmt))

    def ensure_meta(self, key: str, value: str) -> str:
        """The value stored under `key`, storing `value` when there is none (see
        `ensure_meta_value`): every caller gets the same value, whoever stored it."""
        return self._write(lambda session: ensure_meta_value(session.connection(), key, value))

    def pseudonymiser(self) -> Pseudonymiser:
        """The state database's `Pseudonymiser` (its key is created on first use)."""
        with self._meta_lock:
            if self._pseudonymiser is None:
                stored = self.ensure_meta(PSEUDONYM_KEY, new_key())
                self._pseudonymiser = Pseudonymiser(bytes.fromhex(stored))
            return self._pseudonymiser
