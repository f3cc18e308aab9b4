"""prefect.yaml: every entrypoint imports a flow whose parameters match the deployment's."""

from __future__ import annotations

import inspect
from importlib import util
from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect import Flow

ROOT = Path(__file__).resolve().parents[2]
PREFECT_YAML = yaml.safe_load((ROOT / "prefect.yaml").read_text())
DEPLOYMENTS: list[dict[str, Any]] = PREFECT_YAML["deployments"]


def _pair_flow_names() -> set[str]:
    from deployments.render import RECONCILE
    from flows import registry

    return {RECONCILE.name} | {f.name for s in registry.specs() for f in s.pair_flows}


# the use cases' deployments (not the flows a system runs beside them, e.g. GL postings)
SYNCS = [d for d in DEPLOYMENTS if not set(d.get("tags", ())) & _pair_flow_names()]


def load_flow(entrypoint: str) -> Flow[..., Any]:
    path, _, name = entrypoint.partition(":")
    spec = util.spec_from_file_location(f"entry_{Path(path).stem}", ROOT / path)
    assert spec is not None, f"cannot load {path}"
    assert spec.loader is not None, f"cannot load {path}"
    module = util.module_from_spec(spec)
    spec.loader.exec_module(module)
    flow = getattr(module, name)
    assert isinstance(flow, Flow), f"{entrypoint} is not a Prefect flow"
    return flow


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=lambda d: d["name"])
def test_entrypoint_is_a_flow_with_matching_parameters(deployment: dict[str, Any]) -> None:
    flow = load_flow(deployment["entrypoint"])
    signature = inspect.signature(flow.fn)
    given = deployment.get("parameters") or {}
    unknown = set(given) - set(signature.parameters)
    assert not unknown, f"{deployment['name']}: {sorted(unknown)} are not parameters of {flow.name}"
    required = {n for n, p in signature.parameters.items() if p.default is inspect.Parameter.empty}
    assert required <= set(given), f"{deployment['name']} misses {sorted(required - set(given))}"
    flow.validate_parameters(given)  # types check out (raises otherwise)


def test_names_are_unique_per_flow_and_pools_defined() -> None:
    names = [(d["entrypoint"], d["name"]) for d in DEPLOYMENTS]
    assert len(names) == len(set(names))
    pools = {p["name"] for p in PREFECT_YAML["definitions"]["work_pools"].values()}
    assert {d["work_pool"]["name"] for d in DEPLOYMENTS} <= pools


def test_every_subscription_of_the_gateway_has_its_webhook_deployment() -> None:
    from deployments.settings import GatewaySettings, deployment_name
    from deployments.subscriptions import subscriptions

    settings = GatewaySettings(shift4shop_secret="x" * 16, _env_file=None)
    wanted = {
        deployment_name(u, source, t)
        for (source, _), routes in subscriptions(settings.pair_list()).items()
        for u, t in routes
    }
    assert wanted == {
        "order-to-cash/shift4shop-salesforce-webhook",
        "customers/shift4shop-salesforce-webhook",
    }
    have = {f"{load_flow(d['entrypoint']).name}/{d['name']}": d for d in DEPLOYMENTS}
    for name in wanted:
        assert name in have, f"prefect.yaml has no deployment {name}"
        assert have[name]["parameters"]["from_inbox"] is True


def test_every_use_case_of_the_pair_is_scheduled() -> None:
    from flows.usecases import USE_CASES

    scheduled = {
        (load_flow(d["entrypoint"]).name, d["parameters"]["source"], d["parameters"]["target"])
        for d in SYNCS
        if d.get("schedules")
    }
    from deployments.demo import steps
    from flows import registry
    from flows.registry import Kind

    stores = [s.slug for s in registry.specs() if s.kind is Kind.STORE]
    offices = [s.slug for s in registry.specs() if s.kind is Kind.BACK_OFFICE]
    wanted = {(uc.name, a, b) for x in stores for y in offices for uc, a, b in steps(x, y)}
    assert ("order-to-cash", "shift4shop", "salesforce") in wanted
    assert wanted == scheduled
    assert {name for name, _, _ in scheduled} == set(USE_CASES)


def test_scheduled_deployment_has_a_valid_cron() -> None:
    from prefect.client.schemas.schedules import CronSchedule

    scheduled = [d for d in DEPLOYMENTS if d.get("schedules")]
    assert scheduled
    for d in scheduled:
        for schedule in d["schedules"]:
            CronSchedule(cron=schedule["cron"], timezone=schedule.get("timezone"))  # raises if bad


def test_prefect_yaml_is_the_rendering_of_the_registry() -> None:
    """A new system or use case gets its deployments by `make prefect-yaml`, never by hand."""
    from deployments.render import render

    assert (ROOT / "prefect.yaml").read_text() == render(), (
        "prefect.yaml differs from the registry's rendering: run `make prefect-yaml`"
    )


def test_every_store_back_office_pair_has_its_deployments() -> None:
    from deployments.demo import steps
    from flows import registry
    from flows.registry import Kind

    have = {
        (load_flow(d["entrypoint"]).name, d["parameters"]["source"], d["parameters"]["target"])
        for d in SYNCS
        if d.get("schedules")
    }
    for store in (s for s in registry.specs() if s.kind is Kind.STORE):
        for office in (s for s in registry.specs() if s.kind is Kind.BACK_OFFICE):
            wanted = {(uc.name, a, b) for uc, a, b in steps(store.slug, office.slug)}
            assert wanted <= have, f"{store.slug} <-> {office.slug}: {sorted(wanted - have)}"


def test_runs_of_an_on_premise_system_go_to_the_worker_next_to_it() -> None:
    """Sage 300 is on the merchant's network: every run of its pairs (use cases and GL
    postings) goes to the `storebridge-onprem` pool, every other run to `storebridge-local`."""
    from flows import registry

    onprem = {s.slug for s in registry.specs() if s.work_pool == "onprem"}
    assert onprem == {"sage300"}
    for d in DEPLOYMENTS:
        pair = {d["parameters"]["source"], d["parameters"]["target"]}
        wanted = "storebridge-onprem" if pair & onprem else "storebridge-local"
        assert d["work_pool"]["name"] == wanted, d["name"]


def test_every_pair_flow_has_its_daily_deployment() -> None:
    """Sage 300's GL postings for each store, and a nightly reconciliation for every pair."""
    from deployments.render import pair_flows
    from flows import registry
    from flows.registry import Kind

    have = {(d["name"], d["entrypoint"]) for d in DEPLOYMENTS}
    wanted = set()
    for store in (s for s in registry.specs() if s.kind is Kind.STORE):
        for office in (s for s in registry.specs() if s.kind is Kind.BACK_OFFICE):
            for extra in pair_flows(store, office):
                module, _, function = extra.flow.partition(":")
                name = f"{store.slug}-{office.slug}-{extra.name}"
                wanted.add(name)
                assert (name, f"{module.replace('.', '/')}.py:{function}") in have, name
    assert {"shift4shop-sage300-gl-postings", "bigcommerce-salesforce-reconcile"} <= wanted
    assert not any(n.startswith("shift4shop-salesforce-gl") for n in wanted)
