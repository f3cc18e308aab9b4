"""`prefect.yaml`, rendered from the registry: every use case of every store <-> back-office pair.

A new system (one line in `flows/registry.py`) or a new use case gets its deployments by
re-rendering, never by hand:

    .venv/bin/python -m deployments.render --write     # or: make prefect-yaml

`tests/deploy/test_prefect_yaml.py` fails when the committed file differs from the rendering.
Per pair and use case (in the demo's order, `deployments.demo.steps`):

* a scheduled deployment `<source>-<target>` (the cron per use case and direction below);
* for use cases that subscribe to webhook topics, `<source>-<target>-webhook` (the gateway asks
  for runs of it, `deployments.settings.deployment_name`), queued one at a time;
* for order-to-cash, `<source>-<target>-backfill` (manual window or ids runs);
* per flow a pair runs beside the use cases (`pair_flows`: a system's own, e.g. Sage 300's GL
  postings, and the nightly reconciliation), `<store>-<back office>-<name>` on its schedule.

Runs of a pair go to its back office's work pool (`SystemSpec.work_pool`): `storebridge-local`,
or `storebridge-onprem` for a system on the merchant's own network (Sage 300), whose worker runs
on a machine next to it: the hybrid agent (see README, "Sage 300: the on-premise worker").

Schedules are the same for every pair of a use case: runs of different pairs share no lease, and
each system's quota is its own.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from deployments.demo import steps
from flows import registry
from flows.registry import Kind, PairFlow, SystemSpec
from flows.usecases import ORDER_TO_CASH, UseCase

PATH = Path(__file__).resolve().parents[1] / "prefect.yaml"

# SystemSpec.work_pool -> the Prefect work pool (process workers) its pairs' runs go to.
POOLS: dict[str, str] = {"local": "storebridge-local", "onprem": "storebridge-onprem"}

# (use case, the way it runs) -> (cron, description); {src}/{dst} are the systems' titles.
TO_OFFICE, TO_STORE = "store->office", "office->store"
PLAN: dict[tuple[str, str], tuple[str, str]] = {
    ("catalog", TO_STORE): (
        "0 * * * *",
        "Catalogue and list prices, {src} products and prices to the {dst} store.",
    ),
    ("inventory", TO_STORE): (
        "*/15 * * * *",
        "What the {dst} store may sell ({src} stock minus safety stock), as deltas.",
    ),
    ("customers", TO_OFFICE): (
        "5 * * * *",
        "Customers, {src} to {dst} (linked by e-mail first, store-owned fields).",
    ),
    ("order-to-cash", TO_OFFICE): (
        "*/15 * * * *",
        "Order-to-cash: {src} orders (with customers and payments) to {dst}, incrementally "
        "since the watermark (with overlap). Also the backstop for webhooks that never arrived.",
    ),
    ("customers", TO_STORE): (
        "35 * * * *",
        "Customers, {src} to {dst} ({src}-owned fields of linked customers only).",
    ),
    ("fulfilment", TO_STORE): (
        "*/15 * * * *",
        "Fulfilment (order-to-cash, the way back): {src} order status, shipments and tracking "
        "to the {dst} order.",
    ),
}

# Flows every pair runs beside its use cases, where both systems can (here: both have a reader
# in flows/reconcile READERS).
RECONCILE = PairFlow(
    name="reconcile",
    flow="flows.reconcile.flow:reconcile",
    cron="30 8 * * *",  # UTC: the previous day is over across the Americas and Europe
    description="Reconcile {src} with {dst}: yesterday's orders (missing on either side, "
    "totals, item lines, amounts paid) and the stock per SKU; a table artifact, and the event "
    "storebridge.reconcile.differences when anything differs.",
)


def pair_flows(store: SystemSpec, office: SystemSpec) -> tuple[PairFlow, ...]:
    """The flows a pair runs beside its use cases: its systems' own (`SystemSpec.pair_flows`,
    e.g. Sage 300's GL postings), and the reconciliation where both systems have a reader."""
    from flows.reconcile import READERS

    every = (RECONCILE,) if store.slug in READERS and office.slug in READERS else ()
    return (*store.pair_flows, *office.pair_flows, *every)


HEADER = """\
# storebridge deployments (Prefect 3.8): every use case of every store <-> back-office pair.
# RENDERED by `python -m deployments.render --write` (make prefect-yaml) from flows/registry.py
# and flows/usecases.py: do not edit by hand (a test compares this file with the rendering).
# From the project directory:
#   prefect work-pool create storebridge-local --type process   # once (or: storebridge up)
#   prefect work-pool create storebridge-onprem --type process  # once, for on-premise systems
#   prefect --no-prompt deploy --all
#   prefect worker start --pool storebridge-local
#   prefect worker start --pool storebridge-onprem   # on the machine next to Sage 300
# Deployment names are unique per flow: <source>-<target>[-webhook|-backfill]; the gateway asks
# for runs of the -webhook ones (deployments/settings.py: deployment_name). Runs need the
# connector settings (STOREBRIDGE_*) in the worker's environment, a .env file in this directory
# or Prefect Secret blocks. See README.md, "Running it for real".
name: storebridge
prefect-version: 3.8.8

build: null
push: null
# No pull step: `prefect deploy` records this directory (set_working_directory), so a worker on
# this machine runs this checkout. For remote workers, add a git_clone step here.

definitions:
  work_pools:
    local: &local
      name: storebridge-local
      work_queue_name: default
      job_variables:
        env:
          # runs send a heartbeat every 30 s; `storebridge automations apply` marks a run
          # whose heartbeats stop (killed with -9, machine lost) Crashed, freeing its slot
          PREFECT_FLOWS_HEARTBEAT_FREQUENCY: "30"
    # the hybrid agent: a worker on the merchant's network, next to an on-premise system
    # (Sage 300's Web API and company database are not reachable from outside)
    onprem: &onprem
      name: storebridge-onprem
      work_queue_name: default
      job_variables:
        env:
          PREFECT_FLOWS_HEARTBEAT_FREQUENCY: "30"
  # A run still going when the next one is due: skip the new one (the next one catches up).
  skip_overlap: &skip_overlap {limit: 1, collision_strategy: CANCEL_NEW}
  queue_webhooks: &queue_webhooks {limit: 1, collision_strategy: ENQUEUE}

deployments:
"""


def _pairs() -> list[tuple[SystemSpec, SystemSpec]]:
    stores = [s for s in registry.specs() if s.kind is Kind.STORE]
    offices = [s for s in registry.specs() if s.kind is Kind.BACK_OFFICE]
    return [(store, office) for store in stores for office in offices]


def _folded(text: str, indent: int = 6, width: int = 96) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and indent + len(line) + 1 + len(word) > width:
            lines.append(" " * indent + line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, " " * indent + line]


def _deployment(
    uc: UseCase,
    source: str,
    target: str,
    *,
    suffix: str,
    description: str,
    cron: str | None = None,
    extra: dict[str, str] | None = None,
    tags: tuple[str, ...] = (),
    concurrency: str | None = None,
    pool: str = "local",
) -> list[str]:
    return _entry(
        uc.flow,
        f"{source}-{target}{suffix}",
        description,
        {"source": source, "target": target, **(extra or {})},
        cron=cron,
        concurrency=concurrency,
        tags=(uc.name, *tags, source, target),
        pool=pool,
    )


def _entry(
    flow: str,
    name: str,
    description: str,
    params: dict[str, str],
    *,
    cron: str | None,
    concurrency: str | None,
    tags: tuple[str, ...],
    pool: str,
) -> list[str]:
    if pool not in POOLS:
        raise ValueError(f"work pool {pool!r} of {name} is not one of {sorted(POOLS)}")
    module, _, function = flow.partition(":")
    out = [f"  - name: {name}", "    description: >-"]
    out += _folded(description)
    out.append(f"    entrypoint: {module.replace('.', '/')}.py:{function}")
    out.append("    parameters: {" + ", ".join(f"{k}: {v}" for k, v in params.items()) + "}")
    if cron:
        out += ["    schedules:", f'      - cron: "{cron}"', "        timezone: UTC"]
    if concurrency:
        out.append(f"    concurrency_limit: *{concurrency}")
    out.append(f"    tags: [{', '.join(tags)}]")
    out += [f"    work_pool: *{pool}", ""]
    return out


def _pool(store: SystemSpec, office: SystemSpec) -> str:
    """The pool of a pair: an on-premise system's runs go to the worker next to it."""
    return next((s.work_pool for s in (office, store) if s.work_pool != "local"), "local")


def render() -> str:
    """The text of `prefect.yaml` for the registry as it is."""
    out: list[str] = []
    for store, office in _pairs():
        pair_steps = steps(store.slug, office.slug)
        if not pair_steps:
            continue
        out.append(f"  # --- {store.title} <-> {office.title} " + "-" * 40)
        pool = _pool(store, office)
        for uc, a, b in pair_steps:
            way = TO_OFFICE if a == store.slug else TO_STORE
            cron, text = PLAN[(uc.name, way)]
            titles = {"src": registry.spec(a).title, "dst": registry.spec(b).title}
            out += _deployment(
                uc,
                a,
                b,
                suffix="",
                description=text.format(**titles),
                cron=cron,
                concurrency="skip_overlap",
                pool=pool,
            )
            if uc.topics and way == TO_OFFICE and store.webhooks is not None:
                out += _deployment(
                    uc,
                    a,
                    b,
                    suffix="-webhook",
                    description=f"Requested by `storebridge gateway` when {titles['src']} "
                    f"{uc.entity.value} events are pending; drains them.",
                    extra={"from_inbox": "true"},
                    tags=("webhook",),
                    concurrency="queue_webhooks",
                    pool=pool,
                )
            if uc is ORDER_TO_CASH:
                out += _deployment(
                    uc,
                    a,
                    b,
                    suffix="-backfill",
                    description="Manual order-to-cash runs: window_start/window_end (ISO with "
                    "a zone) for a backfill, or ids (store order ids) for a replay. The "
                    "watermark is not moved by either.",
                    extra={"window_start": "null", "window_end": "null"},
                    tags=("backfill",),
                    pool=pool,
                )
        for extra in pair_flows(store, office):
            titles = {"src": store.title, "dst": office.title}
            out += _entry(
                extra.flow,
                f"{store.slug}-{office.slug}-{extra.name}",
                extra.description.format(**titles),
                {"source": store.slug, "target": office.slug},
                cron=extra.cron,
                concurrency="skip_overlap",
                tags=(extra.name, store.slug, office.slug),
                pool=pool,
            )
    return HEADER + "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {PATH.name}")
    args = parser.parse_args(argv)
    text = render()
    if args.write:
        PATH.write_text(text)
        print(f"wrote {PATH.name}: {text.count('  - name: ')} deployments")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
