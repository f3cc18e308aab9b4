"""Webhook routes of the Shift4Shop (3dcart) REST API v1 emulator (store-apis.md 2.7).

`GET|POST /Webhooks`, `GET /Webhooks/Events`, `GET|PUT|DELETE /Webhooks/{id}`. List filters:
`name`, `url`, `format` (exact, case-insensitive — Assumption), `enabled` (0/1),
`datecreatedstart/end`, `dateupdatedstart/end` (store-local, as every date filter), paging.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import Request, Response

from sandbox.shift4shop.events import EVENTS, render_event
from sandbox.shift4shop.fields import DELETED, items_of, written
from sandbox.shift4shop.query import ApiError, Page, flag_param, lower_params, paginate, window
from sandbox.shift4shop.state import Webhook
from sandbox.shift4shop.web import ok, path_id, read_json, read_object, write_response
from sandbox.shift4shop.webhooks import render_webhook

if TYPE_CHECKING:
    from sandbox.shift4shop.emulator import Shift4ShopEmulator

# /Webhooks/Events before /Webhooks/{id}.
WEBHOOK_ENDPOINTS: tuple[tuple[str, str, str], ...] = (
    ("GET", "/Webhooks", "list_webhooks"),
    ("POST", "/Webhooks", "post_webhooks"),
    ("GET", "/Webhooks/Events", "list_events"),
    ("GET", "/Webhooks/{id}", "get_webhook"),
    ("PUT", "/Webhooks/{id}", "put_webhook"),
    ("DELETE", "/Webhooks/{id}", "delete_webhook"),
)


class WebhooksApi:
    """Webhook handlers bound to one emulator."""

    def __init__(self, emu: Shift4ShopEmulator) -> None:
        """Bind the handlers to `emu`."""
        self.emu = emu

    async def list_webhooks(self, request: Request) -> Response:
        """`GET /Webhooks`: filtered, by Id, paged."""
        params = lower_params(request.query_params)
        page = Page.from_params(params, self.emu.max_limit)
        texts = {k: params[k].strip().lower() for k in ("name", "url", "format") if k in params}
        enabled = flag_param(params, "enabled") if "enabled" in params else None
        created = window(params, "datecreated", self.emu.tz)
        updated = window(params, "dateupdated", self.emu.tz)

        def keep(h: Webhook) -> bool:
            return (
                all(str(getattr(h, k)).lower() == v for k, v in texts.items())
                and (enabled is None or h.enabled == enabled)
                and created(h.date_created)
                and updated(h.date_updated)
            )

        with self.emu.lock:
            rows = [h for _, h in sorted(self.emu.state.webhooks.items()) if keep(h)]
            return ok(paginate(rows, page, lambda h: render_webhook(h, self.emu.tz), "webhooks"))

    async def list_events(self, request: Request) -> Response:
        """`GET /Webhooks/Events`: `[{EventType, EventName}]` (`name` filter, paged)."""
        params = lower_params(request.query_params)
        page = Page.from_params(params, self.emu.max_limit)
        name = params.get("name", "").strip().lower()
        rows = [i for i, n in EVENTS.items() if not name or n.lower() == name]
        return ok(paginate(rows, page, render_event, "events"))

    def _hook(self, raw: str) -> Webhook:
        hook = self.emu.state.webhooks.get(path_id(raw, "Id"))
        if hook is None:
            raise ApiError(404, "No webhooks found")
        return hook

    async def get_webhook(self, id: str) -> Response:
        """`GET /Webhooks/{id}`: an array with the one webhook."""
        with self.emu.lock:
            return ok([render_webhook(self._hook(id), self.emu.tz)])

    async def post_webhooks(self, request: Request) -> Response:
        """`POST /Webhooks`: `[{"Key": "Id", "Value": "<id>", "Status": "201", ...}]`."""
        items, batch = items_of(await read_json(request), "webhook")
        return write_response(self.emu.create_webhooks(items), batch)

    async def put_webhook(self, id: str, request: Request) -> Response:
        """`PUT /Webhooks/{id}`: Name, Url, Format, Enabled (not EventType)."""
        webhook_id = path_id(id, "Id")
        self.emu.update_webhook(webhook_id, await read_object(request, "webhook"))
        return ok([written("Id", webhook_id)])

    async def delete_webhook(self, id: str) -> Response:
        """`DELETE /Webhooks/{id}`."""
        webhook_id = path_id(id, "Id")
        self.emu.delete_webhook(webhook_id)
        return ok([written("Id", webhook_id, 200, DELETED)])
