"""The Salesforce signing key from a file or as text (a Secret block on a remote worker)."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.http import ConfigError
from connectors.salesforce import SalesforceClient
from sandbox.runner import Sandbox


def env_without_key_file(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Path:
    env = sandbox.env()
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("STOREBRIDGE_SALESFORCE_PRIVATE_KEY_FILE")
    return Path(env["STOREBRIDGE_SALESFORCE_PRIVATE_KEY_FILE"])


def test_the_key_as_text_signs_in_without_a_file(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = env_without_key_file(sandbox, monkeypatch)
    monkeypatch.setenv("STOREBRIDGE_SALESFORCE_PRIVATE_KEY", key_file.read_text())
    client = SalesforceClient.from_env()
    try:
        assert client.settings.private_key_file is None
        rows = client.query("SELECT Id FROM Account LIMIT 1")
        assert isinstance(rows, list)
    finally:
        client.close()


def test_no_key_at_all_names_both_settings(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_without_key_file(sandbox, monkeypatch)
    monkeypatch.delenv("STOREBRIDGE_SALESFORCE_PRIVATE_KEY", raising=False)
    monkeypatch.setenv("STOREBRIDGE_SECRETS_FROM_PREFECT", "false")
    with pytest.raises(ConfigError) as raised:
        SalesforceClient.from_env()
    assert "STOREBRIDGE_SALESFORCE_PRIVATE_KEY_FILE" in str(raised.value)
    assert "STOREBRIDGE_SALESFORCE_PRIVATE_KEY (the PEM text)" in str(raised.value)


def test_an_unparseable_key_file_is_a_one_line_settings_error(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env_without_key_file(sandbox, monkeypatch)
    bad = tmp_path / "key.pem"
    bad.write_text("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n")
    monkeypatch.setenv("STOREBRIDGE_SALESFORCE_PRIVATE_KEY_FILE", str(bad))
    with pytest.raises(ConfigError) as raised:
        SalesforceClient.from_env()
    message = str(raised.value)
    assert f"STOREBRIDGE_SALESFORCE_PRIVATE_KEY_FILE ({bad}) is not an unencrypted PEM" in message
    assert "bm90IGEga2V5" not in message
