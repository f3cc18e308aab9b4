"""Shared pieces of the benchmarks: a sandbox in its own process, runs in their own processes.

The engine's memory is measured on its own: the emulators (which hold every record) run in one
child process, each sync run in another, whose peak RSS (`ru_maxrss`) the parent reads.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def sandbox(workdir: Path, seed: dict[str, Any], systems: list[str]) -> Iterator[dict[str, Any]]:
    """Start the emulators (`python bench/_harness.py serve ...`) and yield their env and URLs."""
    args = [
        sys.executable,
        str(Path(__file__)),
        "serve",
        str(workdir),
        json.dumps(seed),
        ",".join(systems),
    ]
    proc = subprocess.Popen(
        args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert proc.stdout is not None
    assert proc.stdin is not None
    try:
        ready = json.loads(proc.stdout.readline())
        yield ready
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)


def admin(ready: dict[str, Any], slug: str, path: str, method: str = "GET") -> Any:
    url = ready["urls"][slug] + "/__admin/" + path
    return httpx.request(method, url, verify=ready["ca"], timeout=600).json()


def run_child(args: list[str], env: dict[str, str]) -> tuple[dict[str, Any], float, int]:
    """Run a child Python command; (its last JSON line, wall seconds, its peak RSS in KiB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, *args],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if out.returncode:
        sys.stderr.write(out.stdout[-4000:] + out.stderr[-4000:])
        raise SystemExit(f"child failed: {args}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far: run the small case first
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    return json.loads(lines[-1]), wall, max(peak, before) if peak > before else peak


def _serve(workdir: str, seed_json: str, systems: str) -> None:
    sys.path.insert(0, str(ROOT))
    import datetime as dt

    from sandbox.runner import Sandbox
    from sandbox.seed import SeedConfig

    data = json.loads(seed_json)
    if isinstance(data.get("anchor"), str):
        data["anchor"] = dt.datetime.fromisoformat(data["anchor"])
    seed = SeedConfig(**data)
    sb = Sandbox(Path(workdir), seed=seed, systems=systems.split(",")).start()
    print(json.dumps({"env": sb.env(), "urls": sb.urls, "ca": str(sb.tls.ca_cert)}), flush=True)
    sys.stdin.read()  # until the parent closes it
    sb.stop()


if __name__ == "__main__" and sys.argv[1] == "serve":
    _serve(*sys.argv[2:5])
