"""Helpers of the BigCommerce emulator tests: a real HTTPS server, clients, a webhook receiver.

The registry does not list BigCommerce yet, so the emulator is started directly on
`sandbox.runner._Server` with the sandbox CA. Each test module gets its own emulator; tests that
write restore the snapshot taken at start (`restore`).
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.bigcommerce import ACCESS_TOKEN, STORE_HASH, BigCommerceEmulator
from sandbox.runner import _Server
from sandbox.seed import SeedConfig, SeedWorld, build_world
from sandbox.tls import TlsFiles, ensure_tls
from tests.conftest import ANCHOR

V2 = f"/stores/{STORE_HASH}/v2"
V3 = f"/stores/{STORE_HASH}/v3"
AUTH = {"X-Auth-Token": ACCESS_TOKEN, "Accept": "application/json"}


class Running:
    """One emulator on HTTPS with its world, CA and base URL."""

    def __init__(self, workdir: Path) -> None:
        self.world: SeedWorld = build_world(SeedConfig(anchor=ANCHOR))
        self.tls: TlsFiles = ensure_tls(workdir / "tls")
        self.emu = BigCommerceEmulator(self.world)
        self.server = _Server(self.emu, "127.0.0.1", 0, self.tls)
        self.emu.base_url = f"https://127.0.0.1:{self.server.port}"
        self.server.start()

    def client(self, headers: dict[str, str] | None = None) -> httpx.Client:
        """An httpx client on the emulator's root URL (auth headers by default)."""
        return httpx.Client(
            base_url=self.emu.base_url,
            headers=AUTH if headers is None else headers,
            verify=ssl.create_default_context(cafile=str(self.tls.ca_cert)),
            timeout=20,
            trust_env=False,
        )


def running_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """Body of the module-scoped `running` fixtures."""
    r = Running(tmp_path_factory.mktemp("bc"))
    try:
        yield r
    finally:
        r.emu.webhook_sender.close()
        r.server.stop()


def decimal_json(response: httpx.Response) -> Any:
    """The response JSON with numbers as Decimal (as the connector reads money)."""
    from decimal import Decimal

    return json.loads(response.text, parse_float=Decimal)


class Receiver:
    """An HTTP endpoint on 127.0.0.1 that records POSTs (raw body) and answers scripted statuses."""

    def __init__(self, statuses: tuple[int, ...] = (), default: int = 200) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses = list(statuses)
        self.default = default
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.requests.append(
                        {
                            "path": self.path,
                            "headers": dict(self.headers),
                            "raw": raw,
                            "body": json.loads(raw),
                        }
                    )
                    status = receiver.statuses.pop(0) if receiver.statuses else receiver.default
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def url(self, path: str = f"/webhooks/bigcommerce/{STORE_HASH}") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
