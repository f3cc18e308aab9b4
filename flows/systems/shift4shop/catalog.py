"""Shift4Shop as the target of the catalogue: products, list prices and variants (REST API v1).

A product is found by its binding, else by SKU (`skus.SkuIndex`); found ones are updated in
`PUT /Products` batches of 100 and their variants through `PUT /Products/{id}/AdvancedOptions`;
new ones are created with `POST /Products`, variants included (the API has no call that adds an
advanced option to an existing product, so a variant new to an existing product is reported,
naming it, for the merchant to add in the store admin). A create whose answer was lost finds the
product by SKU on the retry instead of creating it twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connectors.shift4shop import Shift4ShopClient
from connectors.shift4shop.client import WriteResult
from flows.ports import Context, Item, LoadResult, Outcome, failed, written
from flows.systems.shift4shop.skus import SkuIndex, parse_store_id, store_id
from transforms.canonical import Entity, Product, Variant, digest
from transforms.mapping import MappingError, apply, fingerprint, load_mapping
from transforms.shift4shop import SYSTEM

PRODUCT = "Product"


class ProductHasher:
    """What a product write sends (pure): the product's update payload and its variants'."""

    binding_entity = PRODUCT

    def __init__(self) -> None:
        self.product = load_mapping("shift4shop/product")
        self.variant = load_mapping("shift4shop/variant")
        self.fingerprint = fingerprint(self.product, self.variant)

    def payload(self, p: Product, *, creating: bool) -> dict[str, Any]:
        return apply(self.product, p, creating=creating)

    def variant_payload(self, v: Variant, *, creating: bool) -> dict[str, Any]:
        name = ", ".join(f"{o.name}: {o.value}" for o in v.options) or v.sku
        return apply(self.variant, v, creating=creating, ctx={"option_name": name})

    def payload_hash(self, p: Product) -> str:
        variants = [(v.sku, self.variant_payload(v, creating=False)) for v in p.variants]
        return digest(self.fingerprint, self.payload(p, creating=False), variants)


class ProductTarget:
    """`Target[Product]` (see the module docstring)."""

    system = SYSTEM
    entity = Entity.PRODUCT
    binding_entity = PRODUCT

    def __init__(self, ctx: Context | None = None, client: Shift4ShopClient | None = None) -> None:
        self.client = client or Shift4ShopClient.from_env()
        self.skus = SkuIndex(self.client)
        self.hasher = ProductHasher()

    def payload_hash(self, record: Product) -> str:
        return self.hasher.payload_hash(record)

    def validate(self, record: Product) -> str | None:
        try:
            self.hasher.payload(record, creating=True)
        except MappingError as exc:
            return f"{record.ref.key}: {exc}"
        return None

    def load(self, items: Sequence[Item[Product]]) -> LoadResult:
        found = self.skus.resolve([i.record.sku for i in items if i.binding is None])
        existing: list[tuple[Item[Product], int]] = []
        new: list[Item[Product]] = []
        for item in items:
            if item.binding is not None:
                existing.append((item, parse_store_id(item.binding.target_id)[0]))
            elif item.record.sku in found:
                existing.append((item, found[item.record.sku][0]))
            else:
                new.append(item)
        done = self._create(new, existing)
        done += self._update(existing)
        return LoadResult(
            done,
            counters={
                "products_created": len(new)
                - len([d for d in done if d.failure and d.ref in {i.ref for i in new}])
            },
        )

    def _create(
        self, new: list[Item[Product]], existing: list[tuple[Item[Product], int]]
    ) -> list[Outcome]:
        bodies = []
        for item in new:
            body = self.hasher.payload(item.record, creating=True)
            body["AdvancedOptionList"] = [
                {"AdvancedOptionCode": str(n), **self.hasher.variant_payload(v, creating=True)}
                for n, v in enumerate(item.record.variants, start=1)
            ]
            bodies.append(body)
        results = self.client.create_products(bodies) if bodies else []
        done: list[Outcome] = []
        for item, r in zip(new, results + [None] * (len(new) - len(results)), strict=True):
            if r is not None and r.ok and r.value.isdigit():
                self.skus.known(item.record.sku, int(r.value))
                done.append(written(item, store_id(int(r.value))))
                continue
            self.skus.forget(item.record.sku)
            again = self.skus.resolve([item.record.sku]).get(item.record.sku)
            if again is not None:  # it exists after all (a lost answer): update it instead
                existing.append((item, again[0]))
            else:
                done.append(
                    failed(
                        item,
                        "RecordError",
                        f"Shift4Shop refused the product: {r.message if r else 'no answer'}",
                    )
                )
        return done

    def _update(self, existing: list[tuple[Item[Product], int]]) -> list[Outcome]:
        bodies = []
        for item, catalog in existing:
            body = self.hasher.payload(item.record, creating=False)
            body.setdefault("SKUInfo", {})["CatalogID"] = catalog
            bodies.append(body)
        results = self.client.update_products(bodies) if bodies else []
        by_id = {r.value: r for r in results}
        done: list[Outcome] = []
        for item, catalog in existing:
            r = by_id.get(str(catalog))
            problem = (
                None
                if r is not None and r.ok
                else (f"Shift4Shop refused the product: {r.message if r else 'no answer'}")
            )
            problem = problem or self._variants(item.record, catalog)
            done.append(
                failed(item, "RecordError", problem)
                if problem
                else written(item, store_id(catalog))
            )
        return done

    def _variants(self, product: Product, catalog: int) -> str | None:
        if not product.variants:
            return None
        codes = self.skus.options(catalog)
        missing = [v.sku for v in product.variants if v.sku.lower() not in codes]
        bodies = [
            {
                "AdvancedOptionCode": codes[v.sku.lower()],
                **self.hasher.variant_payload(v, creating=False),
            }
            for v in product.variants
            if v.sku.lower() in codes
        ]
        results: list[WriteResult] = (
            self.client.update_advanced_options(catalog, bodies) if bodies else []
        )
        bad = [r for r in results if not r.ok]
        if bad:
            return f"Shift4Shop refused variant {bad[0].value}: {bad[0].message}"
        if missing:
            return (
                f"variants {', '.join(missing)} are not options of the store's product "
                f"{catalog}: add them in the store admin (the API cannot add options to an "
                "existing product), then replay"
            )
        return None

    def finish(self) -> LoadResult:
        return LoadResult()

    def close(self) -> None:
        self.client.close()
