"""Run emulators as HTTPS servers on loopback, each on its own port and thread.

    with Sandbox.start_default(workdir) as sb:
        sb.urls["shift4shop"], sb.env()  # point connectors at it

`storebridge sandbox` runs the same thing in the foreground and prints the URLs.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterable, Mapping
from importlib import import_module
from pathlib import Path
from types import TracebackType

import uvicorn

from flows.registry import specs
from sandbox.core import Emulator
from sandbox.seed import SeedConfig, SeedWorld, build_world
from sandbox.tls import TlsFiles, ensure_tls

# Every system's emulator and fixed sandbox port come from its SystemSpec (flows.registry).
EMULATORS: dict[str, str] = {s.slug: s.emulator for s in specs()}
DEFAULT_PORTS: dict[str, int] = {s.slug: s.sandbox_port for s in specs()}
STARTUP_TIMEOUT_S = 20.0


class _QuietShutdown(logging.Filter):
    """Drop uvicorn's error-level note about idle keep-alive connections at shutdown."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "timeout graceful shutdown exceeded" not in record.getMessage()


logging.getLogger("uvicorn.error").addFilter(_QuietShutdown())


def create_emulator(slug: str, world: SeedWorld) -> Emulator:
    """Instantiate the emulator registered for `slug`, seeded from `world`."""
    module, _, cls = EMULATORS[slug].partition(":")
    emulator: Emulator = getattr(import_module(module), cls)(world)
    return emulator


class _Server:
    def __init__(self, emulator: Emulator, host: str, port: int, tls: TlsFiles) -> None:
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets only then; without
        # it Nagle + delayed ACK add ~40 ms to every request.
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(
            emulator.build_app(),
            ssl_certfile=str(tls.server_cert),
            ssl_keyfile=str(tls.server_key),
            log_level="warning",
            lifespan="off",
            # idle keep-alive clients must not delay a stop; uvicorn types it int, a float works
            timeout_graceful_shutdown=0.25,  # type: ignore[arg-type]
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run,
            kwargs={"sockets": [self.sock]},
            daemon=True,
            name=f"sandbox-{emulator.name}",
        )

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"sandbox server on port {self.port} did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


class Sandbox:
    """A set of running emulators sharing one TLS CA and one seed world."""

    def __init__(
        self,
        workdir: Path,
        *,
        systems: Iterable[str] = tuple(EMULATORS),
        ports: Mapping[str, int] | None = None,
        host: str = "127.0.0.1",
        seed: SeedConfig | None = None,
        persist: bool = False,
    ) -> None:
        """Prepare (not start) the sandbox.

        Args:
            workdir: where the CA, keys and (with `persist`) the emulators' state live.
            systems: slugs of the emulators to run.
            ports: fixed port per slug; missing ones get a free port (0).
            host: loopback address to bind.
            seed: seed-data settings (deterministic for a given seed and anchor).
            persist: load state from `workdir/state/<slug>.json` at start, save it at stop,
                so a second `make demo` sees the records the first one wrote.
        """
        self.workdir = workdir
        self.host = host
        self.persist = persist
        self.world = build_world(seed or SeedConfig())
        self.tls = ensure_tls(workdir / "tls")
        self.emulators = {slug: create_emulator(slug, self.world) for slug in systems}
        for emulator in self.emulators.values():
            emulator.prepare(workdir)
        self._ports = dict(ports or {})
        self._servers: dict[str, _Server] = {}

    @property
    def urls(self) -> dict[str, str]:
        """Base URL per running emulator."""
        return {slug: f"https://{self.host}:{s.port}" for slug, s in self._servers.items()}

    def emulator(self, slug: str) -> Emulator:
        """The running emulator for `slug` (direct access for tests and the demo's summary)."""
        return self.emulators[slug]

    def env(self) -> dict[str, str]:
        """Every `STOREBRIDGE_*` variable that points the connectors at this sandbox."""
        env: dict[str, str] = {}
        for emulator in self.emulators.values():
            env.update(emulator.env(self.tls.ca_cert))
        return env

    def start(self) -> Sandbox:
        """Bind, start every server and wait until each accepts connections."""
        for slug, emulator in self.emulators.items():
            self._load(slug, emulator)
            server = _Server(emulator, self.host, self._ports.get(slug, 0), self.tls)
            emulator.base_url = f"https://{self.host}:{server.port}"
            self._servers[slug] = server
            server.start()
        return self

    def stop(self) -> None:
        """Stop every server (and save state when persisting)."""
        for slug, server in self._servers.items():
            server.stop()
            self._save(slug, self.emulators[slug])
        self._servers.clear()

    def _state_file(self, slug: str) -> Path:
        return self.workdir / "state" / f"{slug}.json"

    def _load(self, slug: str, emulator: Emulator) -> None:
        path = self._state_file(slug)
        if self.persist and path.exists():
            emulator.load(json.loads(path.read_text()))

    def _save(self, slug: str, emulator: Emulator) -> None:
        if not self.persist:
            return
        path = self._state_file(slug)
        path.parent.mkdir(parents=True, exist_ok=True)
        with emulator.lock:
            data = emulator.dump()
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, default=str))
        tmp.replace(path)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
