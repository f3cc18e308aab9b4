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


def test_names_are_unique_and_pools_defined() -> None:
    names = [d["name"] for d in DEPLOYMENTS]
    assert len(names) == len(set(names))
    pools = {p["name"] for p in PREFECT_YAML["definitions"]["work_pools"].values()}
    assert {d["work_pool"]["name"] for d in DEPLOYMENTS} <= pools


def test_the_gateway_deployment_exists() -> None:
    from deployments.settings import GatewaySettings

    settings = GatewaySettings(shift4shop_secret="x" * 16, _env_file=None)
    flow_name, _, deployment = settings.deployment("shift4shop").partition("/")
    assert flow_name == load_flow(DEPLOYMENTS[0]["entrypoint"]).name
    assert deployment in {d["name"] for d in DEPLOYMENTS}
    webhook = next(d for d in DEPLOYMENTS if d["name"] == deployment)
    assert webhook["parameters"]["from_inbox"] is True


def test_scheduled_deployment_has_a_valid_cron() -> None:
    from prefect.client.schemas.schedules import CronSchedule

    scheduled = [d for d in DEPLOYMENTS if d.get("schedules")]
    assert scheduled
    for d in scheduled:
        for schedule in d["schedules"]:
            CronSchedule(cron=schedule["cron"], timezone=schedule.get("timezone"))  # raises if bad
