"""BigCommerce as the target of the catalogue: products, variants, list prices (Catalog V3).

A product is found by SKU (`GET /v3/catalog/products?sku:in=...&include=variants`: one read per
50 SKUs of a batch, for the unbound ones and those with variants, whose variant ids the updates
need); bound simple products are updated by their bound id without a read. Found products are
updated with `PUT /v3/catalog/products` (batches of 10) and their variants with
`PUT /v3/catalog/variants` (batches of 50), sending only what differs from the store (a product
the store already holds as the back office has it costs no write: it is bound as unchanged).
New products are created with `POST /v3/catalog/products`, their variants included (chosen by
option values given by name: `{"option_display_name": "Size", "label": "XS"}`). A variant new to
an existing product is created with `POST /v3/catalog/products/{id}/variants` (a product
without the option first gets it with `POST .../options`; an option value the product lacks is
named by label, and a refusal is reported naming it). A create whose answer was lost (or a SKU
that appeared meanwhile: 409) finds the product by SKU on the retry instead of creating it twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from connectors.bigcommerce import BigCommerceClient
from connectors.bigcommerce.models import Product as RawProduct
from connectors.bigcommerce.models import Variant as RawVariant
from connectors.http.errors import RecordError
from flows.ports import Context, Item, LoadResult, Outcome, already_there, failed, written
from flows.systems.bigcommerce.orders import is_id
from transforms.bigcommerce import SYSTEM
from transforms.canonical import Entity, Product, Variant, digest
from transforms.mapping import MappingError, apply, fingerprint, load_mapping

PRODUCT = "Product"
OPTION_TYPE = "rectangles"  # how a new option is shown (spec enum; assumption: size chips)
DEFAULT_OPTION = "Option"  # the option of a variant that names none (assumption)


class ProductHasher:
    """What a product write sends (pure): the product's update payload and its variants'."""

    binding_entity = PRODUCT

    def __init__(self) -> None:
        self.product = load_mapping("bigcommerce/product")
        self.variant = load_mapping("bigcommerce/variant")
        self.fingerprint = fingerprint(self.product, self.variant)

    def payload(self, p: Product, *, creating: bool) -> dict[str, Any]:
        tracking = "variant" if p.variants else "product"
        return apply(self.product, p, creating=creating, ctx={"inventory_tracking": tracking})

    def variant_payload(self, v: Variant, *, creating: bool) -> dict[str, Any]:
        return apply(self.variant, v, creating=creating)

    def payload_hash(self, p: Product) -> str:
        variants = [
            (v.sku, self.variant_payload(v, creating=False), options(v)) for v in p.variants
        ]
        return digest(self.fingerprint, self.payload(p, creating=False), variants)


def options(v: Variant) -> list[tuple[str, str]]:
    """The (option name, value) pairs a variant is chosen by (its SKU when it names none)."""
    return [(o.name, o.value) for o in v.options] or [(DEFAULT_OPTION, v.sku)]


def differs(payload: dict[str, Any], raw: Any) -> dict[str, Any]:
    """The fields of `payload` whose value the store record `raw` does not hold already."""
    out = {}
    for key, value in payload.items():
        have = getattr(raw, key, None)
        if isinstance(value, Decimal) and have is not None:
            try:
                if Decimal(str(have)) == value:
                    continue
            except ArithmeticError:
                pass
        elif have == value or (value == "" and have is None):
            continue
        out[key] = value
    return out


def find_value(
    variants: Sequence[RawVariant], name: str, label: str
) -> tuple[int | None, int | None]:
    """(option id, option value id) of `name` = `label` among a product's variants."""
    option_id = None
    for v in variants:
        for ov in v.option_values:
            if (ov.option_display_name or "").casefold() != name.casefold():
                continue
            option_id = ov.option_id
            if (ov.label or "").casefold() == label.casefold():
                return ov.option_id, ov.id
    return option_id, None


class ProductTarget:
    """`Target[Product]` (see the module docstring)."""

    system = SYSTEM
    entity = Entity.PRODUCT
    binding_entity = PRODUCT

    def __init__(self, ctx: Context | None = None, client: BigCommerceClient | None = None) -> None:
        self.client = client or BigCommerceClient.from_env()
        self.hasher = ProductHasher()

    def payload_hash(self, record: Product) -> str:
        return self.hasher.payload_hash(record)

    def validate(self, record: Product) -> str | None:
        try:
            self.hasher.payload(record, creating=True)
            for v in record.variants:
                self.hasher.variant_payload(v, creating=True)
        except MappingError as exc:
            return f"{record.ref.key}: {exc}"
        return None

    def load(self, items: Sequence[Item[Product]]) -> LoadResult:
        need = [i.record.sku for i in items if i.binding is None or i.record.variants]
        found = self._by_sku(need)
        existing: list[tuple[Item[Product], RawProduct | None, int]] = []
        new: list[Item[Product]] = []
        for item in items:
            raw = found.get(item.record.sku.lower())
            if raw is not None:
                existing.append((item, raw, raw.id))
            elif item.binding is not None and is_id(item.binding.target_id):
                existing.append((item, None, int(item.binding.target_id)))
            else:
                new.append(item)
        done, created = self._create(new, existing)
        done += self._update(existing)
        return LoadResult(done, counters={"products_created": created})

    def _by_sku(self, skus: Sequence[str]) -> dict[str, RawProduct]:
        if not skus:
            return {}
        return {(p.sku or "").lower(): p for p in self.client.products_by_sku(skus)}

    # --- create -----------------------------------------------------------------------------
    def _create(
        self,
        new: list[Item[Product]],
        existing: list[tuple[Item[Product], RawProduct | None, int]],
    ) -> tuple[list[Outcome], int]:
        done: list[Outcome] = []
        created = 0
        for item in new:
            body = self.hasher.payload(item.record, creating=True)
            body.setdefault("weight", Decimal("0"))  # required by POST; never sent on update
            if item.record.variants:
                body["variants"] = [
                    {
                        **self.hasher.variant_payload(v, creating=True),
                        "option_values": [
                            {"option_display_name": name, "label": value}
                            for name, value in options(v)
                        ],
                    }
                    for v in item.record.variants
                ]
            try:
                product = self.client.create_product(body)
            except RecordError as exc:
                again = self._by_sku([item.record.sku]).get(item.record.sku.lower())
                if again is not None:  # it exists after all (a lost answer): update it
                    existing.append((item, again, again.id))
                else:
                    why = f"BigCommerce refused the product: {exc.message}"
                    done.append(failed(item, "RecordError", why))
                continue
            created += 1
            done.append(written(item, str(product.id)))
        return done, created

    # --- update -----------------------------------------------------------------------------
    def _update(
        self, existing: list[tuple[Item[Product], RawProduct | None, int]]
    ) -> list[Outcome]:
        bodies: list[dict[str, Any]] = []
        variant_bodies: list[dict[str, Any]] = []
        problems: dict[str, str] = {}
        sent: set[str] = set()  # refs whose product or variants were written
        for item, raw, pid in existing:
            payload = self.hasher.payload(item.record, creating=False)
            change = differs(payload, raw) if raw is not None else payload
            if change:
                bodies.append({"id": pid, **change})
                sent.add(item.ref.key)
            if not item.record.variants:
                continue
            if raw is None:
                problems[item.ref.key] = f"store product {pid} was not found by its SKU"
                continue
            by_sku = {(v.sku or "").lower(): v for v in raw.variants if v.id != raw.base_variant_id}
            missing = [v for v in item.record.variants if v.sku.lower() not in by_sku]
            problem = self._add_variants(pid, raw, missing) if missing else None
            if problem:
                problems[item.ref.key] = problem
                continue
            if missing:
                sent.add(item.ref.key)
            for v in item.record.variants:
                have = by_sku.get(v.sku.lower())
                vchange = (
                    differs(self.hasher.variant_payload(v, creating=False), have) if have else {}
                )
                if have is not None and vchange:
                    variant_bodies.append({"id": have.id, "product_id": pid, **vchange})
                    sent.add(item.ref.key)
        results = self.client.update_products(bodies) if bodies else []
        vresults = self.client.update_variants(variant_bodies) if variant_bodies else []
        refused = {r.id: r.message for r in results if not r.ok}
        vrefused = {r.id: r.message for r in vresults if not r.ok}
        owner = {b["id"]: b["product_id"] for b in variant_bodies}
        done: list[Outcome] = []
        for item, _, pid in existing:
            why = problems.get(item.ref.key) or refused.get(pid)
            bad_variant = next(
                (vid for vid, p in owner.items() if p == pid and vid in vrefused), None
            )
            if why is None and bad_variant is not None:
                why = f"variant {bad_variant}: {vrefused[bad_variant]}"
            if why is not None:
                done.append(failed(item, "RecordError", f"BigCommerce refused the product: {why}"))
            elif item.ref.key in sent:
                done.append(written(item, str(pid)))
            else:
                done.append(already_there(item, self, str(pid)))
        return done

    def _add_variants(self, pid: int, raw: RawProduct, missing: list[Variant]) -> str | None:
        """Create variants new to an existing product; why they cannot be, or None.

        Options the product does not have yet are created once, with every value the new
        variants need; values are then named by id. A value missing from an option the product
        has is named by option name and label (the connector has no call that adds a value to
        an option; spec silent on whether a variant create adds it: assumption, it does, as
        product creates do), and a store that refuses says so, naming the value."""
        known: dict[tuple[str, str], tuple[int | None, int | None]] = {}
        absent: dict[str, list[str]] = {}  # option name -> labels, for options not on it
        for v in missing:
            for name, label in options(v):
                option_id, value_id = find_value(raw.variants, name, label)
                known[(name.casefold(), label.casefold())] = (option_id, value_id)
                if option_id is None and label not in absent.setdefault(name, []):
                    absent[name].append(label)
        try:
            for name, labels in absent.items():
                values = [{"label": lb, "sort_order": n} for n, lb in enumerate(labels)]
                body = {"display_name": name, "type": OPTION_TYPE, "option_values": values}
                option = self.client.create_option(pid, body)
                for ov in option.option_values:
                    known[(name.casefold(), (ov.label or "").casefold())] = (option.id, ov.id)
        except RecordError as exc:
            return f"store product {pid} refused the new option: {exc.message}"
        for v in missing:
            chosen: list[dict[str, Any]] = []
            for name, label in options(v):
                option_id, value_id = known.get((name.casefold(), label.casefold()), (None, None))
                chosen.append(
                    {"option_id": option_id, "id": value_id}
                    if option_id is not None and value_id is not None
                    else {"option_display_name": name, "label": label}
                )
            new: dict[str, Any] = {"product_id": pid}
            new.update(self.hasher.variant_payload(v, creating=True))
            try:
                self.client.create_variant(pid, {**new, "option_values": chosen})
            except RecordError as exc:
                return (
                    f"variant {v.sku} ({', '.join(f'{n} = {lb!r}' for n, lb in options(v))}) "
                    f"could not be added to the store product {pid}: {exc.message}; add the "
                    "option value in the store admin, then replay"
                )
        return None

    def finish(self) -> LoadResult:
        return LoadResult()

    def close(self) -> None:
        self.client.close()
