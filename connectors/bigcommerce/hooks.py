"""V3 webhooks management (`/v3/hooks`): list, create, update (e.g. re-enable).

Hooks are visible only to the token that created them; BigCommerce deactivates a hook after
about 48 h of failed deliveries (`is_active` false), and `update_hook(id, is_active=True)`
re-enables it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.bigcommerce import models, resources
from connectors.bigcommerce.base import BigCommerceBase


class HooksMixin(BigCommerceBase):
    """Webhook subscriptions V3."""

    def list_hooks(self, **filters: Any) -> list[models.Hook]:
        """Every hook of this app (filters: `is_active`, `scope`, `destination`)."""
        return [models.Hook.model_validate(r) for r in self.v3_all(resources.HOOKS, filters)]

    def create_hook(
        self,
        scope: str,
        destination: str,
        headers: Mapping[str, str] | None = None,
        is_active: bool = True,
    ) -> models.Hook:
        """`POST /v3/hooks` (one hook per call; custom `headers` are sent with each delivery)."""
        body: dict[str, Any] = {"scope": scope, "destination": destination, "is_active": is_active}
        if headers:
            body["headers"] = dict(headers)
        return models.Hook.model_validate(self.write_one("POST", resources.HOOKS, body))

    def update_hook(self, hook_id: int, **fields: Any) -> models.Hook:
        """`PUT /v3/hooks/{id}` with the changed fields (`is_active`, `destination`, ...)."""
        path = resources.HOOK.format(hook_id=hook_id)
        return models.Hook.model_validate(self.write_one("PUT", path, fields))
