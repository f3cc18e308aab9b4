"""`storebridge webhooks register|status` against a small fake hooks client (the connector's
`list_hooks` / `create_hook` / `update_hook` interface), and against the BigCommerce emulator
through the real connector when both exist."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from deployments.cli import app
from deployments.cli_webhooks import reconcile, wanted_scopes
from flows.systems.bigcommerce import webhooks

runner = CliRunner()
STORE = "sbx4e7k2q"
URL = "https://gateway.example.com"
DESTINATION = f"{URL}/webhooks/bigcommerce/{STORE}"
HEADER, HEADER_VALUE = "X-Storebridge-Hook", "hook-header-value-0123456789"
CLIENT_SECRET = "sbx-bc-client-secret-0123456789abcdef"
ORDER_SCOPES = {
    "store/order/created",
    "store/order/updated",
    "store/order/archived",
    "store/order/statusUpdated",
    "store/shipment/created",
    "store/shipment/updated",
    "store/shipment/deleted",
}
CUSTOMER_SCOPES = {
    "store/customer/created",
    "store/customer/updated",
    "store/customer/deleted",
    "store/customer/address/created",
    "store/customer/address/updated",
    "store/customer/address/deleted",
}
APP_SCOPES = {"store/app/uninstalled"}
ALL = ORDER_SCOPES | CUSTOMER_SCOPES | APP_SCOPES


@dataclass
class Hook:
    id: int
    scope: str
    destination: str
    is_active: bool = True
    headers: dict[str, str] | None = None


@dataclass
class FakeHooks:
    """The hooks part of the connector client, in memory, counting writes."""

    hooks: list[Hook] = field(default_factory=list)
    writes: list[tuple[str, Any]] = field(default_factory=list)
    closed: bool = False
    settings: Any = field(default_factory=lambda: type("S", (), {"store_hash": STORE})())
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(100))

    def list_hooks(self) -> list[Hook]:
        return [replace(h) for h in self.hooks]

    def create_hook(
        self,
        scope: str,
        destination: str,
        headers: dict[str, str] | None = None,
        is_active: bool = True,
    ) -> Hook:
        hook = Hook(next(self._ids), scope, destination, is_active, headers)
        self.hooks.append(hook)
        self.writes.append(("create", scope))
        return replace(hook)

    def update_hook(self, hook_id: int, **fields: Any) -> Hook:
        [hook] = [h for h in self.hooks if h.id == hook_id]
        for name, value in fields.items():
            setattr(hook, name, value)
        self.writes.append(("update", (hook.scope, sorted(fields))))
        return replace(hook)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeHooks:
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv("STOREBRIDGE_SECRETS_FROM_PREFECT", "false")
    monkeypatch.setenv("STOREBRIDGE_GATEWAY_PAIRS", '["bigcommerce->salesforce"]')
    monkeypatch.setenv("STOREBRIDGE_GATEWAY_BIGCOMMERCE_STORE_HASHES", f'["{STORE}"]')
    monkeypatch.setenv("STOREBRIDGE_GATEWAY_BIGCOMMERCE_CLIENT_SECRET", CLIENT_SECRET)
    client = FakeHooks()
    monkeypatch.setattr(webhooks, "hook_client", lambda: client)
    return client


def cli(*args: str) -> Any:
    return runner.invoke(app, ["webhooks", *args])


def test_the_scopes_are_those_of_the_pairs_use_cases(fake: FakeHooks) -> None:
    scopes = wanted_scopes("bigcommerce", [("bigcommerce", "salesforce")], webhooks)
    assert set(scopes) == ALL  # no catalog or stock: not sourced
    assert len(scopes) == len(set(scopes))
    assert wanted_scopes("bigcommerce", [("shift4shop", "salesforce")], webhooks) == []


def test_register_creates_then_changes_nothing(fake: FakeHooks) -> None:
    first = cli("register", "bigcommerce", "--url", URL + "/")
    assert first.exit_code == 0, first.output
    assert {(h.scope, h.destination, h.is_active) for h in fake.hooks} == {
        (s, DESTINATION, True) for s in ALL
    }
    assert "14 created, 0 updated, 0 re-enabled, 0 unchanged" in first.output
    assert "created     store/order/created" in first.output
    assert fake.closed
    writes = len(fake.writes)
    second = cli("register", "bigcommerce", "--url", URL)
    assert second.exit_code == 0, second.output
    assert len(fake.writes) == writes  # idempotent: no call that changes anything
    assert "nothing changed: all 14 hooks were in place and active" in second.output
    assert second.output.count("unchanged") == 14


def test_register_reenables_sets_the_header_and_leaves_other_hooks_alone(
    fake: FakeHooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STOREBRIDGE_GATEWAY_BIGCOMMERCE_WEBHOOK_HEADER", HEADER)
    monkeypatch.setenv("STOREBRIDGE_GATEWAY_BIGCOMMERCE_WEBHOOK_HEADER_VALUE", HEADER_VALUE)
    fake.hooks = [
        Hook(
            1, "store/order/created", DESTINATION, is_active=False, headers={HEADER: HEADER_VALUE}
        ),
        Hook(2, "store/order/updated", DESTINATION, headers={"x-other": "kept"}),
        Hook(3, "store/customer/created", DESTINATION, headers={HEADER.lower(): HEADER_VALUE}),
        Hook(4, "store/customer/updated", "https://staging.example.com/hooks"),
        Hook(5, "store/cart/created", DESTINATION),
    ]
    result = cli("register", "bigcommerce", "--url", URL)
    assert result.exit_code == 0, result.output
    by_id = {h.id: h for h in fake.hooks}
    assert by_id[1].is_active
    assert by_id[2].headers == {"x-other": "kept", HEADER: HEADER_VALUE}
    assert by_id[4].destination == "https://staging.example.com/hooks"  # not ours to move
    assert ("update", ("store/customer/created", ["headers"])) not in fake.writes
    mine = [
        h for h in fake.hooks if h.destination == DESTINATION and h.scope != "store/cart/created"
    ]
    assert all(h.headers and HEADER.lower() in {k.lower() for k in h.headers} for h in mine)
    assert "re-enabled  store/order/created  (hook 1)" in result.output
    assert "updated     store/order/updated  (hook 2)" in result.output
    assert "unchanged   store/customer/created  (hook 3)" in result.output
    assert "created     store/customer/updated" in result.output
    assert "not needed  store/cart/created  (hook 5, kept)" in result.output
    assert "11 created, 1 updated, 1 re-enabled, 1 unchanged" in result.output
    assert HEADER_VALUE not in result.output
    assert CLIENT_SECRET not in result.output
    again = cli("register", "bigcommerce", "--url", URL)
    assert "nothing changed" in again.output


def test_register_warns_what_would_make_deliveries_fail(
    fake: FakeHooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STOREBRIDGE_GATEWAY_BIGCOMMERCE_STORE_HASHES", '["another1"]')
    monkeypatch.delenv("STOREBRIDGE_GATEWAY_BIGCOMMERCE_CLIENT_SECRET")
    result = runner.invoke(app, ["webhooks", "register", "bigcommerce", "--url", "http://gw:8500"])
    assert result.exit_code == 0, result.output
    assert "delivers only to https URLs on port 443" in result.output
    assert (
        f"refuses store {STORE} until STOREBRIDGE_GATEWAY_BIGCOMMERCE_STORE_HASHES" in result.output
    )
    assert "STOREBRIDGE_GATEWAY_BIGCOMMERCE_CLIENT_SECRET is not set" in result.output
    assert fake.hooks[0].destination == f"http://gw:8500/webhooks/bigcommerce/{STORE}"


def test_register_refuses_what_it_cannot_do(
    fake: FakeHooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    shift4shop = cli("register", "shift4shop", "--url", URL)
    assert shift4shop.exit_code == 2
    assert "cannot register its webhooks through an API" in shift4shop.output
    unknown = cli("register", "nosuchstore", "--url", URL)
    assert unknown.exit_code == 2
    assert "unknown system 'nosuchstore'" in unknown.output
    assert cli("register", "bigcommerce", "--url", "gateway.example.com").exit_code == 2
    monkeypatch.setenv("STOREBRIDGE_GATEWAY_PAIRS", '["shift4shop->salesforce"]')
    unpaired = cli("register", "bigcommerce", "--url", URL)
    assert unpaired.exit_code == 2
    assert "bigcommerce feeds no pair of the gateway" in unpaired.output
    assert fake.writes == []


def test_status_shows_inactive_hooks_and_what_is_missing(fake: FakeHooks) -> None:
    fake.hooks = [
        Hook(1, "store/order/created", DESTINATION, is_active=False),
        Hook(2, "store/order/updated", DESTINATION, headers={HEADER: HEADER_VALUE}),
    ]
    result = cli("status", "bigcommerce")
    assert result.exit_code == 1, result.output  # needs attention: a monitoring check fails
    assert f"INACTIVE store/order/created  -> {DESTINATION}  (hook 1)" in result.output
    assert f"active   store/order/updated  -> {DESTINATION}  (hook 2)  headers: {HEADER}" in (
        result.output
    )
    assert "deactivates a hook after ~48 h of failed deliveries" in result.output
    assert "`storebridge webhooks register bigcommerce --url <gateway URL>` re-enables it" in (
        result.output
    )
    assert result.output.count("  missing  ") == 12
    assert "missing  store/customer/address/deleted" in result.output
    assert HEADER_VALUE not in result.output
    assert fake.writes == []  # status only reads


def test_status_of_healthy_hooks_has_no_warning(fake: FakeHooks) -> None:
    reconcile(
        fake, wanted_scopes("bigcommerce", [("bigcommerce", "salesforce")], webhooks), DESTINATION
    )
    result = cli("status")  # bigcommerce is the default
    assert result.exit_code == 0, result.output
    assert "bigcommerce hooks (14):" in result.output
    assert "INACTIVE" not in result.output
    assert "missing" not in result.output
    assert "48 h" not in result.output


@pytest.fixture
def emulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The BigCommerce emulator alone, the connector and gateway settings pointing at it."""
    from sandbox import runner as sandbox_runner
    from sandbox.seed import SeedConfig
    from tests.conftest import ANCHOR

    monkeypatch.chdir(tmp_path)
    for key, value in {
        "STOREBRIDGE_SECRETS_FROM_PREFECT": "false",
        "STOREBRIDGE_GATEWAY_PAIRS": '["bigcommerce->salesforce"]',
        "STOREBRIDGE_GATEWAY_BIGCOMMERCE_STORE_HASHES": f'["{STORE}"]',
        "STOREBRIDGE_GATEWAY_BIGCOMMERCE_CLIENT_SECRET": CLIENT_SECRET,
        "STOREBRIDGE_GATEWAY_BIGCOMMERCE_WEBHOOK_HEADER": HEADER,
        "STOREBRIDGE_GATEWAY_BIGCOMMERCE_WEBHOOK_HEADER_VALUE": HEADER_VALUE,
    }.items():
        monkeypatch.setenv(key, value)
    sandbox = sandbox_runner.Sandbox(
        tmp_path / "sandbox", systems=["bigcommerce"], seed=SeedConfig(anchor=ANCHOR)
    ).start()
    try:
        for key, value in sandbox.env().items():
            monkeypatch.setenv(key, value)
        yield sandbox
    finally:
        sandbox.stop()


def test_register_and_status_against_the_emulator(emulated: Any) -> None:
    """Through the real connector: an old deactivated hook, then register, status, register."""
    client = webhooks.hook_client()
    try:  # an old hook without the header, deactivated (as BigCommerce does after ~48 h)
        old = client.create_hook("store/order/created", DESTINATION, is_active=False)
    finally:
        client.close()
    status = cli("status", "bigcommerce")
    assert status.exit_code == 1, status.output
    assert f"INACTIVE store/order/created  -> {DESTINATION}  (hook {old.id})" in status.output
    assert "deactivates a hook after ~48 h" in status.output
    assert status.output.count("  missing  ") == 13
    first = cli("register", "bigcommerce", "--url", URL)
    assert first.exit_code == 0, first.output
    assert f"re-enabled  store/order/created  (hook {old.id})" in first.output
    assert "13 created, 0 updated, 1 re-enabled, 0 unchanged" in first.output
    second = cli("register", "bigcommerce", "--url", URL)
    assert "nothing changed: all 14 hooks were in place and active" in second.output
    client = webhooks.hook_client()
    try:
        hooks = client.list_hooks()
    finally:
        client.close()
    assert {(h.destination, h.is_active) for h in hooks} == {(DESTINATION, True)}
    assert {h.scope for h in hooks} == ALL
    assert all(h.headers and h.headers.get(HEADER) == HEADER_VALUE for h in hooks)
    healthy = cli("status", "bigcommerce")
    assert healthy.exit_code == 0, healthy.output
    assert "INACTIVE" not in healthy.output
    assert "missing" not in healthy.output
    assert HEADER_VALUE not in status.output + first.output + second.output + healthy.output


def test_register_on_a_store_without_hooks(emulated: Any) -> None:
    result = cli("register", "bigcommerce", "--url", URL)
    assert result.exit_code == 0, result.output
    assert "14 created, 0 updated, 0 re-enabled, 0 unchanged" in result.output
