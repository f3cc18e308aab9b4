"""Smoke test of the deployment path: a real `prefect server start`, `prefect deploy --all` of
prefect.yaml, and a scheduled run appearing.

This is what catches a dependency upgrade that silently breaks the scheduler (prefect-notes.md:
SQLAlchemy 2.1 makes the scheduler create no runs, FastAPI >= 0.151 makes `prefect deploy` fail).
The server runs on PostgreSQL, the production database, when one is reachable, else on SQLite.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from deployments.render import POOLS
from tests.pg import fresh_database

ROOT = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).with_name("prefect"))
DEADLINE_S = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    home = tmp_path_factory.mktemp("prefect-home")
    port = free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
    }
    env.pop("PREFECT_API_URL", None)
    with _database(request.param) as db_url:
        if db_url:
            env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = db_url
        log = (home / "server.log").open("w")
        proc = subprocess.Popen(
            [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        api = f"http://127.0.0.1:{port}/api"
        try:
            _wait_healthy(api, proc, home / "server.log")
            yield {**env, "PREFECT_API_URL": api}
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()


@contextmanager
def _database(kind: str) -> Iterator[str | None]:
    """The server's database URL (asyncpg driver on PostgreSQL), or None for Prefect's SQLite."""
    if kind == "sqlite":
        yield None
        return
    with fresh_database("storebridge_prefect_smoke") as url:
        yield url.replace("postgresql+psycopg://", "postgresql+asyncpg://")


def _wait_healthy(api: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"prefect server exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"prefect server not healthy after {DEADLINE_S}s:\n{log.read_text()[-3000:]}")


def run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [PREFECT, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, f"prefect {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.slow
def test_deploy_all_and_a_scheduled_run_appears(server: dict[str, str]) -> None:
    before = (ROOT / "prefect.yaml").read_text()
    for pool in POOLS.values():
        run(server, "work-pool", "create", pool, "--type", "process")
    run(server, "--no-prompt", "deploy", "--all")
    assert (ROOT / "prefect.yaml").read_text() == before, "prefect deploy rewrote prefect.yaml"
    api = server["PREFECT_API_URL"]
    names = {d["name"] for d in httpx.post(f"{api}/deployments/filter", json={}).json()}
    assert {"shift4shop-salesforce", "shift4shop-salesforce-webhook"} <= names
    body = {
        "deployments": {"name": {"any_": ["shift4shop-salesforce"]}},
        "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
    }
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        runs = httpx.post(f"{api}/flow_runs/filter", json=body).json()
        if runs:
            assert runs[0]["parameters"] == {"source": "shift4shop", "target": "salesforce"}
            return
        time.sleep(1)
    pytest.fail(
        f"no scheduled run of shift4shop-salesforce within {DEADLINE_S}s: the scheduler is broken"
    )
