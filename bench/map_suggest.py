"""Benchmark: how often `storebridge map suggest` finds the field a shipped mapping uses. Prints
a table per mapping and the totals.

    .venv/bin/python bench/map_suggest.py [--sample 40] [--no-samples] [--json]

For every shipped field mapping (transforms/studio/shipped.py), every field whose `from` names
a source path (not a `ctx.` value the loader resolves, not a constant) is hidden: the suggester
ranks every candidate source of the mapping (the canonical paths of an encode mapping, the
fields of the source objects of a decode mapping) for it, with sample values read through the
connectors from the sandbox (seeded, deterministic: shift4shop customers and orders stand for
the canonical customers, orders, lines, payments and shipments; Salesforce products for products
and variants; each back office's own raw records for its decode mappings). A hit at k: one of the
field's `from` paths is among the first k suggestions.

Then a scikit-learn model (logistic regression over the same features) is trained on the
shipped mappings, leave-one-mapping-out (the mapping scored is never in its training set), and
scored the same way. The suggester keeps the rules unless the model beats them on top-1 (ties go
to the rules: simpler, no training step); the line `chosen:` says which.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ANCHOR = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
FEATURES = (
    "name",
    "description",
    "type",
    "values",
    "length",
    "dice",
    "fuzz",
    "depth",
    "billing",
    "primary",
    "exact",
    "first",
)
# Canonical samples for encode mappings: model -> (system, entity) read and decoded
CANONICAL_FROM = {
    "Customer": ("shift4shop", "customer"),
    "Order": ("shift4shop", "order"),
    "OrderLine": ("shift4shop", "order"),
    "Payment": ("shift4shop", "order"),
    "Fulfillment": ("shift4shop", "order"),  # an order's status and shipments stand for it
    "Shipment": ("shift4shop", "order"),
    "Product": ("salesforce", "product"),
    "Variant": ("salesforce", "product"),
}


def read_samples(n: int) -> dict[tuple[str, str], tuple[list[Any], list[Any]]]:
    """(raw, canonical) records per (system, entity) from a fresh sandbox."""
    from connectors.clock import OFFSET_VARIABLE, offset_for

    os.environ[OFFSET_VARIABLE] = offset_for(ANCHOR + dt.timedelta(hours=1))
    from deployments.cli_map import read_records
    from sandbox.runner import Sandbox
    from sandbox.seed import SeedConfig
    from transforms.canonical import Entity
    from transforms.studio import shipped

    wanted = set(CANONICAL_FROM.values())
    wanted |= {(s.system, s.entity.value) for s in shipped.SHIPPED if s.direction == "decode"}
    out: dict[tuple[str, str], tuple[list[Any], list[Any]]] = {}
    work = Path(tempfile.mkdtemp(prefix="storebridge-bench-map-"))
    sandbox = Sandbox(work, seed=SeedConfig(anchor=ANCHOR)).start()
    try:
        os.environ.update(sandbox.env())
        for system, entity in sorted(wanted):
            raws, records, _ = read_records(system, Entity(entity), n, peer="bench")
            out[(system, entity)] = (raws, [r for r in records if r is not None])
    finally:
        sandbox.stop()
    return out


def samples_for(info: Any, data: dict[tuple[str, str], tuple[list[Any], list[Any]]]) -> list[Any]:
    if info.direction == "decode":
        return data.get((info.system, info.entity.value), ([], []))[0]
    key = CANONICAL_FROM.get(info.model)
    return data.get(key, ([], []))[1] if key else []


def cases_and_pairs(
    data: dict[tuple[str, str], tuple[list[Any], list[Any]]],
) -> list[dict[str, Any]]:
    """Per mapping: its hidden cases, each with every candidate's features and whether it is
    a true source."""
    from transforms.studio import plan, shipped
    from transforms.studio.suggest import _weights, features, score_of

    out = []
    for info in shipped.SHIPPED:
        s = plan.side(info.name)
        cases = plan.hidden(s)
        if not cases:
            continue
        candidates = plan.candidates(s, samples_for(info, data))
        weights = _weights(candidates)
        context = plan.context(s)
        rows = []
        for case in cases:
            scored = []
            for c in candidates:
                feats, _, _ = features(case.target, c, weights, s.decoding, context)
                scored.append((c.path, feats, score_of(feats), c.path in case.truth))
            rows.append({"field": case.target.name, "truth": case.truth, "pairs": scored})
        out.append({"mapping": info.name, "cases": rows, "samples": len(samples_for(info, data))})
    return out


def hits(ranked: Sequence[tuple[str, bool]], k: int) -> bool:
    return any(ok for _, ok in ranked[:k])


def evaluate(
    mappings: list[dict[str, Any]], scores: dict[tuple[str, str], list[float]]
) -> dict[str, tuple[int, int, int]]:
    """Per mapping: (cases, top-1 hits, top-3 hits) under the given pair scores."""
    out = {}
    for m in mappings:
        n = h1 = h3 = 0
        for case in m["cases"]:
            values = scores[(m["mapping"], case["field"])]
            ranked = sorted(
                ((p[0], p[3], v) for p, v in zip(case["pairs"], values, strict=True)),
                key=lambda x: (-x[2], x[0]),
            )
            flags = [(path, ok) for path, ok, _ in ranked]
            n += 1
            h1 += hits(flags, 1)
            h3 += hits(flags, 3)
        out[m["mapping"]] = (n, h1, h3)
    return out


def rule_scores(mappings: list[dict[str, Any]]) -> dict[tuple[str, str], list[float]]:
    return {
        (m["mapping"], c["field"]): [p[2] for p in c["pairs"]] for m in mappings for c in m["cases"]
    }


def model_scores(mappings: list[dict[str, Any]]) -> dict[tuple[str, str], list[float]]:
    """Leave-one-mapping-out: each mapping scored by a model trained on the others."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    def matrix(ms: list[dict[str, Any]]) -> tuple[Any, Any]:
        x, y = [], []
        for m in ms:
            for c in m["cases"]:
                for p in c["pairs"]:
                    x.append([p[1][f] for f in FEATURES])
                    y.append(1 if p[3] else 0)
        return np.array(x, dtype=float), np.array(y)

    out: dict[tuple[str, str], list[float]] = {}
    for held in mappings:
        train = [m for m in mappings if m is not held]
        x, y = matrix(train)
        model = LogisticRegression(max_iter=2000, class_weight="balanced", C=1.0)
        model.fit(x, y)
        for c in held["cases"]:
            xs = np.array([[p[1][f] for f in FEATURES] for p in c["pairs"]], dtype=float)
            out[(held["mapping"], c["field"])] = list(model.predict_proba(xs)[:, 1])
    return out


def totals(result: dict[str, tuple[int, int, int]]) -> tuple[int, int, int]:
    n = sum(v[0] for v in result.values())
    return n, sum(v[1] for v in result.values()), sum(v[2] for v in result.values())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sample", type=int, default=40, help="records read per system/entity")
    parser.add_argument("--no-samples", action="store_true", help="names and types only")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    data = {} if args.no_samples else read_samples(args.sample)
    mappings = cases_and_pairs(data)
    rules = evaluate(mappings, rule_scores(mappings))
    model = evaluate(mappings, model_scores(mappings))
    rn, r1, r3 = totals(rules)
    mn, m1, m3 = totals(model)
    chosen = "model" if m1 > r1 else "rules"
    if args.json:
        print(
            json.dumps(
                {
                    "rules": {k: list(v) for k, v in rules.items()},
                    "model": {k: list(v) for k, v in model.items()},
                    "chosen": chosen,
                }
            )
        )
        return
    print(
        "map suggest benchmark: each shipped mapping's fields hidden and suggested again "
        f"({'no samples' if args.no_samples else f'{args.sample} sample records per source'})"
    )
    print()
    head = (
        f"{'mapping':<32} {'fields':>6} {'samples':>7}   {'rules top-1':>11} {'top-3':>6}"
        f"   {'model top-1':>11} {'top-3':>6}"
    )
    print(head)
    print("-" * len(head))
    samples = {m["mapping"]: m["samples"] for m in mappings}
    for name, (n, h1, h3) in rules.items():
        _, g1, g3 = model[name]
        print(
            f"{name:<32} {n:>6} {samples[name]:>7}   {h1 / n:>11.2f} {h3 / n:>6.2f}"
            f"   {g1 / n:>11.2f} {g3 / n:>6.2f}"
        )
    print("-" * len(head))
    print(
        f"{'total (per field)':<32} {rn:>6} {'':>7}   {r1 / rn:>11.2f} {r3 / rn:>6.2f}"
        f"   {m1 / mn:>11.2f} {m3 / mn:>6.2f}"
    )
    per_mapping_r1 = sum(v[1] / v[0] for v in rules.values()) / len(rules)
    per_mapping_r3 = sum(v[2] / v[0] for v in rules.values()) / len(rules)
    per_mapping_m1 = sum(v[1] / v[0] for v in model.values()) / len(model)
    per_mapping_m3 = sum(v[2] / v[0] for v in model.values()) / len(model)
    print(
        f"{'mean of mappings':<32} {len(rules):>6} {'':>7}   {per_mapping_r1:>11.2f} "
        f"{per_mapping_r3:>6.2f}   {per_mapping_m1:>11.2f} {per_mapping_m3:>6.2f}"
    )
    print()
    print(
        f"rules: top-1 {r1}/{rn}, top-3 {r3}/{rn}; model (logistic regression, "
        f"leave-one-mapping-out): top-1 {m1}/{mn}, top-3 {m3}/{mn}"
    )
    print(
        f"chosen: {chosen}"
        + (
            " (the model does not beat the rules on top-1)"
            if chosen == "rules"
            else " (it beats the rules on top-1)"
        )
    )


if __name__ == "__main__":
    main()
