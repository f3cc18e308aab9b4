"""A picture of what a run looks like in the Prefect UI, from a real headless browser.

    .venv/bin/python -m sandbox.screenshot [--out .storebridge/screenshots]   (make screenshot)

Starts the sandbox and a Prefect server with its UI (own PREFECT_HOME, free port), runs an
order-to-cash backfill of the seeded window against them (it has dead letters), then has
headless Chromium (`chromium` from the system packages) save the run's page and its artifact
pages (counts, dead letters, progress) as PNG files. Prints the files and the run's URL.
Nothing is left running.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

WINDOW = (dt.datetime(2000, 1, 1, tzinfo=dt.UTC), dt.datetime(2100, 1, 1, tzinfo=dt.UTC))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _browser() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit("no chromium found: apt-get install chromium")


def shoot(url: str, out: Path, browser: str) -> None:
    subprocess.run(  # noqa: S603 - the system's browser
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1600,1100",
            "--virtual-time-budget=20000",
            f"--screenshot={out}",
            url,
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(".storebridge/screenshots"))
    args = parser.parse_args()
    browser = _browser()
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="storebridge-ui-"))
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(work / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_API_URL": api,
    }
    env.pop("PREFECT_API_URL", None)
    server = subprocess.Popen(  # noqa: S603
        [str(Path(sys.executable).with_name("prefect")), "server", "start", "--port", str(port)],
        env=env,
        stdout=(work / "server.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"the Prefect server did not start; see {work / 'server.log'}")
            time.sleep(0.5)
        os.environ.update({k: env[k] for k in ("PREFECT_HOME", "PREFECT_SERVER_ANALYTICS_ENABLED")})
        os.environ["PREFECT_API_URL"] = api
        from sandbox.runner import Sandbox

        with Sandbox(work / "sandbox") as sb:
            os.environ.update(sb.env())
            os.environ["STOREBRIDGE_STATE_PATH"] = str(work / "state.db")
            from flows.order_to_cash import order_to_cash

            summary = order_to_cash(window_start=WINDOW[0], window_end=WINDOW[1])
        run_id = summary["flow_run_id"]
        ui = f"http://127.0.0.1:{port}"
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

        with get_client(sync_client=True) as client:
            artifacts = client.read_artifacts(
                artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
            )
        pages = {"run": f"{ui}/runs/flow-run/{run_id}", "runs": f"{ui}/runs"}
        key = "order-to-cash-shift4shop-salesforce-window"
        for a in artifacts:  # the artifact pages render the tables
            name = (a.key or "artifact").removeprefix(key).strip("-") or "counts"
            pages[name] = f"{ui}/artifacts/artifact/{a.id}"
        for name, url in pages.items():
            target = (args.out / f"{name}.png").resolve()
            shoot(url, target, browser)
            print(f"{target}  <- {url}")
        print(
            f"read {summary['read']}, created {summary['created']}, "
            f"dead-lettered {summary['dead_lettered']}"
        )
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
