"""Anomaly checks of the use cases: the `inspect` hooks the engine calls per batch before it loads.

Declared in `flows/usecases.py` (order-to-cash → `inspect_orders`, inventory → `inspect_stock`,
catalog → `inspect_prices`); the rules and the model are pure (`transforms/anomaly.py`). What
they compare with comes from the state store, per (use case, pair):

* **orders**: the merchant's normal history is a bounded sample of the features of recent
  orders that loaded without a flag (or that a reviewer accepted), table ``anomaly_memory``
  (`STOREBRIDGE_ANOMALY_HISTORY_SIZE`, default 2,000 orders; totals, counts and country codes,
  no personal data). Until it holds `min_history` orders, the batch itself joins it: a first
  backfill fits on its window. Only orders new to the target are checked (an update of an order
  already loaded is not a new anomaly). A customer is *new* when the target has no binding of it
  in ``xref`` (storebridge never linked or created it there) and it placed no earlier order in
  the batch.
* **stock and prices**: the value the target last got, remembered per record in
  ``anomaly_memory`` when its batch loaded (written in the batch's own transaction). The xref
  hash only says *whether* a value changed, and not every target reads the value it replaces
  (Shift4Shop's stock target pushes levels without reading them), so comparing with a value the
  adapter reads would work for some systems only and cost calls; the memory works for every
  pair at one indexed query per batch. A record seen for the first time is remembered, not
  flagged.

Flags go to the run summary (and so its artifact: `publish`), each is a Prefect event
``storebridge.anomaly`` (`Announcer`), and with `STOREBRIDGE_ANOMALY_HOLD=true` (every rule) or
`STOREBRIDGE_ANOMALY_HOLD_RULES='["order.quantity", ...]'` the record is held for review instead
of loaded: a dead letter of kind ``review`` with its flags as findings. `storebridge deadletters
replay` re-reads and re-checks it; `replay --accept` loads it despite its flags (the decision is
kept on the letter, `ReviewDecision.ACCEPT`, and honoured here). Nothing personal goes into a
flag: records are named by their source id, reasons hold numbers, SKUs and country codes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from connectors.clock import utcnow
from connectors.http.redaction import redact_text
from connectors.settings import StorebridgeSettings, load_settings
from connectors.state import Observation, Review, ReviewDecision, StateStore
from flows.engine import Inspection, Plan
from flows.ports import Item, Outcome, Status, Target
from transforms import anomaly as rules
from transforms.anomaly import AnomalyConfig, Flag, OrderFeatures
from transforms.canonical import Entity

log = logging.getLogger("storebridge.anomaly")

EVENT = "storebridge.anomaly"
EVENTS_PER_RUN = 200  # the rest are in the run's artifact
REVIEW_CLASS = "AnomalyReview"  # the error class of a record held for review


class AnomalySettings(StorebridgeSettings):
    """The anomaly checks: ``STOREBRIDGE_ANOMALY_*`` (thresholds: `transforms.anomaly`)."""

    model_config = SettingsConfigDict(env_prefix="STOREBRIDGE_ANOMALY_")

    enabled: bool = Field(default=True, description="run the checks (flags only, by default)")
    hold: bool = Field(
        default=False, description="hold every flagged record for review instead of loading it"
    )
    hold_rules: list[str] = Field(
        default_factory=list,
        description='hold records flagged by these rules only (JSON, e.g. ["order.quantity"])',
    )
    disabled_rules: list[str] = Field(
        default_factory=list, description="rules that never flag (JSON list of rule names)"
    )
    total_z: float = Field(default=AnomalyConfig.total_z, gt=0)
    lines_z: float = Field(default=AnomalyConfig.lines_z, gt=0)
    quantity_z: float = Field(default=AnomalyConfig.quantity_z, gt=0)
    new_customer_ratio: float = Field(default=AnomalyConfig.new_customer_ratio, gt=0)
    model_threshold: float = Field(default=AnomalyConfig.model_threshold, gt=0, le=1)
    model_share: float = Field(default=AnomalyConfig.model_share, ge=0, lt=1)
    min_history: int = Field(default=AnomalyConfig.min_history, ge=2)
    history_size: int = Field(default=AnomalyConfig.history_size, ge=10, le=100_000)
    stock_fall_share: float = Field(default=AnomalyConfig.stock_fall_share, gt=0)
    stock_jump_share: float = Field(default=AnomalyConfig.stock_jump_share, gt=0)
    stock_min_units: Decimal = Field(default=AnomalyConfig.stock_min_units, ge=0)
    price_share: float = Field(default=AnomalyConfig.price_share, gt=0)

    @field_validator("hold_rules", "disabled_rules")
    @classmethod
    def _known_rules(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(rules.RULES))
        if unknown:
            raise ValueError(f"unknown rule(s) {unknown}; known: {', '.join(rules.RULES)}")
        return value

    def config(self) -> AnomalyConfig:
        return AnomalyConfig(
            total_z=self.total_z,
            lines_z=self.lines_z,
            quantity_z=self.quantity_z,
            new_customer_ratio=self.new_customer_ratio,
            model_threshold=self.model_threshold,
            model_share=self.model_share,
            min_history=self.min_history,
            history_size=self.history_size,
            stock_fall_share=self.stock_fall_share,
            stock_jump_share=self.stock_jump_share,
            stock_min_units=self.stock_min_units,
            price_share=self.price_share,
            disabled=frozenset(self.disabled_rules),
        )

    def holds(self, flags: Sequence[Flag]) -> bool:
        """Whether these flags hold their record for review."""
        return bool(flags) and (self.hold or any(f.rule in self.hold_rules for f in flags))


def settings() -> AnomalySettings:
    return load_settings(AnomalySettings)


def _accepted(plan: Plan, state: StateStore, ids: Sequence[str]) -> set[str]:
    """Records a reviewer accepted (their open review letter says so)."""
    found = state.review_decisions(plan.stream, plan.source, plan.use_case.entity.value, ids)
    return {i for i, decision in found.items() if decision == ReviewDecision.ACCEPT.value}


def _held(item: Item[Any], flags: Sequence[Flag]) -> Outcome:
    """The FAILED outcome of a record held for review (its dead letter: kind review)."""
    ref = item.ref
    top = max(flags, key=lambda f: f.score)
    message = (
        f"{ref.key}: held for review ({', '.join(sorted({f.rule for f in flags}))}): "
        f"{top.reasons[0]}; load it anyway with `storebridge deadletters replay --accept`"
    )
    review = Review(
        ref.system,
        ref.entity.value,
        ref.id,
        REVIEW_CLASS,
        message,
        item.record.model_dump(mode="json"),
        findings=[f.as_dict() for f in flags],
    )
    return Outcome(ref, Status.FAILED, failure=review)


def _finish(
    found: Inspection,
    items: Sequence[Item[Any]],
    verdict: rules.Verdict,
    cfg: AnomalySettings,
    memory: dict[str, Observation],
) -> Inspection:
    """Hold the flagged items the settings say to hold; the flags as plain dicts."""
    for item in items:
        flags = verdict.flags.get(item.ref.key, [])
        held = cfg.holds(flags)
        if held:
            found.held.append(_held(item, flags))
            memory.pop(item.ref.id, None)
        found.flags += [{**f.as_dict(), "held": held} for f in flags]
    found.memory = memory
    return found


def inspect_orders(
    plan: Plan,
    state: StateStore,
    target: Target[Any],
    items: Sequence[Item[Any]],
    records: Sequence[Any],
) -> Inspection:
    """The order checks over the orders of a batch new to the target (module docstring)."""
    cfg = settings()
    found = Inspection()
    new = [i for i in items if i.creating]
    if not cfg.enabled or not new:
        return found
    config = cfg.config()
    found.keep = config.history_size
    accepted = _accepted(plan, state, [i.ref.id for i in new])
    known = _known_customers(state, target.system, [i.record.customer.ref for i in new])
    pairs = [(rules.order_features(i.record), i.record.customer.ref.key) for i in new]
    firsts = rules.first_orders(pairs, known) if known is not None else set()
    features = {f.record: replace(f, new_customer=f.record in firsts) for f, _ in pairs}
    prefix = f"{plan.source}:{plan.use_case.entity.value}:"
    history = [
        OrderFeatures.from_memory(prefix + o.external_id, o.value)
        for o in state.recent(plan.stream, config.history_size)
    ]
    checked = [features[i.ref.key] for i in new if i.ref.id not in accepted]
    verdict = rules.Verdict().add(rules.inspect_orders(checked, history, config))
    memory = {
        i.ref.id: Observation(i.ref.id, features[i.ref.key].to_memory(), i.record.placed_at)
        for i in new
        if rules.admit_to_history(verdict.flags.get(i.ref.key, []), i.ref.id in accepted)
    }
    found.accepted = len(accepted)
    return _finish(found, new, verdict, cfg, memory)


def _known_customers(state: StateStore, target: str, refs: Sequence[Any]) -> set[str] | None:
    """Keys of the customers the target already has (bound in xref), or None when the target
    keeps no customers (then nobody counts as new)."""
    from flows import registry
    from flows.registry import Role

    try:
        binding = registry.spec(target).adapter(Entity.CUSTOMER, Role.TARGET).binding_entity
    except (ValueError, AttributeError):
        return None
    known: set[str] = set()
    by_system: dict[str, list[Any]] = {}
    for ref in refs:
        by_system.setdefault(ref.system, []).append(ref)
    for system, group in by_system.items():
        bound = state.lookup_many(
            system, Entity.CUSTOMER.value, [r.id for r in group], target, binding
        )
        known |= {r.key for r in group if r.id in bound}
    return known


def _remembered(plan: Plan, state: StateStore, records: Sequence[Any]) -> dict[str, Any]:
    return {k: o.value for k, o in state.recall(plan.stream, [r.ref.id for r in records]).items()}


def _values(
    items: Sequence[Item[Any]],
    records: Sequence[Any],
    remembered: dict[str, Any],
    value: Any,
) -> dict[str, Observation]:
    """What to remember: the value of each item to write, and of each record not written
    (unchanged) that nothing is remembered of yet."""
    now = utcnow()
    writing = {i.ref.key for i in items}
    return {
        r.ref.id: Observation(r.ref.id, value(r), now)
        for r in records
        if r.ref.key in writing or r.ref.id not in remembered
    }


def inspect_stock(
    plan: Plan,
    state: StateStore,
    target: Target[Any],
    items: Sequence[Item[Any]],
    records: Sequence[Any],
) -> Inspection:
    """``stock.jump`` / ``stock.fall`` against the level the target last got."""
    cfg = settings()
    found = Inspection()
    if not cfg.enabled or not records:
        return found
    remembered = _remembered(plan, state, records)
    accepted = _accepted(plan, state, [i.ref.id for i in items]) if items else set()
    checked = [i.record for i in items if i.ref.id not in accepted]
    changes = rules.stock_changes(checked, remembered)
    verdict = rules.Verdict().add(rules.stock_flags(changes, cfg.config()))
    found.accepted = len(accepted)
    memory = _values(items, records, remembered, rules.stock_value)
    return _finish(found, items, verdict, cfg, memory)


def inspect_prices(
    plan: Plan,
    state: StateStore,
    target: Target[Any],
    items: Sequence[Item[Any]],
    records: Sequence[Any],
) -> Inspection:
    """``price.change`` against the prices the target last got."""
    cfg = settings()
    found = Inspection()
    if not cfg.enabled or not records:
        return found
    remembered = _remembered(plan, state, records)
    accepted = _accepted(plan, state, [i.ref.id for i in items]) if items else set()
    checked = [i.record for i in items if i.ref.id not in accepted]
    changes = rules.price_changes(checked, remembered)
    verdict = rules.Verdict().add(rules.price_flags(changes, cfg.config()))
    found.accepted = len(accepted)
    memory = _values(items, records, remembered, rules.price_value)
    return _finish(found, items, verdict, cfg, memory)


# -- what a run shows ---------------------------------------------------------------------------


def _command(flag: dict[str, Any]) -> str:
    review = flag.get("review")
    return f"storebridge deadletters replay --accept {review}" if review else ""


class Announcer:
    """One ``storebridge.anomaly`` Prefect event per flag (capped per run), for automations:
    resource ``storebridge.record.<system>.<entity>.<id>`` with the rule and score as labels."""

    def __init__(self, use_case: str, source: str, target: str, entity: str) -> None:
        self.labels = {
            "storebridge.use-case": use_case,
            "storebridge.source": source,
            "storebridge.target": target,
            "storebridge.entity": entity,
        }
        self.pair = f"storebridge.use-case.{use_case}.{source}.{target}"
        self.sent = 0

    def flags(self, flags: Sequence[dict[str, Any]]) -> None:
        from prefect.events import emit_event

        for flag in flags:
            if self.sent >= EVENTS_PER_RUN:
                return
            self.sent += 1
            system, entity, rid = str(flag["record"]).split(":", 2)
            emit_event(
                event=EVENT,
                resource={
                    "prefect.resource.id": f"storebridge.record.{system}.{entity}.{rid}",
                    "prefect.resource.name": str(flag["record"]),
                    **self.labels,
                    "storebridge.rule": str(flag["rule"]),
                    "storebridge.score": f"{flag['score']:.3f}",
                    "storebridge.held": "true" if flag.get("held") else "false",
                },
                related=[{"prefect.resource.id": self.pair, "prefect.resource.role": "pair"}],
                payload={
                    "rule": flag["rule"],
                    "score": flag["score"],
                    "reasons": [redact_text(r) for r in flag["reasons"]],
                    "held": bool(flag.get("held")),
                    "review": flag.get("review"),
                    "accept": _command(flag),
                },
            )


def publish(summary: Any) -> None:
    """The run's anomaly flags as a Prefect table artifact (``<run key>-anomalies``), next to
    its counts and dead letters (`flows/artifacts.py`)."""
    from prefect.artifacts import create_table_artifact

    from flows.artifacts import artifact_key

    key = artifact_key(summary.use_case, summary.source, summary.target, summary.mode)
    rows = [
        {
            "record": f["record"],
            "rule": f["rule"],
            "score": f["score"],
            "reasons": redact_text("; ".join(f["reasons"])),
            "held": f"review dead letter {f['review']}" if f.get("review") else "no",
            "accept": _command(f),
        }
        for f in summary.flags
    ]
    shown = "" if len(rows) >= summary.flagged else f" (first {len(rows)} shown)"
    create_table_artifact(
        rows,
        key=f"{key}-anomalies",
        description=f"{summary.flagged} anomaly flag(s){shown}, {summary.held_for_review} "
        f"record(s) held for review, {summary.accepted} accepted by a reviewer "
        "(rules: transforms/anomaly.py; hold with STOREBRIDGE_ANOMALY_HOLD)",
    )
