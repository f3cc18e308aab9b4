"""The `storebridge` command line: `storebridge --help` lists what exists.

Heavy imports (Prefect, FastAPI, the sandbox) happen inside commands, so `--help` is instant and
the Prefect home set by the Makefile (or defaulted here for the demo) is in place before Prefect
loads.
"""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path
from typing import Annotated, Any

import typer

from connectors.http import ConfigError
from deployments.cli_run import run
from deployments.cli_state import dead_app, state_app

HOME = Path(os.environ.get("STOREBRIDGE_HOME", ".storebridge"))
EXTRA_SETTINGS = {
    "state": "connectors.state.settings:StateSettings",
    "gateway": "deployments.settings:GatewaySettings",
}

app = typer.Typer(
    name="storebridge",
    help="Integration pipelines on Prefect between storefronts and back offices.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(state_app, name="state")
app.add_typer(dead_app, name="deadletters")
app.command("run")(run)
settings_app = typer.Typer(help="Check connection settings.", no_args_is_help=True)
app.add_typer(settings_app, name="settings")


def local_prefect_defaults() -> None:
    """Keep Prefect's database and profile in the project unless told otherwise."""
    os.environ.setdefault("PREFECT_HOME", str(Path(".prefect").resolve()))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def settings_paths() -> dict[str, str]:
    """Every settings model the CLI can check: each system's (registry) and the shared ones."""
    from flows import registry
    from flows.usecases import USE_CASES

    paths = {s.slug: s.settings for s in registry.specs()} | EXTRA_SETTINGS
    return paths | {name: "flows.usecases:SyncSettings" for name in USE_CASES}


@app.command()
def version() -> None:
    """Print the installed storebridge version."""
    from importlib.metadata import version as _version

    typer.echo(_version("storebridge"))


@app.command()
def systems(as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """The systems and the roles each plays per entity (from the registry)."""
    from flows import registry

    if as_json:
        typer.echo(json.dumps(registry.capability_matrix(), indent=2))
    else:
        typer.echo(registry.matrix_markdown())


@settings_app.command("check")
def check(
    connection: Annotated[str, typer.Argument(help="a system slug, state, gateway or a use case")],
) -> None:
    """Load one connection's settings from the environment/.env and print them, secrets masked."""
    from connectors.settings import load_settings
    from flows.registry import load
    from flows.usecases import USE_CASES

    paths = settings_paths()
    if connection not in paths:
        raise typer.BadParameter(f"unknown connection {connection!r}; known: {', '.join(paths)}")
    cls = load(paths[connection])
    try:
        if connection in USE_CASES:
            settings = USE_CASES[connection].settings()
        else:
            settings = load_settings(cls)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    for name, value in settings.model_dump().items():
        typer.echo(f"{name} = {_masked(name, value)}")


def _masked(name: str, value: Any) -> Any:
    from pydantic import SecretStr

    if isinstance(value, SecretStr) or (name == "url" and value):
        return "**********"
    return value


@app.command()
def sandbox(
    workdir: Annotated[Path, typer.Option(help="CA, keys and saved state")] = HOME / "sandbox",
    persist: Annotated[bool, typer.Option(help="keep records between runs")] = True,
    fixed_ports: Annotated[
        bool, typer.Option(help="each system's own port (8441, 8442, ...)")
    ] = True,
) -> None:
    """Run the emulated systems over HTTPS on loopback and print how to point connectors at them."""
    from sandbox.runner import DEFAULT_PORTS, Sandbox

    sb = Sandbox(workdir, persist=persist, ports=DEFAULT_PORTS if fixed_ports else None).start()
    for slug, url in sb.urls.items():
        typer.echo(f"{slug:<12} {url}   (admin: {url}/__admin/counts)")
    typer.echo("\n# connector settings for this sandbox (e.g. append to .env):")
    for key, value in sorted(sb.env().items()):
        typer.echo(f"{key}={value}")
    typer.echo("\nCtrl-C stops the sandbox" + (" and saves its records." if persist else "."))
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    sb.stop()


@app.command()
def demo(
    source: Annotated[str, typer.Option(help="a store (or a back office)")] = "shift4shop",
    target: Annotated[str, typer.Option(help="a back office (or a store)")] = "salesforce",
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
    workdir: Annotated[Path, typer.Option(help="sandbox and state files")] = HOME / "demo",
) -> None:
    """Every use case of a pair on the sandbox, local Prefect and SQLite (run it twice)."""
    local_prefect_defaults()
    from deployments.demo import DemoRefusedError, print_summary, run_demo

    try:
        summary = run_demo(workdir, source=source, target=target, quiet=as_json)
    except (DemoRefusedError, ValueError, ConfigError) as exc:
        typer.echo(f"storebridge demo: {exc}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(summary, indent=2, default=str))
    else:
        print_summary(summary)


@app.command()
def gateway(
    host: Annotated[str | None, typer.Option(help="default: STOREBRIDGE_GATEWAY_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="default: STOREBRIDGE_GATEWAY_PORT")] = None,
) -> None:
    """Serve the webhook intake of every sending system; dispatch runs to Prefect."""
    import uvicorn

    from connectors.settings import load_settings
    from deployments.cli_state import open_store
    from deployments.gateway import create_app
    from deployments.settings import GatewaySettings

    try:
        settings = load_settings(GatewaySettings)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    uvicorn.run(
        create_app(settings, open_store()),
        host=host or settings.host,
        port=port or settings.port,
        log_level="info",
    )


def main() -> None:
    """Console-script entry point."""
    app()
