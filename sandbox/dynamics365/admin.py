"""Back-office helpers (a CRM user's changes, for tests and the demo) and admin routes.

Helpers go through the same write path as the API, so rules, computed columns, versions and
change tracking apply. Admin routes (under `/__admin`, no auth), next to the shared ones of
`sandbox.core`:

* ``PUT /__admin/dynamics365/tokens`` ``{"expires_in": 301}``: lifetime of tokens issued from now
  on (msal treats a token with less than 5 minutes left as expired, so < 300 means "every call
  fetches a new one");
* ``PUT /__admin/dynamics365/tracking/{entity_set}`` ``{"enabled": false}``: change tracking of a
  table off (its delta tokens die) or on;
* ``POST /__admin/dynamics365/deltatokens/expire`` (optional ``?entity_set=``): every delta token
  issued so far is expired (clients must read in full);
* ``GET /__admin/dynamics365/batch-parts``: the requests run inside `$batch` calls, per endpoint.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

from sandbox.core import ADMIN_PREFIX
from sandbox.dynamics365.addressing import parse_path
from sandbox.dynamics365.errors import ODataError
from sandbox.dynamics365.rules import before_delete, close_order
from sandbox.dynamics365.schema import TABLES
from sandbox.dynamics365.store import Row
from sandbox.dynamics365.writes import Ctx, locate, update

if TYPE_CHECKING:
    from sandbox.dynamics365.emulator import Dynamics365Emulator


class TokenLifetime(BaseModel):
    """Admin body: the ``expires_in`` of tokens issued from now on."""

    expires_in: int = Field(ge=1, le=86400)


class Tracking(BaseModel):
    """Admin body: change tracking of one table on or off."""

    enabled: bool


class AdminHelpers:
    """Mixin of `Dynamics365Emulator`: what a CRM user or admin does by hand."""

    def _emu(self) -> Dynamics365Emulator:
        return self  # type: ignore[return-value]

    def row(self, entity_set: str, key: str) -> Row | None:
        """A row by GUID or key path text (``storebridge_id='...'``), as stored."""
        emu = self._emu()
        with emu.lock:
            address = parse_path(f"{entity_set}({key})")
            return locate(Ctx(emu.store), address)

    def _one(self, entity_set: str, key: str) -> Row:
        row = self.row(entity_set, key)
        if row is None:
            raise KeyError(f"no {entity_set} row for key {key!r}")
        return row

    def product_by_sku(self, sku: str) -> Row:
        """The one product whose ``productnumber`` is `sku`, else KeyError."""
        emu = self._emu()
        hits = emu.store.find("products", "productnumber", sku)
        if len(hits) != 1:
            raise KeyError(f"{len(hits)} products have productnumber {sku!r}, not 1")
        return hits[0]

    def update(self, entity_set: str, row_id: str, fields: Mapping[str, Any]) -> Row:
        """Update a row as the API would (``@odata.bind`` allowed; rules apply)."""
        emu = self._emu()
        with emu.lock:
            row = self._one(entity_set, row_id)
            return update(Ctx(emu.store), TABLES[entity_set], row, dict(fields), None)

    def delete(self, entity_set: str, row_id: str) -> None:
        """Delete a row (change tracking reports it as ``$deletedEntity``)."""
        emu = self._emu()
        with emu.lock:
            row = self._one(entity_set, row_id)
            before_delete(emu.store, TABLES[entity_set], row)  # an order takes its lines
            emu.store.delete(entity_set, row[TABLES[entity_set].key])

    def set_price(self, sku: str, price: object) -> None:
        """Reprice `sku` on the configured price list (its item's ``amount``; ``price`` too)."""
        from sandbox.dynamics365.seeding import price_level

        emu = self._emu()
        with emu.lock:
            product = self.product_by_sku(sku)
            level = price_level(emu)
            amount = Decimal(str(price))
            items = [
                i
                for i in emu.store.find(
                    "productpricelevels", "_productid_value", product["productid"]
                )
                if i.get("_pricelevelid_value") == level
            ]
            if not items:
                raise KeyError(f"{sku!r} is not on price list {emu.price_level_name!r}")
            ctx = Ctx(emu.store)
            for item in items:
                update(ctx, TABLES["productpricelevels"], item, {"amount": amount}, None)
            update(ctx, TABLES["products"], product, {"price": amount}, None)

    def set_stock(self, sku: str, qty: object, warehouse: str | None = None) -> None:
        """Set the on-hand quantity of `sku` at `warehouse` (default: the first location)."""
        from sandbox.dynamics365.seeding import unit
        from sandbox.dynamics365.seeding import warehouse as warehouse_id
        from sandbox.dynamics365.writes import create

        emu = self._emu()
        with emu.lock:
            product = self.product_by_sku(sku)
            wid = warehouse_id(emu, warehouse or emu.default_warehouse)
            ctx = Ctx(emu.store)
            qty_d = Decimal(str(qty))
            rows = [
                r
                for r in emu.store.find(
                    "msdyn_productinventories", "_msdyn_product_value", product["productid"]
                )
                if r.get("_msdyn_warehouse_value") == wid
            ]
            if rows:
                update(
                    ctx,
                    TABLES["msdyn_productinventories"],
                    rows[0],
                    {"msdyn_qtyonhand": qty_d},
                    None,
                )
            else:
                create(
                    ctx,
                    TABLES["msdyn_productinventories"],
                    {
                        "msdyn_qtyonhand": qty_d,
                        "msdyn_qtyallocated": Decimal(0),
                        "msdyn_product@odata.bind": f"/products({product['productid']})",
                        "msdyn_warehouse@odata.bind": f"/msdyn_warehouses({wid})",
                        "msdyn_unit@odata.bind": f"/uoms({unit(emu)[0]})",
                    },
                )
            total = sum(
                (
                    Decimal(r.get("msdyn_qtyonhand") or 0)
                    for r in emu.store.find(
                        "msdyn_productinventories", "_msdyn_product_value", product["productid"]
                    )
                ),
                Decimal(0),
            )
            update(ctx, TABLES["products"], product, {"quantityonhand": total}, None)

    def fulfil_order(
        self,
        key: str,
        *,
        status: int = 100001,
        tracking: str | None = None,
        carrier: str | None = None,
        shipped_date: str | None = None,
    ) -> Row:
        """Ship an order: its shipping columns, then ``FulfillSalesOrder`` (state Fulfilled).

        Args:
            key: the salesorderid, or a key text like ``storebridge_id='shift4shop:order:1001'``.
            status: 100001 Complete or 100002 Partial.
        """
        emu = self._emu()
        with emu.lock:
            order = self._one("salesorders", key)
            fields = {
                "storebridge_trackingnumber": tracking,
                "storebridge_carrier": carrier,
                "storebridge_shippeddate": shipped_date,
            }
            fields = {k: v for k, v in fields.items() if v is not None}
            if fields:
                order = update(Ctx(emu.store), TABLES["salesorders"], order, fields, None)
            return close_order(emu.store, order["salesorderid"], 3, status)

    def set_tracking(self, entity_set: str, enabled: bool) -> None:
        """Change tracking of a table on or off (off: its delta tokens are expired)."""
        emu = self._emu()
        with emu.lock:
            if entity_set not in TABLES:
                raise KeyError(entity_set)
            emu.store.tracking[entity_set] = enabled
            emu.store.delta_floor[entity_set] = emu.store.version + 1

    def expire_delta_tokens(self, entity_set: str | None = None) -> None:
        """Expire every delta token issued so far (of one table, or all)."""
        emu = self._emu()
        with emu.lock:
            for name in [entity_set] if entity_set else list(TABLES):
                emu.store.delta_floor[name] = emu.store.version + 1

    def set_token_lifetime(self, expires_in: int) -> None:
        """``expires_in`` of the tokens issued from now on."""
        emu = self._emu()
        with emu.lock:
            emu.authority.expires_in = expires_in

    def issue_token(self) -> str:
        """Mint a bearer token without the token endpoint (tests)."""
        emu = self._emu()
        with emu.lock:
            return str(emu.authority.issue()["access_token"])

    def demo_activity(self) -> list[str]:
        """Between two demo runs: an order ships, a phone is corrected, a product changes."""
        from sandbox.dynamics365.demo import demo_activity

        return demo_activity(self._emu())


def register_admin(app: FastAPI, emu: Dynamics365Emulator) -> None:
    """Add the environment's own admin routes to `app`."""
    prefix = f"{ADMIN_PREFIX}/dynamics365"

    @app.put(f"{prefix}/tokens")
    async def tokens(body: TokenLifetime) -> dict[str, int]:
        emu.set_token_lifetime(body.expires_in)
        return {"expires_in": body.expires_in}

    @app.put(f"{prefix}/tracking/{{entity_set}}")
    async def tracking(entity_set: str, body: Tracking) -> dict[str, Any]:
        try:
            emu.set_tracking(entity_set, body.enabled)
        except KeyError:
            raise HTTPException(404, f"unknown entity set {entity_set!r}") from None
        return {"entity_set": entity_set, "enabled": body.enabled}

    @app.post(f"{prefix}/deltatokens/expire")
    async def expire_delta(entity_set: str | None = None) -> dict[str, str]:
        if entity_set and entity_set not in TABLES:
            raise HTTPException(404, f"unknown entity set {entity_set!r}")
        emu.expire_delta_tokens(entity_set)
        return {"status": "expired"}

    @app.get(f"{prefix}/batch-parts")
    async def batch_parts() -> dict[str, Any]:
        with emu.lock:
            return {"total": sum(emu.batch_parts.values()), "by_endpoint": dict(emu.batch_parts)}


__all__ = ["AdminHelpers", "ODataError", "register_admin"]
