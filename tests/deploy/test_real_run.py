"""The README's "Running it for real" steps, run as written: sandbox settings into .env,
`storebridge up` (Prefect server, work pool, deployments, automations, worker, gateway), a
webhook by curl drained by a worker run of the -webhook deployment, a backfill, dead letters
and their replay, `storebridge down`.

The lines come from the README itself (between the `real-run` markers), so the documentation
cannot drift from what works. They run in a scratch copy of the project (symlinks), with their
own Prefect home, free ports, and the Prefect server and state store on PostgreSQL when one is
reachable (the production path), else on SQLite.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from connectors.state import StateStore
from connectors.state.models import InboxRow

ROOT = Path(__file__).resolve().parents[2]
LINKED = ("flows", "connectors", "transforms", "deployments", "sandbox", "prefect.yaml")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def readme_steps() -> str:
    text = (ROOT / "README.md").read_text()
    found = re.search(
        r"<!-- real-run:begin -->\s*```sh\n(.*?)```\s*<!-- real-run:end -->", text, re.S
    )
    assert found, "README.md lost its real-run block"
    return found.group(1)


@contextmanager
def databases() -> Iterator[tuple[str | None, str | None]]:
    """(Prefect server database, state store URL): fresh PostgreSQL databases, or SQLite."""
    from tests.pg import fresh_database

    try:
        with (
            fresh_database("storebridge_real_prefect") as prefect_db,
            fresh_database("storebridge_real_state") as state,
        ):
            yield prefect_db.replace("postgresql+psycopg://", "postgresql+asyncpg://"), state
    except pytest.skip.Exception:
        yield None, None


def summaries(output: str) -> list[dict[str, Any]]:
    """The run summaries (JSON objects with a use_case) printed by `storebridge run`."""
    found, decoder = [], json.JSONDecoder()
    for match in re.finditer(r"^\{", output, re.M):
        try:
            value, _ = decoder.raw_decode(output[match.start() :])
        except ValueError:
            continue
        if isinstance(value, dict) and "use_case" in value:
            found.append(value)
    return found


@pytest.mark.slow
def test_the_readme_real_run_steps_work_as_written(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    for name in LINKED:
        (project / name).symlink_to(ROOT / name)
    bin_dir = str(Path(sys.executable).parent)
    with databases() as (prefect_db, state_url):
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "STOREBRIDGE_"))
        }
        env |= {
            "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
            "PREFECT_HOME": str(tmp_path / "prefect-home"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_PORT": str(free_port()),
            "STOREBRIDGE_GATEWAY_PORT": str(free_port()),
            # the business clock the other tests use: the sandbox seeds up to its "today"
            "STOREBRIDGE_CLOCK_OFFSET_S": os.environ["STOREBRIDGE_CLOCK_OFFSET_S"],
        }
        if prefect_db:
            env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = prefect_db
        if state_url:
            env["STOREBRIDGE_STATE_URL"] = state_url
        script = "set -euo pipefail\n" + readme_steps()
        try:
            done = subprocess.run(
                ["bash", "-c", script],
                cwd=project,
                env=env,
                capture_output=True,
                text=True,
                timeout=900,
            )
        finally:  # never leave a stack behind, whatever failed
            subprocess.run(
                [str(Path(bin_dir) / "storebridge"), "down"], cwd=project, env=env, timeout=120
            )
        logs = "".join(
            f"\n--- {p.name}\n{p.read_text()[-2000:]}"
            for p in sorted((project / ".storebridge" / "up" / "logs").glob("*.log"))
        )
        assert done.returncode == 0, f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}{logs}"
        out = done.stdout
        assert f"PREFECT_API_URL=http://127.0.0.1:{env['PREFECT_PORT']}/api" in out
        for name in ("server", "worker", "worker-onprem", "gateway"):
            assert re.search(rf"^{name}\s+pid \d+", out, re.M), out
        waited = re.search(r"^inbox: (\{.*\})$", out, re.M)
        assert waited, out[-4000:]
        inbox = json.loads(waited.group(1))
        assert inbox["done"] == 1, inbox
        assert inbox["pending"] == inbox["processing"] == inbox["failed"] == 0
        (backfill,) = summaries(out)
        assert backfill["mode"] == "window"
        assert backfill["read"] > 0
        assert backfill["created"] + backfill["dead_lettered"] > 0
        assert "stopped: gateway, worker-onprem, worker, server" in out
        store = StateStore(state_url or f"sqlite:///{project / '.storebridge' / 'state.db'}")
        try:
            # the webhook's order reached Salesforce through the worker's run
            bound = store.lookup("shift4shop", "order", "1001", "salesforce", "Order")
            assert bound is not None
            with store.engine.connect() as conn:
                (event_id,) = conn.execute(
                    sa.select(InboxRow.id).where(InboxRow.resource_id == "1001")
                ).scalars()
            (route,) = store.routes_of(event_id)
            assert route.status.value == "done"
            assert route.flow_run_id  # the worker's run, asked for by the gateway
        finally:
            store.dispose()
        assert not (project / ".storebridge" / "up" / "up.json").exists()
        secret = re.search(r"^STOREBRIDGE_GATEWAY_SHIFT4SHOP_SECRET=(.+)$",
                           (project / ".env").read_text(), re.M).group(1)  # type: ignore[union-attr]  # fmt: skip
        assert secret not in logs, "the gateway secret reached a log"
