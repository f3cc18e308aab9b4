"""Benchmark: the webhook gateway's intake on loopback. Prints figures, asserts nothing.

    .venv/bin/python bench/webhook_intake.py [--posts 2000] [--clients 20] [--events-per-post 1]
                                             [--state-url postgresql+psycopg://...]

Starts the gateway as `storebridge gateway` does (`deployments.gateway.server`: uvicorn, access
log on, secrets masked; the dispatcher off, so only the intake is measured) in a child process on
a loopback port, with the state store on SQLite in a temporary folder (or on `--state-url`).
Then `--clients` concurrent httpx clients (httpx's transport, one keep-alive connection each)
send `--posts` Shift4Shop deliveries of `--events-per-post` orders each (ids unique to this run),
after a warm-up post per client that is not timed. Prints the events acknowledged per second,
the p50/p99/max acknowledgement latency (send → 2xx), the lost events (events of posts answered
2xx minus those found in the inbox afterwards: must be 0, the gateway answers only after the
commit), how often the URL token appears in the gateway's log (must be 0), and the CPU time of
the gateway and of the clients during the burst with the share of the machine they got (client
and server share the CPUs, and so does whatever else runs). Target on a 2-core machine:
>= 500 events/s, p99 < 100 ms, 0 lost. `BENCH_PROFILE=<file>` writes the gateway's cProfile.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret-token-0123456789abcdef"  # noqa: S105 - the benchmark's own gateway


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--events-per-post", type=int, default=1)
    parser.add_argument("--state-url", help="default: SQLite in a temporary folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="storebridge-bench-intake-"))
    url = args.state_url or f"sqlite:///{work / 'state.db'}"
    log = work / "gateway.log"
    with log.open("w") as sink:
        child = subprocess.Popen(
            [sys.executable, __file__, "serve", url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=sink,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PREFECT_LOGGING_LEVEL": "WARNING"},
        )
        assert child.stdin is not None
        assert child.stdout is not None
        try:
            line = child.stdout.readline()
            if not line:
                raise SystemExit(f"gateway did not start; see {log}")
            port = json.loads(line)["port"]
            before = cpu_seconds(child.pid)
            figures = asyncio.run(burst(port, args.posts, args.clients, args.events_per_post))
            figures["gateway_cpu"] = cpu_seconds(child.pid) - before
        finally:
            child.stdin.close()
            child.wait(timeout=60)
    ids = figures.pop("ids")
    report(figures, len(ids), count_stored(url, ids), args, url)
    text = log.read_text()
    print(
        f"  log      URL token {text.count(SECRET)} times in the gateway log ({log}; "
        f"{text.count('/webhooks/shift4shop/***')} masked paths)"
    )


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of process `pid` so far (Linux /proc; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def burst(port: int, posts: int, clients: int, per_post: int) -> dict[str, Any]:
    """Send the posts; latencies and outcomes of the timed ones (after one warm-up each)."""
    base = random.SystemRandom().randrange(10**11, 10**12) * 10**6  # ids unique to this run
    endpoint = f"http://127.0.0.1:{port}/webhooks/shift4shop/{SECRET}"
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(posts):
        queue.put_nowait(n)
    latencies: list[float] = []
    acked: list[str] = []
    failed: dict[int, int] = {}

    def body(n: int) -> bytes:
        return json.dumps(
            [{"OrderID": base + n * per_post + k, "OrderStatusID": 1} for k in range(per_post)]
        ).encode()

    headers = {"Content-Type": "application/json", "Host": f"127.0.0.1:{port}"}

    async def post(transport: httpx.AsyncHTTPTransport, n: int, timed: bool) -> None:
        started = time.perf_counter()
        request = httpx.Request("POST", endpoint, content=body(n), headers=headers)
        response = await transport.handle_async_request(request)
        await response.aread()
        elapsed = time.perf_counter() - started
        if response.is_success:
            acked.extend(str(base + n * per_post + k) for k in range(per_post))
            if timed:
                latencies.append(elapsed)
        else:
            failed[response.status_code] = failed.get(response.status_code, 0) + 1

    async def worker(index: int, gate: asyncio.Barrier) -> None:
        # httpx's transport, one keep-alive connection per client: the client's own request
        # building (cookies, auth, redirects) would cost the loopback CPU the gateway needs.
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncHTTPTransport(limits=limits) as transport:
            await post(transport, posts + index, timed=False)  # warm-up: connect, first request
            await gate.wait()
            while not queue.empty():
                await post(transport, queue.get_nowait(), timed=True)

    gate = asyncio.Barrier(clients + 1)
    tasks = [asyncio.create_task(worker(i, gate)) for i in range(clients)]
    await gate.wait()
    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*tasks)
    wall, client_cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "latencies": latencies,
        "wall": wall,
        "failed": failed,
        "ids": acked,
        "client_cpu": client_cpu,
    }


def count_stored(url: str, ids: list[str]) -> int:
    """How many of `ids` are in the inbox (as Shift4Shop order events)."""
    from sqlalchemy import func, select

    from connectors.state import StateStore
    from connectors.state.models import InboxRow

    store = StateStore(url)
    found = 0
    try:
        with store.engine.connect() as connection:
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                query = select(func.count()).where(
                    InboxRow.source == "shift4shop",
                    InboxRow.topic == "order",
                    InboxRow.resource_id.in_(part),
                )
                found += connection.execute(query).scalar_one()
    finally:
        store.dispose()
    return found


def report(figures: dict[str, Any], acked: int, found: int, args: Any, url: str) -> None:
    lat = sorted(figures["latencies"])
    timed_events = len(lat) * args.events_per_post
    dialect = url.split(":", 1)[0]
    print(
        f"# webhook intake: {args.posts} posts x {args.events_per_post} event(s) from "
        f"{args.clients} clients, state on {dialect}, {os.cpu_count()} CPUs"
    )

    def ms(q: float) -> float:
        return lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else float("nan")

    rate = timed_events / figures["wall"] if figures["wall"] else 0.0
    wall = figures["wall"]
    print(f"  events/s {rate:6.0f}   ({timed_events} events acknowledged in {wall:.2f} s)")
    print(f"  latency  p50 {ms(0.50):.1f} ms   p99 {ms(0.99):.1f} ms   max {ms(1.0):.1f} ms")
    refused = sum(figures["failed"].values())
    print(f"  refused  {refused} posts" + (f" {figures['failed']}" if refused else ""))
    print(
        f"  lost     {acked - found}   (events acknowledged 2xx incl. warm-up: {acked}, "
        f"found in the inbox: {found})"
    )
    posts = max(len(lat), 1)
    used = figures["gateway_cpu"] + figures["client_cpu"]
    share = used / (figures["wall"] * (os.cpu_count() or 1)) if figures["wall"] else 0.0
    print(
        f"  CPU      gateway {figures['gateway_cpu']:.2f} s "
        f"({figures['gateway_cpu'] / posts * 1000:.2f} ms/post), httpx clients "
        f"{figures['client_cpu']:.2f} s ({figures['client_cpu'] / posts * 1000:.2f} ms/post): "
        f"{share:.0%} of the {os.cpu_count()} CPUs (the rest went idle or to other processes; "
        f"load average {os.getloadavg()[0]:.1f})"
    )


def _serve(url: str) -> None:
    """Child: the gateway on a free loopback port; prints {"port": N}; stops when stdin closes."""
    from connectors.state import StateStore
    from deployments.gateway import server as gateway_server
    from deployments.settings import GatewaySettings

    state = StateStore(url)
    state.upgrade()
    settings = GatewaySettings(shift4shop_secret=SECRET, _env_file=None)
    # IPPROTO_TCP, not 0: asyncio turns Nagle off (TCP_NODELAY) only on sockets that say TCP,
    # and with it on every response waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    server = gateway_server(settings, state, dispatch=False)

    def stop() -> None:
        sys.stdin.read()
        server.should_exit = True

    threading.Thread(target=stop, daemon=True).start()
    profile = os.environ.get("BENCH_PROFILE")  # a file: the gateway's cProfile stats
    print(json.dumps({"port": sock.getsockname()[1]}), flush=True)
    os.dup2(2, 1)  # the access log goes to stdout: from here on, to the log (our stderr)
    if profile:
        import cProfile

        cProfile.runctx("server.run(sockets=[sock])", globals(), locals(), profile)
    else:
        server.run(sockets=[sock])
    state.dispose()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        _serve(sys.argv[2])
    else:
        main()
