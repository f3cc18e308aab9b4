"""`storebridge up` / `storebridge down`: the whole real-run stack from one command.

`up` starts, in order, each as its own process (logs in `<workdir>/logs/`):

1. a Prefect server (`prefect server start`), unless `PREFECT_API_URL` already answers; on
   PostgreSQL when `--prefect-db` (or `PREFECT_SERVER_DATABASE_CONNECTION_URL`) names one;
2. the work pools (process type: `storebridge-local`, and `storebridge-onprem` for the runs of
   on-premise systems such as Sage 300) and every deployment of `prefect.yaml`;
3. the automations (`storebridge automations apply`);
4. a worker on each pool (`worker`, `worker-onprem`: on one machine both run here; in
   production the on-premise worker runs next to Sage 300), and the webhook gateway.

Run it from the project directory (where `prefect.yaml` and `.env` are): all of them get the
same environment and read the same `.env`, so they share one state store.
What was started is written to `<workdir>/up.json`; `down` stops exactly that (SIGTERM to each
process group, SIGKILL after a grace period), newest first. The user's Prefect profile is
obeyed: nothing here sets `PREFECT_HOME`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from deployments.render import POOLS

POOL = POOLS["local"]
# the process name of each pool's worker in up.json (and in what `down` prints)
WORKERS = {pool: "worker" if key == "local" else f"worker-{key}" for key, pool in POOLS.items()}
STATE_FILE = "up.json"


class UpError(RuntimeError):
    """A step of `up` failed; the message names it and its log."""


@dataclass
class Started:
    """What `up` started (and `down` stops)."""

    api_url: str
    processes: dict[str, int] = field(default_factory=dict)  # name -> pid (group leader)
    logs: dict[str, str] = field(default_factory=dict)


def _bin(name: str) -> str:
    found = Path(sys.executable).parent / name
    return str(found) if found.exists() else name


def healthy(api_url: str, timeout: float = 2.0) -> bool:
    try:
        return httpx.get(f"{api_url.rstrip('/')}/health", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def _wait(check: Any, what: str, log: Path, wait_s: float) -> None:
    deadline = time.monotonic() + wait_s
    while not check():
        if time.monotonic() > deadline:
            raise UpError(f"{what} did not come up within {wait_s:.0f} s (see {log})")
        time.sleep(0.5)


def _spawn(name: str, args: list[str], env: dict[str, str], logs: Path) -> tuple[int, Path]:
    log = logs / f"{name}.log"
    handle = log.open("ab")
    proc = subprocess.Popen(  # noqa: S603 - our own executables
        args,
        cwd=Path.cwd(),
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    handle.close()
    return proc.pid, log


def _run(name: str, args: list[str], env: dict[str, str], logs: Path) -> None:
    log = logs / f"{name}.log"
    with log.open("ab") as handle:
        done = subprocess.run(  # noqa: S603 - our own executables
            args, cwd=Path.cwd(), env=env, stdout=handle, stderr=subprocess.STDOUT, check=False
        )
    if done.returncode != 0:
        raise UpError(f"{name} failed (exit {done.returncode}); see {log}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child of this process counts as gone
        return os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:
        return True


def up(
    workdir: Path,
    *,
    port: int = 4200,
    prefect_db: str | None = None,
    gateway: bool = True,
    worker: bool = True,
    automations: bool = True,
    wait_s: float = 120,
) -> Started:
    """Start the stack (see the module docstring).

    Raises:
        UpError: a step failed, or `up.json` says a stack is already running here.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    logs = workdir / "logs"
    logs.mkdir(exist_ok=True)
    if (workdir / STATE_FILE).exists():
        running = load(workdir)
        if running and any(_alive(p) for p in running.processes.values()):
            raise UpError(f"already up (see {workdir / STATE_FILE}); run `storebridge down`")
    env = dict(os.environ)
    api = env.get("PREFECT_API_URL") or ""
    started = Started(api_url=api)
    try:
        if not api or not healthy(api):
            api = f"http://127.0.0.1:{port}/api"
            if prefect_db:
                env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = prefect_db
            env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
            pid, log = _spawn(
                "server",
                [_bin("prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                env,
                logs,
            )
            started.processes["server"], started.logs["server"] = pid, str(log)
            started.api_url = api
            _save(workdir, started)
            _wait(lambda: healthy(api), "the Prefect server", log, wait_s)
        env["PREFECT_API_URL"] = api
        started.api_url = api
        prefect = _bin("prefect")
        for pool in POOLS.values():
            _run("work-pool", [prefect, "work-pool", "create", pool, "--type", "process",
                               "--overwrite"], env, logs)  # fmt: skip
        _run("deploy", [prefect, "--no-prompt", "deploy", "--all"], env, logs)
        if automations:
            _run("automations", [_bin("storebridge"), "automations", "apply"], env, logs)
        if worker:
            for pool, name in WORKERS.items():
                pid, log = _spawn(name, [prefect, "worker", "start", "--pool", pool], env, logs)
                started.processes[name], started.logs[name] = pid, str(log)
                _save(workdir, started)
        if gateway:
            pid, log = _spawn("gateway", [_bin("storebridge"), "gateway"], env, logs)
            started.processes["gateway"], started.logs["gateway"] = pid, str(log)
            _save(workdir, started)
            _wait(lambda: _gateway_up(env), "the gateway", log, wait_s)
    except BaseException:
        down(workdir)
        raise
    _save(workdir, started)
    return started


def _gateway_up(env: dict[str, str]) -> bool:
    from connectors.settings import load_settings
    from deployments.settings import GatewaySettings

    settings = load_settings(GatewaySettings)
    try:
        r = httpx.get(f"http://{settings.host}:{settings.port}/healthz", timeout=2)
    except httpx.HTTPError:
        return False
    return r.status_code in (200, 503)  # 503: up, but degraded (it says why)


def _save(workdir: Path, started: Started) -> None:
    (workdir / STATE_FILE).write_text(
        json.dumps(
            {"api_url": started.api_url, "processes": started.processes, "logs": started.logs},
            indent=2,
        )
    )


def load(workdir: Path) -> Started | None:
    path = workdir / STATE_FILE
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    return Started(data["api_url"], data.get("processes", {}), data.get("logs", {}))


def down(workdir: Path, grace_s: float = 15) -> list[str]:
    """Stop what `up` started here, newest first; the names of what was stopped."""
    started = load(workdir)
    if started is None:
        return []
    stopped = []
    for name, pid in reversed(list(started.processes.items())):
        if not _alive(pid):
            continue
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
        deadline = time.monotonic() + grace_s
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        stopped.append(name)
    (workdir / STATE_FILE).unlink(missing_ok=True)
    return stopped
