"""What a system's webhook parser turns a delivery into: events about one record each.

Parsers are pure functions `(body: bytes, headers) -> list[WebhookEvent]` named in the system's
`WebhookSpec`; they raise `WebhookError` naming the item and the field. The gateway stores every
event in the inbox (before answering 2xx) with a route per subscribed (use case, target).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from transforms.canonical import Entity


class WebhookError(ValueError):
    """A delivery that cannot be accepted; the message names the item and the field."""


@dataclass(frozen=True)
class WebhookEvent:
    """One event: which entity it is about (the topic routes it), which record, its key."""

    topic: Entity
    resource_id: str
    delivery_key: str  # the same delivery twice gives the same key (the inbox keeps one)
    fields: dict[str, Any]  # what is worth keeping (ids, statuses; never personal data)


def body_key(source: str, item: Any) -> str:
    """A delivery key from the item's canonical JSON (for senders that give no id)."""
    canonical = json.dumps(item, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{source}:{canonical}".encode()).hexdigest()
