"""The `storebridge` command line."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from typer.testing import CliRunner

from connectors.state import DeadLetterStatus
from deployments.cli import app
from tests.conftest import Pair

runner = CliRunner()
COMMANDS = [
    "version",
    "systems",
    "sandbox",
    "demo",
    "gateway",
    "state",
    "deadletters",
    "settings",
    "run",
    "webhooks",
    "automations",
]


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.output


@pytest.mark.parametrize(
    "args",
    [[c, "--help"] for c in COMMANDS]
    + [
        ["deadletters", c, "--help"]
        for c in ("list", "show", "edit", "resolve", "ignore", "replay")
    ]
    + [
        ["state", "upgrade", "--help"],
        ["state", "status", "--help"],
        ["run", "order-to-cash", "--help"],
    ],
)
def test_every_command_has_help(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_settings_check_names_the_missing_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    for var in ("SECURE_URL", "PRIVATE_KEY", "TOKEN", "STORE_TIMEZONE"):
        monkeypatch.delenv(f"STOREBRIDGE_SHIFT4SHOP_{var}", raising=False)
    result = runner.invoke(app, ["settings", "check", "shift4shop"])
    assert result.exit_code == 2
    assert "STOREBRIDGE_SHIFT4SHOP_SECURE_URL is missing" in result.output


def test_settings_check_reads_dotenv_and_masks_secrets(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(
        "STOREBRIDGE_SHIFT4SHOP_SECURE_URL=https://shop.example\n"
        "STOREBRIDGE_SHIFT4SHOP_PRIVATE_KEY=very-private-key\n"
        "STOREBRIDGE_SHIFT4SHOP_TOKEN=very-secret-token\n"
        "STOREBRIDGE_SHIFT4SHOP_STORE_TIMEZONE=Europe/Berlin\n"
    )
    for var in ("SECURE_URL", "PRIVATE_KEY", "TOKEN", "STORE_TIMEZONE"):
        monkeypatch.delenv(f"STOREBRIDGE_SHIFT4SHOP_{var}", raising=False)
    result = runner.invoke(app, ["settings", "check", "shift4shop"])
    assert result.exit_code == 0, result.output
    assert "store_timezone = Europe/Berlin" in result.output
    assert "very-secret-token" not in result.output
    assert "very-private-key" not in result.output


def test_deadletters_by_hand_and_replay(pair: Pair) -> None:
    from flows.order_to_cash import order_to_cash

    order_to_cash(
        window_start=dt.datetime(2026, 8, 1, tzinfo=dt.UTC),
        window_end=dt.datetime(2026, 11, 23, tzinfo=dt.UTC),
    )
    listed = runner.invoke(app, ["deadletters", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    letters = json.loads(listed.output)
    assert len(letters) == len(pair.sandbox.world.defective())
    sku = [d for d in letters if d["error_class"] == "UnknownSkuError"]
    zero = next(d for d in letters if "ItemQuantity" in d["message"])
    shown = runner.invoke(app, ["deadletters", "show", str(zero["id"])])
    assert "OrderItemList[0].ItemQuantity" in shown.output
    assert runner.invoke(app, ["deadletters", "show", "99999"]).exit_code == 2
    noted = runner.invoke(app, ["deadletters", "edit", str(zero["id"]), "--note", "asked the shop"])
    assert noted.exit_code == 0
    assert runner.invoke(app, ["deadletters", "ignore", str(zero["id"])]).exit_code == 0
    pair.sandbox.emulator("salesforce").add_product("RETIRED-0042", "Restored", 20)  # type: ignore[attr-defined]
    replayed = runner.invoke(app, ["deadletters", "replay", *[str(d["id"]) for d in sku]])
    assert replayed.exit_code == 0, replayed.output
    assert "created 2" in replayed.output
    state = pair.state()
    assert all(state.get_dead_letter(d["id"]).status is DeadLetterStatus.RESOLVED for d in sku)
    ignored = state.get_dead_letter(zero["id"])
    assert (ignored.status, ignored.note) == (DeadLetterStatus.IGNORED, "asked the shop")
    assert all("@" not in d["message"] or "***" in d["message"] for d in letters)
    status = runner.invoke(app, ["state", "status"])
    assert '"resolved": 2' in status.output
    assert '"ignored": 1' in status.output


def test_sandbox_command_serves_prints_settings_and_saves_on_stop(tmp_path: Any) -> None:
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    import httpx

    exe = str(Path(sys.executable).with_name("storebridge"))
    proc = subprocess.Popen(
        [exe, "sandbox", "--workdir", str(tmp_path), "--no-fixed-ports"],
        stdout=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 60
    assert proc.stdout is not None
    while time.monotonic() < deadline and not any(line.startswith("Ctrl-C") for line in lines):
        lines.append(proc.stdout.readline())
    env = dict(line.strip().split("=", 1) for line in lines if line.startswith("STOREBRIDGE_"))
    import ssl

    ca = ssl.create_default_context(cafile=env["STOREBRIDGE_SHIFT4SHOP_CA_BUNDLE"])
    headers = {
        "SecureURL": env["STOREBRIDGE_SHIFT4SHOP_SECURE_URL"],
        "PrivateKey": env["STOREBRIDGE_SHIFT4SHOP_PRIVATE_KEY"],
        "Token": env["STOREBRIDGE_SHIFT4SHOP_TOKEN"],
    }
    count = httpx.get(
        f"{env['STOREBRIDGE_SHIFT4SHOP_BASE_URL']}/Orders",
        params={"countonly": 1},
        headers=headers,
        verify=ca,
    )
    assert count.json()["TotalCount"] == 525
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    assert (tmp_path / "state" / "salesforce.json").exists()


def test_systems_prints_the_matrix_from_the_registry() -> None:
    from flows.registry import matrix_markdown

    result = runner.invoke(app, ["systems"])
    assert result.exit_code == 0
    assert result.output.strip() == matrix_markdown()
    assert "| shift4shop | store | source | target |" in result.output
    as_json = json.loads(runner.invoke(app, ["systems", "--json"]).output)
    assert {r["system"] for r in as_json} == {
        "shift4shop",
        "bigcommerce",
        "salesforce",
        "dynamics365",
        "sage300",
    }


def test_the_readme_table_is_the_registry_matrix() -> None:
    from pathlib import Path

    from flows.registry import matrix_markdown

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert matrix_markdown() in readme, "regenerate the README table: storebridge systems"


def test_run_validates_its_input_before_anything_runs() -> None:
    for args, message in (
        (["run", "nope"], "unknown use case 'nope'"),
        (["run", "order-to-cash", "--since", "2026-11-01T00:00"], "needs a time zone"),
        (["run", "order-to-cash", "--until", "2026-11-01T00:00Z"], "--until needs --since"),
        (
            [
                "run",
                "order-to-cash",
                "--since",
                "2026-11-02T00:00Z",
                "--until",
                "2026-11-01T00:00Z",
            ],
            "--until must be after --since",
        ),
        (["run", "order-to-cash", "--since", "yesterday"], "is not an ISO date-time"),
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, (args, result.output)


def test_replay_follows_the_use_case_and_pair_of_each_letter(pair: Pair) -> None:
    from flows.fulfilment import fulfilment

    state = pair.state()
    missing = fulfilment(source="salesforce", target="shift4shop", ids=["8018d000000NOPEAAA"])
    assert missing["dead_lettered"] == 1
    (letter,) = state.list_dead_letters(flow="fulfilment:salesforce->shift4shop")
    replayed = runner.invoke(app, ["deadletters", "replay", str(letter.id)])
    assert replayed.exit_code == 0, replayed.output
    assert "fulfilment salesforce -> shift4shop: replayed 1" in replayed.output
    again = state.get_dead_letter(letter.id)
    assert again.status is DeadLetterStatus.OPEN  # still not found: failed again, visible
    assert again.attempts == 2


def test_a_failing_run_prints_one_redacted_line_and_the_traceback_only_with_debug(
    pair: Pair, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from deployments.cli import main

    monkeypatch.setenv("STOREBRIDGE_STATE_URL", "mysql://admin:s3cr3t-pw@db.example/state")
    monkeypatch.delenv("STOREBRIDGE_STATE_PATH", raising=False)
    with pytest.raises(SystemExit) as exited:
        main(["run", "order-to-cash", "--id", "1001"])
    assert exited.value.code == 1
    err = capsys.readouterr().err
    (line,) = [ln for ln in err.splitlines() if ln.startswith("error: ")]
    assert "ConfigError" in line
    assert "--debug" in line
    assert "Traceback" not in err
    assert "s3cr3t-pw" not in err
    with pytest.raises(Exception, match="sqlite and postgresql"):
        main(["--debug", "run", "order-to-cash", "--id", "1001"])


def test_a_cli_run_shows_progress_and_is_tagged_like_a_deployment_run(pair: Pair) -> None:
    from prefect.client.orchestration import get_client

    world = pair.sandbox.world
    ids = [str(o.order_id) for o in world.orders[:3]]
    result = runner.invoke(app, ["run", "order-to-cash", *[a for i in ids for a in ("--id", i)]])
    assert result.exit_code == 0, result.output
    assert "order-to-cash: 3/3 records (100%)" in result.output
    summary, _ = json.JSONDecoder().raw_decode(result.output[result.output.index("{") :])
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(summary["flow_run_id"])
    assert {"storebridge", "order-to-cash", "shift4shop-salesforce", "ids"} <= set(run.tags)
    assert run.name.startswith("order-to-cash shift4shop→salesforce ids ")
