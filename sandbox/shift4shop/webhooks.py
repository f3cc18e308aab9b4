"""Webhook registrations of the Shift4Shop (3dcart) REST API v1 emulator (store-apis.md 2.7).

`POST /Webhooks` takes the `WebhookPOST` schema (`Name` ≤ 80, `Url` ≤ 1000, `EventType`,
`Format` JSON|XML, `Enabled`) and answers `[{"Key": "Id", "Value": "<id>", "Status": "201",
"Message": "Created successfully"}]`; `PUT /Webhooks/{id}` takes `WebhookPUT` (no `EventType`:
sending a different one is a 400); list dates print as `"04/18/2024 18:44"` (store-local).

Assumptions: `Format` defaults to JSON and `Enabled` to true; `Format` is matched
case-insensitively; `Url` must be absolute http(s); an `EventType` equal to the current one is
accepted on PUT; ids count from 1. Deliveries: `delivery.py`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sandbox.shift4shop.delivery import Verify
from sandbox.shift4shop.events import EVENTS
from sandbox.shift4shop.fields import (
    CREATED,
    Field,
    assign,
    bad,
    boolean,
    fold,
    integer,
    lookup,
    parse_fields,
    require_some,
    run_items,
    text,
    written,
)
from sandbox.shift4shop.query import ApiError
from sandbox.shift4shop.state import Webhook
from sandbox.shift4shop.txn import StoreBase

WEBHOOK_DATE_FORMAT = "%m/%d/%Y %H:%M"
FORMATS = ("JSON", "XML")


def url(name: str, raw: Any) -> str:
    """An absolute http(s) URL of at most 1000 characters."""
    value = text(1000, required=True)(name, raw).strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad(name, "must be an absolute http:// or https:// URL")
    return value


def data_format(name: str, raw: Any) -> str:
    """`JSON` or `XML` (any case), returned uppercase."""
    if not isinstance(raw, str) or raw.strip().upper() not in FORMATS:
        raise bad(name, "must be JSON or XML")
    return raw.strip().upper()


PUT_FIELDS = (
    Field("Name", "name", text(80, required=True)),
    Field("Url", "url", url),
    Field("Format", "format", data_format),
    Field("Enabled", "enabled", boolean),
)
POST_FIELDS = (*PUT_FIELDS, Field("EventType", "event_type", integer(allowed=EVENTS)))


def render_webhook(hook: Webhook, tz: ZoneInfo) -> dict[str, Any]:
    """One `Webhook` object (the full Url, as the store shows it to the merchant)."""
    return {
        "Id": hook.webhook_id,
        "Name": hook.name,
        "Url": hook.url,
        "EventType": hook.event_type,
        "DateCreated": hook.date_created.astimezone(tz).strftime(WEBHOOK_DATE_FORMAT),
        "DateUpdated": hook.date_updated.astimezone(tz).strftime(WEBHOOK_DATE_FORMAT),
        "Format": hook.format,
        "Enabled": hook.enabled,
    }


class WebhookAdmin(StoreBase):
    """Webhook CRUD and the delivery controls tests and the gateway use."""

    def _hook_or_404(self, webhook_id: int) -> Webhook:
        hook = self.state.webhooks.get(webhook_id)
        if hook is None:
            raise ApiError(404, f"Webhook {webhook_id} not found")
        return hook

    def create_webhook(self, body: dict[str, Any]) -> int:
        """`POST /Webhooks` (one object).

        Returns:
            The new webhook Id.

        Raises:
            ApiError: 400 naming a missing or invalid field.
        """
        values = parse_fields(fold(body), POST_FIELDS)
        for f in POST_FIELDS:
            if f.attr in ("name", "url", "event_type") and f.attr not in values:
                raise bad(f.name, "required")
        with self.transaction() as tx:
            hook = Webhook(
                webhook_id=self.state.next_id("webhook"),
                name=values["name"],
                url=values["url"],
                event_type=values["event_type"],
                format=values.get("format", "JSON"),
                enabled=values.get("enabled", True),
                date_created=tx.now,
                date_updated=tx.now,
            )
            self.state.webhooks[hook.webhook_id] = hook
            return hook.webhook_id

    def create_webhooks(self, items: list[Any]) -> list[dict[str, str]]:
        """`POST /Webhooks` with an array: one result element per item."""

        def apply(_: None, body: dict[str, Any]) -> dict[str, str]:
            return written("Id", self.create_webhook(body), 201, CREATED)

        with self.transaction():
            return run_items(items, "Id", lambda b: None, apply)

    def update_webhook(self, webhook_id: int, body: dict[str, Any]) -> None:
        """`PUT /Webhooks/{id}`: Name, Url, Format, Enabled.

        Raises:
            ApiError: 404 for an unknown webhook, 400 naming an invalid field or for an attempt
                to change EventType.
        """
        folded = fold(body)
        values = parse_fields(folded, PUT_FIELDS)
        event_type = lookup(folded, "EventType")
        with self.transaction() as tx:
            hook = self._hook_or_404(webhook_id)
            if event_type is not None and event_type != hook.event_type:
                raise bad("EventType", "cannot be changed; delete the webhook and add a new one")
            require_some(values, PUT_FIELDS)
            assign(hook, values)
            hook.date_updated = tx.now

    def delete_webhook(self, webhook_id: int) -> None:
        """`DELETE /Webhooks/{id}`.

        Raises:
            ApiError: 404 for an unknown webhook.
        """
        with self.transaction():
            self._hook_or_404(webhook_id)
            del self.state.webhooks[webhook_id]

    # --- deliveries ------------------------------------------------------------------------
    @property
    def webhook_verify(self) -> Verify:
        """What deliveries trust: True (system CAs), a CA bundle path or an SSLContext."""
        return self.webhook_sender.verify

    @webhook_verify.setter
    def webhook_verify(self, value: Verify) -> None:
        self.webhook_sender.verify = value

    def wait_for_deliveries(self, timeout: float = 10.0) -> bool:
        """Wait until no delivery is queued or in flight (held ones count as queued).

        Returns:
            False when `timeout` seconds passed first.
        """
        return self.webhook_sender.wait(timeout)

    def flush_webhooks(self, timeout: float = 10.0) -> bool:
        """Release deliveries held by the chaos `hold` switch, then `wait_for_deliveries`."""
        return self.webhook_sender.flush(timeout)

    def webhook_deliveries(self) -> list[dict[str, Any]]:
        """Every delivery attempt so far (event, hook id, origin URL, status, attempt, ...)."""
        return self.webhook_sender.deliveries()
