"""V3 catalog: products with their variants by SKU, product and variant writes, options.

Products are read with `include=variants` (each variant's `option_values` name its options), not
`include=options`, which caps pages at 10 (store-apis.md 1.7). Batch updates hold at most
`products_batch` (10) products or `variants_batch` (50) variants; a 413 halves them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from connectors.bigcommerce import models, resources
from connectors.bigcommerce.base import BigCommerceBase
from connectors.bigcommerce.resources import SYSTEM
from connectors.bigcommerce.writes import WriteResult
from connectors.records import validate_rows


class CatalogMixin(BigCommerceBase):
    """Catalog V3."""

    def products_by_sku(self, skus: Iterable[str]) -> list[models.Product]:
        """Products whose (product-level) SKU is one of `skus`, with their variants."""
        wanted = [s for s in dict.fromkeys(skus) if s]
        if not wanted:
            return []
        rows = self.v3_in(resources.PRODUCTS, "sku", wanted, {"include": "variants"})
        return validate_rows(
            models.Product, rows, system=SYSTEM, entity="product", id_key="id"
        ).records

    def products_by_id(self, ids: Iterable[int]) -> list[models.Product]:
        """Products by `id:in`, with their variants."""
        rows = self.v3_in(resources.PRODUCTS, "id", ids, {"include": "variants"})
        return validate_rows(
            models.Product, rows, system=SYSTEM, entity="product", id_key="id"
        ).records

    def create_product(self, body: Mapping[str, Any]) -> models.Product:
        """`POST /v3/catalog/products` (one product; may carry `variants`). 409 (duplicate
        name or SKU) and 422 raise `RecordError`."""
        data = self.write_one("POST", resources.PRODUCTS, dict(body))
        return models.Product.model_validate(data)

    def update_products(self, items: Sequence[Mapping[str, Any]]) -> list[WriteResult]:
        """`PUT /v3/catalog/products` in batches; each item carries its `id`."""
        return self.batched(
            "PUT", resources.PRODUCTS, items, self.settings.products_batch, entity="product"
        )

    def update_variants(self, items: Sequence[Mapping[str, Any]]) -> list[WriteResult]:
        """`PUT /v3/catalog/variants` in batches; each item carries its `id`."""
        return self.batched(
            "PUT", resources.VARIANTS, items, self.settings.variants_batch, entity="variant"
        )

    def create_variant(self, product_id: int, body: Mapping[str, Any]) -> models.Variant:
        """`POST /v3/catalog/products/{id}/variants` (`sku`, `option_values[{id, option_id}]`)."""
        path = resources.PRODUCT_VARIANTS.format(product_id=product_id)
        return models.Variant.model_validate(self.write_one("POST", path, dict(body)))

    def create_option(self, product_id: int, body: Mapping[str, Any]) -> models.CatalogOption:
        """`POST /v3/catalog/products/{id}/options` (`display_name`, `type`, `option_values`)."""
        path = resources.PRODUCT_OPTIONS.format(product_id=product_id)
        return models.CatalogOption.model_validate(self.write_one("POST", path, dict(body)))
