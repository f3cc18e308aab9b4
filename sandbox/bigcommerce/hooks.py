"""Webhook subscriptions of the BigCommerce emulator (`/v3/hooks`, store-apis.md 1.9).

A hook belongs to the client id of the token that created it and is visible only to it. `scope`
and `destination` are required (422 with the body of `samples/v3_hooks_create_422.json`); an
unknown scope or a destination that is not an absolute URL is 400 ("Input is invalid.", sample
`v3_hooks_create_400.json`; assumption which checks give which). One hook per client + scope +
destination (assumption: a second is 422 naming `scope`). The real API wants HTTPS on port 443;
the sandbox delivers to a local gateway on any port over http or https, so that rule is behind
`strict_destinations` (off by default; on: 400 otherwise). Hook changes fire nothing.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sandbox.bigcommerce.state import Record
from sandbox.bigcommerce.txn import StoreBase
from sandbox.bigcommerce.web import ApiError

# Event scopes the emulator fires, and the wildcards that cover them.
SCOPES = frozenset(
    {
        "store/order/created",
        "store/order/updated",
        "store/order/statusUpdated",
        "store/order/archived",
        "store/shipment/created",
        "store/shipment/updated",
        "store/shipment/deleted",
        "store/customer/created",
        "store/customer/updated",
        "store/customer/deleted",
        "store/customer/address/created",
        "store/customer/address/updated",
        "store/customer/address/deleted",
        "store/product/created",
        "store/product/updated",
        "store/product/deleted",
        "store/product/inventory/updated",
        "store/sku/created",
        "store/sku/updated",
        "store/sku/deleted",
        "store/sku/inventory/updated",
        "store/app/uninstalled",
    }
)
WILDCARDS = frozenset(
    {
        "store/*",
        "store/order/*",
        "store/shipment/*",
        "store/customer/*",
        "store/customer/address/*",
        "store/product/*",
        "store/sku/*",
        "store/product/inventory/*",
        "store/sku/inventory/*",
    }
)
INVALID = "Input is invalid."
MISSING = "JSON data is missing or invalid"


class HookOps(StoreBase):
    """`create_hook`, `update_hook`, `delete_hook`, `hook`, `hooks_of`."""

    strict_destinations: bool
    store_hash: str

    def _check_destination(self, destination: Any) -> str:
        if not isinstance(destination, str):
            raise ApiError(422, MISSING, {"destination": "error.path.missing."})
        parts = urlsplit(destination)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ApiError(400, INVALID)
        if self.strict_destinations and (parts.scheme != "https" or (parts.port or 443) != 443):
            raise ApiError(400, INVALID)
        return destination

    @staticmethod
    def _check_scope(scope: Any) -> str:
        if not isinstance(scope, str):
            raise ApiError(422, MISSING, {"scope": "error.path.missing."})
        if scope not in SCOPES and scope not in WILDCARDS:
            raise ApiError(400, INVALID)
        return scope

    @staticmethod
    def _check_headers(headers: Any) -> dict[str, str] | None:
        if headers is None:
            return None
        if not isinstance(headers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
        ):
            raise ApiError(422, MISSING, {"headers": "error.type.object"})
        return dict(headers)

    def hook(self, client_id: str, hook_id: int) -> Record:
        """The client's hook `hook_id`.

        Raises:
            ApiError: 404 when there is none (another client's hooks are invisible).
        """
        h = self.state.hooks.get(hook_id)
        if h is None or h["client_id"] != client_id:
            raise ApiError(404, "The requested resource was not found.")
        return h

    def hooks_of(self, client_id: str) -> list[Record]:
        """Every hook of `client_id`, by id."""
        return [h for _, h in sorted(self.state.hooks.items()) if h["client_id"] == client_id]

    def _duplicate(self, client_id: str, scope: str, destination: str, hook_id: int = 0) -> None:
        for h in self.hooks_of(client_id):
            if h["id"] != hook_id and h["scope"] == scope and h["destination"] == destination:
                raise ApiError(
                    422,
                    MISSING,
                    {"scope": "A hook with this scope and destination already exists."},
                )

    def create_hook(self, client_id: str, body: Any) -> Record:
        """`POST /v3/hooks`.

        Raises:
            ApiError: 422 a missing field or a duplicate, 400 an invalid scope or destination.
        """
        if not isinstance(body, dict):
            raise ApiError(400, INVALID)
        scope = self._check_scope(body.get("scope"))
        destination = self._check_destination(body.get("destination"))
        headers = self._check_headers(body.get("headers"))
        active = body.get("is_active", True)
        with self.transaction() as tx:
            self._duplicate(client_id, scope, destination)
            hook_id = self.state.next_id("hook")
            h: Record = {
                "id": hook_id,
                "client_id": client_id,
                "store_hash": self.store_hash,
                "scope": scope,
                "destination": destination,
                "headers": headers,
                "is_active": bool(active),
                "created_at": tx.now,
                "updated_at": tx.now,
            }
            self.state.hooks[hook_id] = h
            return h

    def update_hook(self, client_id: str, hook_id: int, body: Any) -> Record:
        """`PUT /v3/hooks/{id}`: `scope`, `destination`, `is_active`, `headers`.

        Raises:
            ApiError: 404 unknown hook, 400/422 as for create.
        """
        if not isinstance(body, dict):
            raise ApiError(400, INVALID)
        with self.transaction() as tx:
            h = self.hook(client_id, hook_id)
            scope = self._check_scope(body["scope"]) if "scope" in body else h["scope"]
            destination = (
                self._check_destination(body["destination"])
                if "destination" in body
                else h["destination"]
            )
            self._duplicate(client_id, scope, destination, hook_id)
            h["scope"], h["destination"] = scope, destination
            if "headers" in body:
                h["headers"] = self._check_headers(body["headers"])
            if "is_active" in body:
                h["is_active"] = bool(body["is_active"])
            h["updated_at"] = tx.now
            return h

    def delete_hook(self, client_id: str, hook_id: int) -> Record:
        """`DELETE /v3/hooks/{id}`: the deleted hook.

        Raises:
            ApiError: 404 unknown hook.
        """
        with self.transaction():
            h = self.hook(client_id, hook_id)
            del self.state.hooks[hook_id]
            return h

    def deactivate_hook(self, hook_id: int) -> None:
        """Set a hook inactive after its retries are exhausted (called by the sender)."""
        with self.transaction() as tx:
            h = self.state.hooks.get(hook_id)
            if h is not None:
                h["is_active"] = False
                h["updated_at"] = tx.now
