"""Guest customers keyed by a keyed hash of their e-mail, not by the address; dead letters masked.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

Until this revision a guest shopper's customer id was ``guest:<e-mail>``: in xref (its Account and
Contact bindings), in the dead letters of its records and in the texts that quote it. From now on
it is ``guest:h-<32 hex>``, the HMAC-SHA256 of the normalised address under the state store's key
(``meta.pseudonym_key``, created here when there is something to rewrite and no key yet; a fresh
store gets its key on first use), computed by `connectors.state.meta.pseudonym` as the Shift4Shop
source does. Rewritten:

* ``xref.external_id`` and ``xref.target_id`` (a binding already held under the new id wins over
  the old one, which is then removed);
* ``dead_letters.external_id``, and every ``guest:<e-mail>`` quoted in ``dead_letters.message``
  and ``.payload``; then every dead letter's message and payload is redacted again as the store
  redacts new ones (`connectors.http.redaction.redact_record`: the record's names, companies and
  street addresses masked too), so letters parked by older versions show no more than new ones;
* ``inbox.last_error`` and ``inbox_routes.last_error`` (error texts of failed runs), redacted.

The schema does not change. Orders of guests bound before this revision hash their customer id,
so each is written once more (unchanged values) the next time it is read; nothing is duplicated.

Downgrade changes nothing, on purpose: an address cannot be recovered from its keyed hash (that is
the point of it), and revision 0004's code reads the new ids as the opaque keys they are (a guest
seen again is matched to its Contact by e-mail, as any unbound customer is).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from connectors.state.meta import PSEUDONYM_KEY, ensure_meta_value, new_key, pseudonym

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)
GUEST_PREFIX = "guest:"
# `guest:` and an e-mail address, inside any text
GUEST_EMAIL = re.compile(
    r"guest:(?P<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"
)
XREF_KEY = ("system", "entity", "external_id", "target_system", "target_entity")

xref = sa.table(
    "xref",
    sa.column("id", sa.BigInteger()),
    *(sa.column(name, sa.String()) for name in XREF_KEY),
    sa.column("target_id", sa.String()),
)
dead_letters = sa.table(
    "dead_letters",
    sa.column("id", sa.BigInteger()),
    sa.column("flow", sa.String()),
    sa.column("system", sa.String()),
    sa.column("entity", sa.String()),
    sa.column("external_id", sa.String()),
    sa.column("status", sa.String()),
    sa.column("message", sa.Text()),
    sa.column("payload", JSON_DOC),
    sa.column("note", sa.Text()),
)


class Key:
    """The store's pseudonymisation key, read (or created) the first time it is needed."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self._key: bytes | None = None

    def __call__(self, value: str) -> str:
        if self._key is None:
            stored = ensure_meta_value(self.connection, PSEUDONYM_KEY, new_key())
            self._key = bytes.fromhex(stored)
        return pseudonym(self._key, value)


def guest_id(key: Key, value: str) -> str:
    """The new form of a guest id (`value` unchanged when it holds no e-mail)."""
    if not value.startswith(GUEST_PREFIX) or "@" not in value:
        return value
    return GUEST_PREFIX + key(value[len(GUEST_PREFIX) :].strip().lower())


def rewrite_text(key: Key, text: str) -> str:
    """`text` with each quoted ``guest:<e-mail>`` in its new form."""
    return GUEST_EMAIL.sub(lambda m: GUEST_PREFIX + key(m["email"].lower()), text)


def rewrite_json(key: Key, value: Any) -> Any:
    """A JSON document with each quoted ``guest:<e-mail>`` in its new form."""
    if isinstance(value, dict):
        return {k: rewrite_json(key, v) for k, v in value.items()}
    if isinstance(value, list):
        return [rewrite_json(key, v) for v in value]
    return rewrite_text(key, value) if isinstance(value, str) else value


def _xref(connection: sa.Connection, key: Key) -> None:
    guests = sa.or_(xref.c.external_id.like("guest:%@%"), xref.c.target_id.like("guest:%@%"))
    for row in connection.execute(sa.select(xref).where(guests)).mappings().all():
        values = {"external_id": guest_id(key, row["external_id"])}
        values["target_id"] = guest_id(key, row["target_id"])
        taken = sa.select(xref.c.id).where(
            *(xref.c[name] == (values.get(name) or row[name]) for name in XREF_KEY),
            xref.c.id != row["id"],
        )
        if connection.execute(taken).first() is not None:
            connection.execute(sa.delete(xref).where(xref.c.id == row["id"]))
        else:
            connection.execute(sa.update(xref).where(xref.c.id == row["id"]).values(**values))


def _open_twin(connection: sa.Connection, row: Any, external_id: str) -> int | None:
    query = sa.select(dead_letters.c.id).where(
        dead_letters.c.flow == row["flow"],
        dead_letters.c.system == row["system"],
        dead_letters.c.entity == row["entity"],
        dead_letters.c.external_id == external_id,
        dead_letters.c.status == "open",
        dead_letters.c.id != row["id"],
    )
    found = connection.execute(query).scalar()
    return None if found is None else int(found)


def _dead_letters(connection: sa.Connection, key: Key) -> None:
    from connectors.http.redaction import redact_record

    for row in connection.execute(sa.select(dead_letters)).mappings().all():
        payload = None if row["payload"] is None else rewrite_json(key, row["payload"])
        message, payload = redact_record(rewrite_text(key, row["message"]), payload)
        values: dict[str, Any] = {"message": message, "payload": payload}
        external_id = guest_id(key, row["external_id"])
        twin = _open_twin(connection, row, external_id) if row["status"] == "open" else None
        values["external_id"] = external_id
        if twin is not None:  # the record failed again under its new id: that one stays open
            values["status"] = "ignored"
            values["note"] = f"superseded by dead letter {twin} (guest id rewritten in 0005)"
        connection.execute(
            sa.update(dead_letters).where(dead_letters.c.id == row["id"]).values(**values)
        )


def _errors(connection: sa.Connection, key: Key) -> None:
    from connectors.http.redaction import redact_text

    for name in ("inbox", "inbox_routes"):
        table = sa.table(name, sa.column("id", sa.BigInteger()), sa.column("last_error", sa.Text()))
        rows = connection.execute(sa.select(table).where(table.c.last_error.is_not(None)))
        for row_id, text in rows.all():
            clean = redact_text(rewrite_text(key, text))
            if clean != text:
                connection.execute(
                    sa.update(table).where(table.c.id == row_id).values(last_error=clean)
                )


def upgrade() -> None:
    """Rewrite guest ids to their keyed form (creating the key), and re-redact texts."""
    connection = op.get_bind()
    key = Key(connection)
    _xref(connection, key)
    _dead_letters(connection, key)
    _errors(connection, key)


def downgrade() -> None:
    """Nothing to undo: the schema did not change, and the e-mail addresses cannot be recovered
    from their keyed hashes (the ids stay pseudonymous; see the module docstring)."""
