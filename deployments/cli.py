"""The `storebridge` command line: `storebridge --help` lists what exists.

Heavy imports (Prefect, FastAPI, the sandbox) happen inside commands, so `--help` is instant and
the Prefect home set by the Makefile (or defaulted here) is in place before Prefect loads.
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
from deployments.cli_state import dead_app, state_app

HOME = Path(os.environ.get("STOREBRIDGE_HOME", ".storebridge"))
SETTINGS = {
    "shift4shop": "connectors.shift4shop.settings:Shift4ShopSettings",
    "salesforce": "connectors.salesforce.settings:SalesforceSettings",
    "state": "connectors.state.settings:StateSettings",
    "gateway": "deployments.settings:GatewaySettings",
    "order-to-cash": "flows.settings:OrderToCashSettings",
}

app = typer.Typer(
    name="storebridge",
    help="Integration pipelines on Prefect between storefronts and back offices.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(state_app, name="state")
app.add_typer(dead_app, name="deadletters")
settings_app = typer.Typer(help="Check connection settings.", no_args_is_help=True)
app.add_typer(settings_app, name="settings")


def local_prefect_defaults() -> None:
    """Keep Prefect's database and profile in the project unless told otherwise."""
    os.environ.setdefault("PREFECT_HOME", str(Path(".prefect").resolve()))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@app.command()
def version() -> None:
    """Print the installed storebridge version."""
    from importlib.metadata import version as _version

    typer.echo(_version("storebridge"))


@settings_app.command("check")
def check(connection: Annotated[str, typer.Argument(help=", ".join(SETTINGS))]) -> None:
    """Load one connection's settings from the environment/.env and print them, secrets masked."""
    from importlib import import_module

    from connectors.settings import load_settings

    if connection not in SETTINGS:
        raise typer.BadParameter(f"unknown connection {connection!r}; known: {', '.join(SETTINGS)}")
    module, _, cls = SETTINGS[connection].partition(":")
    try:
        settings = load_settings(getattr(import_module(module), cls))
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    for name, value in settings.model_dump().items():
        typer.echo(f"{name} = {value}")


@app.command()
def sandbox(
    workdir: Annotated[Path, typer.Option(help="CA, keys and saved state")] = HOME / "sandbox",
    persist: Annotated[bool, typer.Option(help="keep records between runs")] = True,
    fixed_ports: Annotated[bool, typer.Option(help="8441 Shift4Shop, 8442 Salesforce")] = True,
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
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
    workdir: Annotated[Path, typer.Option(help="sandbox and state files")] = HOME / "demo",
) -> None:
    """Start the sandbox; run order-to-cash (Shift4Shop → Salesforce) on local Prefect + SQLite."""
    local_prefect_defaults()
    from deployments.demo import print_summary, run_demo

    summary = run_demo(workdir, quiet=as_json)
    if as_json:
        typer.echo(json.dumps(summary, indent=2, default=str))
    else:
        print_summary(summary)


@app.command()
def gateway(
    host: Annotated[str | None, typer.Option(help="default: STOREBRIDGE_GATEWAY_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="default: STOREBRIDGE_GATEWAY_PORT")] = None,
) -> None:
    """Serve the webhook intake (POST /webhooks/shift4shop/<secret>); dispatch runs to Prefect."""
    local_prefect_defaults()
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


run_app = typer.Typer(help="Run a flow now, in this process (local Prefect).", no_args_is_help=True)
app.add_typer(run_app, name="run")


@run_app.command("order-to-cash")
def run_order_to_cash(
    source: Annotated[str, typer.Option()] = "shift4shop",
    target: Annotated[str, typer.Option()] = "salesforce",
    since: Annotated[str | None, typer.Option(help="backfill from (ISO, with zone)")] = None,
    until: Annotated[str | None, typer.Option(help="backfill to (ISO, with zone)")] = None,
    order_id: Annotated[
        list[str] | None, typer.Option(help="only these orders (repeatable)")
    ] = None,
) -> None:
    """Incremental by default; a window (--since/--until) or --order-id for backfills/replays."""
    local_prefect_defaults()
    import datetime as dt

    from flows.order_to_cash import order_to_cash

    parse = dt.datetime.fromisoformat
    result: dict[str, Any] = order_to_cash(
        source=source,
        target=target,
        window_start=parse(since) if since else None,
        window_end=parse(until) if until else None,
        order_ids=order_id or None,
    )
    typer.echo(json.dumps(result, indent=2, default=str))


def main() -> None:
    """Console-script entry point."""
    app()
