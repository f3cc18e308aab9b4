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
from deployments.cli_map import map_app
from deployments.cli_reconcile import reconcile
from deployments.cli_run import run
from deployments.cli_state import dead_app, state_app
from deployments.cli_webhooks import webhooks_app

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
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(map_app, name="map")
app.command("run")(run)
app.command("reconcile")(reconcile)
settings_app = typer.Typer(help="Check connection settings.", no_args_is_help=True)
app.add_typer(settings_app, name="settings")
automations_app = typer.Typer(
    help="Prefect automations shipped as code: alerts on failed runs, dead letters, quiet "
    "stores, and zombie runs marked Crashed.",
    no_args_is_help=True,
)
app.add_typer(automations_app, name="automations")


@automations_app.command("apply")
def automations_apply(
    notify: Annotated[
        str | None, typer.Option(help="a Prefect notification block to alert (by name)")
    ] = None,
    dead_letters: Annotated[
        int, typer.Option(min=1, help="alert at this many dead letters of a pair per hour")
    ] = 10,
    quiet_hours: Annotated[
        float, typer.Option(min=0.1, help="alert when nothing was written for this long")
    ] = 6.0,
    quiet_use_case: Annotated[str, typer.Option(help="the use case watched for quiet")] = (
        "order-to-cash"
    ),
    heartbeat: Annotated[
        int, typer.Option(min=5, help="the runs' PREFECT_FLOWS_HEARTBEAT_FREQUENCY (s)")
    ] = 30,
) -> None:
    """Create (or replace) storebridge's automations on the Prefect server."""
    from deployments.automations import AlertSettings, apply
    from flows.usecases import use_case

    try:
        use_case(quiet_use_case)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    settings = AlertSettings(dead_letters, quiet_hours, quiet_use_case, heartbeat, notify)
    try:
        created = apply(settings)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    for name, automation_id in created:
        typer.echo(f"{name}  ({automation_id})")


@automations_app.command("list")
def automations_list() -> None:
    """The storebridge automations on the Prefect server."""
    from deployments.automations import existing

    for automation in existing():
        state = "enabled" if automation.enabled else "disabled"
        typer.echo(f"{automation.name}  [{state}]  {automation.description}")


@automations_app.command("remove")
def automations_remove() -> None:
    """Delete the storebridge automations."""
    from deployments.automations import remove

    typer.echo(f"removed {remove()} automation(s)")


@app.command()
def up(
    workdir: Annotated[Path, typer.Option(help="logs and what was started")] = HOME / "up",
    port: Annotated[int, typer.Option(help="the Prefect server's port, if one is started")] = 4200,
    prefect_db: Annotated[
        str | None,
        typer.Option(help="the Prefect server's database, e.g. postgresql+asyncpg://..."),
    ] = None,
    gateway: Annotated[bool, typer.Option(help="start the webhook gateway")] = True,
    worker: Annotated[bool, typer.Option(help="start a worker on the pool")] = True,
) -> None:
    """Start Prefect (unless PREFECT_API_URL answers), the work pool, the deployments, the
    automations, a worker and the gateway; `storebridge down` stops them."""
    from deployments.up import UpError
    from deployments.up import up as start

    try:
        started = start(
            workdir,
            port=port,
            prefect_db=prefect_db or os.environ.get("PREFECT_SERVER_DATABASE_CONNECTION_URL"),
            gateway=gateway,
            worker=worker,
        )
    except UpError as exc:
        typer.echo(f"storebridge up: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"PREFECT_API_URL={started.api_url}")
    for name, pid in started.processes.items():
        typer.echo(f"{name:<8} pid {pid}  log {started.logs[name]}")


@app.command()
def down(
    workdir: Annotated[Path, typer.Option(help="where `up` wrote what it started")] = HOME / "up",
) -> None:
    """Stop what `storebridge up` started."""
    from deployments.up import down as stop

    stopped = stop(workdir)
    typer.echo(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")


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


def write_env(path: Path, values: dict[str, str]) -> None:
    """Set `values` in a .env file: lines of those variables are replaced, others kept."""
    kept = []
    if path.exists():
        kept = [
            line
            for line in path.read_text().splitlines()
            if line.partition("=")[0].strip() not in values
        ]
    path.write_text("\n".join([*kept, *(f"{k}={v}" for k, v in sorted(values.items()))]) + "\n")


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
    env_file: Annotated[
        Path | None, typer.Option(help="also write the settings into this .env file")
    ] = None,
) -> None:
    """Run the emulated systems over HTTPS on loopback and print how to point connectors at them."""
    from sandbox.runner import DEFAULT_PORTS, Sandbox

    sb = Sandbox(workdir, persist=persist, ports=DEFAULT_PORTS if fixed_ports else None).start()
    if env_file is not None:
        write_env(env_file, sb.env())
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
    from connectors.settings import load_settings
    from deployments.cli_state import open_store
    from deployments.gateway import server
    from deployments.settings import GatewaySettings

    try:
        settings = load_settings(GatewaySettings)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    # `server` masks the URL tokens in uvicorn's access log and every other gateway log.
    server(settings, open_store(), host=host, port=port).run()


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point. A failure prints one line (redacted) and exits 1; with
    `--debug` anywhere on the command line, the traceback too."""
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    args = [a for a in args if a != "--debug"]
    os.environ["STOREBRIDGE_CLI_DEBUG"] = "1" if debug else ""
    try:
        app(args=args, prog_name="storebridge", standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # connector, settings and run errors: one line, not a traceback
        if debug:
            raise
        from connectors.http.redaction import redact_text

        message = redact_text(str(exc)).splitlines()[0] if str(exc) else ""
        typer.echo(f"error: {type(exc).__name__}: {message} (--debug for the traceback)", err=True)
        raise SystemExit(1) from None
