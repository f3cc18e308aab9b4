"""Helpers of the Dynamics 365 emulator tests: a real HTTPS server, Web API clients, batches.

The registry does not list Dynamics 365 yet, so the emulator is started directly on
`sandbox.runner._Server` with the sandbox CA (as `bc_helpers` does for BigCommerce). Each test
module gets its own emulator; tests that write restore the snapshot taken at start (`restore`).
"""

from __future__ import annotations

import copy
import json
import ssl
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.dynamics365 import API_PATH, Dynamics365Emulator
from sandbox.runner import _Server
from sandbox.seed import SeedConfig, SeedWorld, build_world
from sandbox.tls import TlsFiles, ensure_tls
from tests.conftest import ANCHOR

ODATA = {"Accept": "application/json", "OData-MaxVersion": "4.0", "OData-Version": "4.0"}


class Running:
    """One emulator on HTTPS with its world, CA, certificate and base URL."""

    def __init__(self, workdir: Path) -> None:
        self.world: SeedWorld = build_world(SeedConfig(anchor=ANCHOR))
        self.tls: TlsFiles = ensure_tls(workdir / "tls")
        self.emu = Dynamics365Emulator(self.world)
        self.emu.prepare(workdir)
        self.server = _Server(self.emu, "127.0.0.1", 0, self.tls)
        self.emu.base_url = f"https://127.0.0.1:{self.server.port}"
        self.server.start()
        self.snapshot = copy.deepcopy(self.emu.dump())

    @property
    def url(self) -> str:
        return self.emu.base_url

    @property
    def api(self) -> str:
        return f"{self.emu.base_url}{API_PATH}"

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.tls.ca_cert))

    def client(self, token: str | None = None, *, auth: bool = True) -> httpx.Client:
        """An httpx client on the Web API root (a fresh bearer token unless `auth` is off)."""
        headers = dict(ODATA)
        if auth:
            headers["Authorization"] = f"Bearer {token or self.emu.issue_token()}"
        return httpx.Client(
            base_url=self.api + "/",
            headers=headers,
            verify=self.ssl_context(),
            timeout=30,
            trust_env=False,
        )

    def restore(self) -> None:
        """Back to the state at start (rows, tracking, counters)."""
        self.emu.load(copy.deepcopy(self.snapshot))
        self.emu.reset_counts()
        self.emu.set_faults(type(self.emu.faults)())


def running_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """Body of the module-scoped `running` fixtures."""
    r = Running(tmp_path_factory.mktemp("d365"))
    try:
        yield r
    finally:
        r.server.stop()


def body(response: httpx.Response) -> Any:
    """The response JSON with numbers as Decimal (as the connector reads money)."""
    return json.loads(response.text, parse_float=Decimal)


def part(
    method: str,
    url: str,
    payload: Any = None,
    *,
    content_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> str:
    """One ``application/http`` part of a `$batch` body."""
    head = "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
    if content_id:
        head += f"Content-ID: {content_id}\r\n"
    lines = [f"{method} {url} HTTP/1.1"]
    if payload is not None:
        lines.append("Content-Type: application/json; type=entry")
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    text = "\r\n".join(lines) + "\r\n\r\n"
    if payload is not None:
        text += json.dumps(payload)
    return f"{head}\r\n{text}\r\n"


def batch_body(groups: list[str | list[str]], boundary: str = "batch_T1") -> tuple[str, str]:
    """(Content-Type, body) of a batch: a str is a single part, a list a changeset."""
    out = []
    for i, group in enumerate(groups):
        if isinstance(group, str):
            out.append(f"--{boundary}\r\n{group}")
        else:
            cs = f"changeset_{i}"
            inner = "".join(f"--{cs}\r\n{p}" for p in group) + f"--{cs}--\r\n"
            out.append(
                f"--{boundary}\r\nContent-Type: multipart/mixed; boundary={cs}\r\n\r\n{inner}"
            )
    return f'multipart/mixed; boundary="{boundary}"', "".join(out) + f"--{boundary}--\r\n"


def split_response(response: httpx.Response) -> list[tuple[int, dict[str, str], Any]]:
    """(status, headers, JSON body or None) of every inner response, changesets flattened."""
    ctype = response.headers["content-type"]
    boundary = ctype.split("boundary=")[1].strip('"')
    return _parts(response.text, boundary)


def _parts(text: str, boundary: str) -> list[tuple[int, dict[str, str], Any]]:
    out = []
    for chunk in text.split(f"--{boundary}")[1:]:
        if chunk.startswith("--"):
            break
        head, _, rest = chunk.strip("\r\n").partition("\r\n\r\n")
        if "multipart/mixed" in head:
            inner = head.split("boundary=")[1].strip().strip('"')
            out.extend(_parts(rest, inner))
            continue
        status_line, _, http_rest = rest.partition("\r\n")
        hdr_text, _, payload = http_rest.partition("\r\n\r\n")
        headers = {}
        for line in hdr_text.split("\r\n"):
            k, sep, v = line.partition(":")
            if sep:
                headers[k.strip().lower()] = v.strip()
        cid = [ln for ln in head.split("\r\n") if ln.lower().startswith("content-id")]
        if cid:
            headers["content-id"] = cid[0].split(":", 1)[1].strip()
        payload = payload.strip()
        out.append(
            (
                int(status_line.split(" ")[1]),
                headers,
                json.loads(payload, parse_float=Decimal) if payload else None,
            )
        )
    return out
