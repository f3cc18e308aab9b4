"""`storebridge webhooks register|status`: the hooks a store needs for the gateway's pairs.

The scopes come from the subscriptions (`deployments/subscriptions.py`): every topic a use case
of the gateway's pairs subscribes to with the store as its source, turned into the store's
scopes by its webhooks module (the module of its `WebhookSpec.parser`, which provides
`scopes_for(topics)`, `hook_client()` and `route_params(client)`; a system without them has no
hook API storebridge can drive). `register` creates the missing hooks, re-enables inactive ones,
sets the custom header where the gateway checks one, and says what it did per scope; a second
run changes nothing and says so. Hooks of other scopes or destinations are listed, never
deleted. Nothing printed holds a secret: header names only, never their values.

Assumption (the spec is silent): a hook's `headers` come back from `GET /v3/hooks` as they were
set, so an unchanged header is recognised as unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import Annotated, Any
from urllib.parse import urlsplit

import typer

from connectors.http import ConfigError

webhooks_app = typer.Typer(
    help="Register the webhooks a store needs (BigCommerce) and show their state.",
    no_args_is_help=True,
)
INACTIVE_NOTE = (
    "BigCommerce deactivates a hook after ~48 h of failed deliveries (its retries run out; "
    "also after 90 days without events): `storebridge webhooks register {system} --url "
    "<gateway URL>` re-enables it"
)
CREATED, UPDATED, REENABLED, UNCHANGED = "created", "updated", "re-enabled", "unchanged"


@dataclass(frozen=True)
class HookChange:
    """What `register` did about one scope."""

    scope: str
    action: str  # created, updated, re-enabled, unchanged
    hook_id: Any


def _get(hook: Any, name: str) -> Any:
    return hook.get(name) if isinstance(hook, dict) else getattr(hook, name, None)


def hooks_module(system: str) -> ModuleType:
    """The webhooks module of a system whose hooks storebridge manages.

    Raises:
        ValueError: unknown system, or one without a hook API storebridge drives.
    """
    from importlib import import_module

    from flows import registry

    hooks = registry.spec(system).webhooks
    module = import_module(hooks.parser.partition(":")[0]) if hooks else None
    if module is None or not all(
        hasattr(module, name) for name in ("scopes_for", "hook_client", "route_params")
    ):
        raise ValueError(
            f"{system}: storebridge cannot register its webhooks through an API; set them up "
            "in the store's admin, pointing at the gateway"
        )
    return module


def wanted_scopes(system: str, pairs: Iterable[tuple[str, str]], module: ModuleType) -> list[str]:
    """The scopes of the topics the use cases of `pairs` subscribe to from `system`."""
    from deployments.subscriptions import subscriptions

    topics = {topic for (source, topic) in subscriptions(pairs) if source == system}
    return list(module.scopes_for(topics))


def _header_matches(current: dict[str, str] | None, name: str, value: str) -> bool:
    found = {k.lower(): v for k, v in (current or {}).items()}
    return found.get(name.lower()) == value


def _with_header(current: dict[str, str] | None, name: str, value: str) -> dict[str, str]:
    kept = {k: v for k, v in (current or {}).items() if k.lower() != name.lower()}
    return {**kept, name: value}


def reconcile(
    client: Any, scopes: Iterable[str], destination: str, header: tuple[str, str] | None = None
) -> tuple[list[HookChange], list[Any]]:
    """Create or update the hooks of `scopes` at `destination`; (what was done per scope, the
    hooks at `destination` of other scopes, left alone)."""
    hooks = list(client.list_hooks())
    wanted = list(dict.fromkeys(scopes))
    changes = []
    for scope in wanted:
        mine = [h for h in hooks if _get(h, "scope") == scope]
        mine = [h for h in mine if _get(h, "destination") == destination]
        if not mine:
            headers = dict([header]) if header else None
            created = client.create_hook(scope, destination, headers=headers, is_active=True)
            changes.append(HookChange(scope, CREATED, _get(created, "id")))
            continue
        hook = mine[0]
        fields: dict[str, Any] = {}
        if not _get(hook, "is_active"):
            fields["is_active"] = True
        if header and not _header_matches(_get(hook, "headers"), *header):
            fields["headers"] = _with_header(_get(hook, "headers"), *header)
        if fields:
            client.update_hook(_get(hook, "id"), **fields)
        action = REENABLED if "is_active" in fields else UPDATED if fields else UNCHANGED
        changes.append(HookChange(scope, action, _get(hook, "id")))
    others = [
        h for h in hooks if _get(h, "destination") == destination and _get(h, "scope") not in wanted
    ]
    return changes, others


def _warnings(system: str, url: str, params: dict[str, str], settings: Any) -> list[str]:
    """What would make the hooks' deliveries fail, as far as this machine can tell."""
    from flows import registry

    parts = urlsplit(url)
    out = []
    if parts.scheme != "https" or (parts.port or 443) != 443:
        out.append(f"{system} delivers only to https URLs on port 443 (the sandbox takes any)")
    accounts = getattr(settings, f"{system}_store_hashes", None)
    store_hash = params.get("store_hash")
    if accounts is not None and store_hash is not None and store_hash not in accounts:
        variable = f"STOREBRIDGE_GATEWAY_{system.upper()}_STORE_HASHES"
        out.append(f"the gateway refuses store {store_hash} until {variable} lists it")
    hooks = registry.spec(system).webhooks
    if hooks is not None and settings.secret(hooks.secret_setting) is None:
        variable = f"STOREBRIDGE_GATEWAY_{hooks.secret_setting.upper()}"
        out.append(f"{variable} is not set: the gateway answers every delivery 401")
    return out


def _load(system: str) -> tuple[ModuleType, Any]:
    from connectors.settings import load_settings
    from deployments.settings import GatewaySettings

    try:
        return hooks_module(system), load_settings(GatewaySettings)
    except (ValueError, ConfigError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None


def _with_client(module: ModuleType, work: Callable[[Any], None]) -> None:
    client = module.hook_client()
    try:
        work(client)
    finally:
        close = getattr(client, "close", None)
        if close is not None:
            close()


@webhooks_app.command("register")
def register(
    system: Annotated[str, typer.Argument(help="the store, e.g. bigcommerce")],
    url: Annotated[str, typer.Option(help="the gateway's public base URL, https://...")],
) -> None:
    """Create or update the hooks the gateway's pairs need; idempotent, says what changed."""
    module, settings = _load(system)
    if not url.startswith(("https://", "http://")):
        raise typer.BadParameter(f"--url {url!r} is not an http(s) URL")
    scopes = wanted_scopes(system, settings.pair_list(), module)
    if not scopes:
        typer.echo(f"{system} feeds no pair of the gateway (STOREBRIDGE_GATEWAY_PAIRS)", err=True)
        raise typer.Exit(2)
    header_name = getattr(settings, f"{system}_webhook_header", None)
    header_value = settings.secret(f"{system}_webhook_header_value")
    header = (header_name, header_value) if header_name and header_value else None
    spec_path = _spec_path(system)

    def work(client: Any) -> None:
        params = module.route_params(client)
        destination = url.rstrip("/") + spec_path.format(**params)
        for warning in _warnings(system, url, params, settings):
            typer.echo(f"warning: {warning}", err=True)
        changes, others = reconcile(client, scopes, destination, header)
        typer.echo(f"{system} hooks -> {destination}")
        for change in changes:
            typer.echo(f"  {change.action:<11} {change.scope}  (hook {change.hook_id})")
        for hook in others:
            typer.echo(f"  not needed  {_get(hook, 'scope')}  (hook {_get(hook, 'id')}, kept)")
        done = {a: sum(c.action == a for c in changes) for a in (CREATED, UPDATED, REENABLED)}
        if not any(done.values()):
            typer.echo(f"nothing changed: all {len(changes)} hooks were in place and active")
        else:
            summary = ", ".join(f"{n} {a}" for a, n in done.items())
            typer.echo(f"{summary}, {len(changes) - sum(done.values())} unchanged")
        if header:
            typer.echo(f"custom header {header[0]} set on every hook (value not shown)")

    _with_client(module, work)


def _spec_path(system: str) -> str:
    from flows import registry

    hooks = registry.spec(system).webhooks
    assert hooks is not None  # hooks_module checked
    return hooks.path


@webhooks_app.command("status")
def status(
    system: Annotated[str, typer.Argument(help="the store")] = "bigcommerce",
) -> None:
    """List the store's hooks, active or inactive, and the scopes the pairs need but lack.

    Exits 1 when a hook is inactive or a needed one is missing (for a monitoring check), else 0.
    """
    module, settings = _load(system)
    wanted = wanted_scopes(system, settings.pair_list(), module)
    attention: list[bool] = []

    def work(client: Any) -> None:
        hooks = sorted(client.list_hooks(), key=lambda h: (str(_get(h, "scope")), _get(h, "id")))
        typer.echo(f"{system} hooks ({len(hooks)}):")
        for hook in hooks:
            state = "active" if _get(hook, "is_active") else "INACTIVE"
            names = ", ".join(sorted(_get(hook, "headers") or {}))
            extra = f"  headers: {names}" if names else ""
            typer.echo(
                f"  {state:<9}{_get(hook, 'scope')}  -> {_get(hook, 'destination')}"
                f"  (hook {_get(hook, 'id')}){extra}"
            )
        present = {_get(h, "scope") for h in hooks}
        missing = [scope for scope in wanted if scope not in present]
        for scope in missing:
            typer.echo(f"  missing  {scope}  (the gateway's pairs need it)")
        if any(not _get(h, "is_active") for h in hooks):
            typer.echo("note: " + INACTIVE_NOTE.format(system=system))
        if missing:
            typer.echo(
                f"note: `storebridge webhooks register {system} --url <gateway URL>` adds them"
            )
        attention.append(bool(missing) or any(not _get(h, "is_active") for h in hooks))

    _with_client(module, work)
    if any(attention):
        raise typer.Exit(1)
