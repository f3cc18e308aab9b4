"""Where a SKU lives in a Shift4Shop store: a product's CatalogID, or a variant's option code.

Targets keep what they resolved in xref (the engine binds each record to its store id), so a
steady-state run resolves nothing. What is not bound is found through `GET /Products/skuinfo`:
one SKU at a time when only a few are missing, the whole listing once per run otherwise. A
variant SKU (`SB-TEE-001-XS`) is found among the AdvancedOptions of its parent (`SB-TEE-001`).
"""

from __future__ import annotations

from collections.abc import Iterable

from connectors.shift4shop import Shift4ShopClient

FEW = 10  # below this many unknown SKUs, ask for each one; above, read the listing once


def store_id(catalog_id: int, code: str | None = None) -> str:
    """The target id storebridge binds a SKU to: `"<CatalogID>"` or `"<CatalogID>:<code>"`."""
    return f"{catalog_id}:{code}" if code else str(catalog_id)


def parse_store_id(value: str) -> tuple[int, str | None]:
    catalog, _, code = value.partition(":")
    return int(catalog), code or None


class SkuIndex:
    """SKU → (CatalogID, AdvancedOptionCode or None), resolved lazily for one run."""

    def __init__(self, client: Shift4ShopClient) -> None:
        self.client = client
        self._products: dict[str, int] = {}
        self._listed = False
        self._options: dict[int, dict[str, str]] = {}

    def forget(self, sku: str) -> None:
        self._products.pop(sku.lower(), None)

    def _load(self, skus: list[str]) -> None:
        missing = [s for s in skus if s.lower() not in self._products]
        parents = {s.rsplit("-", 1)[0] for s in missing if "-" in s}
        wanted = [s for s in dict.fromkeys([*missing, *parents]) if s.lower() not in self._products]
        if not wanted or self._listed:
            return
        if len(wanted) <= FEW:
            for sku in wanted:
                for row in self.client.skus(sku):
                    self._products[str(row.get("SKU", "")).lower()] = int(row["CatalogID"])
            return
        for row in self.client.skus():
            self._products[str(row.get("SKU", "")).lower()] = int(row["CatalogID"])
        self._listed = True

    def options(self, catalog_id: int) -> dict[str, str]:
        """Variant SKU (lower case) → AdvancedOptionCode of one product."""
        if catalog_id not in self._options:
            self._options[catalog_id] = {
                str(o.get("AdvancedOptionSufix", "")).lower(): str(o["AdvancedOptionCode"])
                for o in self.client.advanced_options(catalog_id)
                if o.get("AdvancedOptionCode") is not None
            }
        return self._options[catalog_id]

    def resolve(self, skus: Iterable[str]) -> dict[str, tuple[int, str | None]]:
        """Where each SKU is; SKUs the store does not have are absent."""
        wanted = list(dict.fromkeys(skus))
        self._load(wanted)
        out: dict[str, tuple[int, str | None]] = {}
        for sku in wanted:
            catalog = self._products.get(sku.lower())
            if catalog is not None:
                out[sku] = (catalog, None)
                continue
            parent, _, _ = sku.rpartition("-")
            parent_id = self._products.get(parent.lower()) if parent else None
            code = self.options(parent_id).get(sku.lower()) if parent_id else None
            if parent_id is not None and code is not None:
                out[sku] = (parent_id, code)
        return out

    def known(self, sku: str, catalog_id: int) -> None:
        self._products[sku.lower()] = catalog_id
