"""Secret settings from Prefect Secret blocks (`connectors.secret_blocks.PrefectSecretSource`).

Precedence: keyword arguments > environment > `.env` > Secret block > default; a block is named
after its variable (``STOREBRIDGE_SHIFT4SHOP_TOKEN`` → ``storebridge-shift4shop-token``) and
consulted only with a Prefect API configured (``STOREBRIDGE_SECRETS_FROM_PREFECT``: auto, true,
false). The block tests run against the session's real Prefect server (`prefect_server`, whose
settings name its API URL) and use a fresh variable prefix each, so their blocks are their own.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from connectors import secret_blocks as settings_module  # where the lookups happen
from connectors.http import ConfigError
from connectors.settings import (
    SECRETS_FROM_PREFECT,
    block_name,
    is_secret,
    load_settings,
    prefect_api_url,
    save_secret_blocks,
    secret_variables,
)
from connectors.shift4shop.settings import Shift4ShopSettings
from connectors.state.settings import StateSettings
from deployments.settings import GatewaySettings

TOKEN = "tok-4f1c9e7a-only-in-a-block"
OTHER = "key-b7d2-from-the-environment"


def shop_env(monkeypatch: pytest.MonkeyPatch, prefix: str) -> None:
    """Every Shift4Shop setting but the token, under `prefix`."""
    monkeypatch.setenv(f"{prefix}SECURE_URL", "https://shop.example.com")
    monkeypatch.setenv(f"{prefix}PRIVATE_KEY", OTHER)
    monkeypatch.setenv(f"{prefix}STORE_TIMEZONE", "America/New_York")


def no_lookups(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(names: object) -> None:
        raise AssertionError("no Secret block may be read here")

    monkeypatch.setattr(settings_module, "read_secret_blocks", fail)


# --- without a Prefect server -------------------------------------------------------------------


def test_block_names_follow_the_variables() -> None:
    assert block_name("STOREBRIDGE_SHIFT4SHOP_TOKEN") == "storebridge-shift4shop-token"
    assert block_name("STOREBRIDGE_STATE_URL") == "storebridge-state-url"
    with pytest.raises(ValueError, match="no Prefect block name"):
        block_name("STOREBRIDGE_BAD.NAME")


def test_secret_fields_are_the_secretstr_ones_and_the_state_url() -> None:
    assert secret_variables(Shift4ShopSettings) == {
        "private_key": "STOREBRIDGE_SHIFT4SHOP_PRIVATE_KEY",
        "token": "STOREBRIDGE_SHIFT4SHOP_TOKEN",
    }
    assert secret_variables(StateSettings) == {"url": "STOREBRIDGE_STATE_URL"}
    assert secret_variables(GatewaySettings) == {
        "shift4shop_secret": "STOREBRIDGE_GATEWAY_SHIFT4SHOP_SECRET",
        "bigcommerce_client_secret": "STOREBRIDGE_GATEWAY_BIGCOMMERCE_CLIENT_SECRET",
        "bigcommerce_webhook_header_value": "STOREBRIDGE_GATEWAY_BIGCOMMERCE_WEBHOOK_HEADER_VALUE",
    }
    assert not is_secret(Shift4ShopSettings.model_fields["secure_url"])


def test_no_prefect_api_means_no_lookup_and_the_usual_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    prefix = "STOREBRIDGE_NOAPI_"
    shop_env(monkeypatch, prefix)
    no_lookups(monkeypatch)
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        assert prefect_api_url() is None
        with pytest.raises(ConfigError, match=f"{prefix}TOKEN is missing"):
            load_settings(Shift4ShopSettings, _env_prefix=prefix, _env_file=None)
        monkeypatch.setenv(SECRETS_FROM_PREFECT, "true")  # required, but nowhere to ask
        with pytest.raises(ConfigError, match="no Prefect API is configured"):
            load_settings(Shift4ShopSettings, _env_prefix=prefix, _env_file=None)


def test_secrets_set_in_the_environment_need_no_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    prefix = "STOREBRIDGE_ALLSET_"
    shop_env(monkeypatch, prefix)
    monkeypatch.setenv(f"{prefix}TOKEN", "from-env")
    monkeypatch.setenv(SECRETS_FROM_PREFECT, "true")
    no_lookups(monkeypatch)
    s = load_settings(Shift4ShopSettings, _env_prefix=prefix, _env_file=None)
    assert s.token.get_secret_value() == "from-env"


def test_an_unknown_mode_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRETS_FROM_PREFECT, "sometimes")
    with pytest.raises(ConfigError, match=SECRETS_FROM_PREFECT):
        load_settings(Shift4ShopSettings, _env_prefix="STOREBRIDGE_MODE_", _env_file=None)


def test_an_unreachable_api_names_the_block(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    prefix = "STOREBRIDGE_DOWN_"
    shop_env(monkeypatch, prefix)
    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        with pytest.raises(ConfigError) as raised:
            load_settings(Shift4ShopSettings, _env_prefix=prefix, _env_file=None)
        assert "cannot read Prefect Secret block 'storebridge-down-token'" in str(raised.value)
        assert f"{prefix}TOKEN" in str(raised.value)
        # an optional secret keeps its default: the gateway still starts without its store door
        gateway = load_settings(GatewaySettings, _env_prefix="STOREBRIDGE_DOWNGW_", _env_file=None)
        assert gateway.shift4shop_secret is None


# --- against the session's Prefect server -------------------------------------------------------


@pytest.fixture
def prefix(prefect_server: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A variable prefix of this test's own; its blocks are deleted afterwards."""
    monkeypatch.delenv(SECRETS_FROM_PREFECT, raising=False)
    assert prefect_api_url(), "the harness names its API URL"
    value = f"STOREBRIDGE_T{uuid.uuid4().hex[:10].upper()}_"
    yield value
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        for doc in client.read_block_documents():
            if doc.name and doc.name.startswith(block_name(value)):
                client.delete_block_document(doc.id)


def test_a_secret_only_in_a_block_is_loaded(prefix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    shop_env(monkeypatch, prefix)
    saved = save_secret_blocks({f"{prefix}TOKEN": TOKEN})
    assert saved == [block_name(f"{prefix}TOKEN")]

    s = load_settings(Shift4ShopSettings, _env_prefix=prefix, _env_file=None)

    assert isinstance(s.token, SecretStr)
    assert s.token.get_secret_value() == TOKEN
    assert s.private_key.get_secret_value() == OTHER  # the environment's, no block for it
    assert TOKEN not in repr(s)


def test_the_state_url_comes_from_its_block(prefix: str) -> None:
    url = "postgresql+psycopg://sync:pw-9a8b@db.internal/state"
    save_secret_blocks({f"{prefix}URL": url})
    s = load_settings(StateSettings, _env_prefix=prefix, _env_file=None)
    assert s.database_url() == url


def test_precedence_kwargs_env_dotenv_block(
    prefix: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shop_env(monkeypatch, prefix)
    var = f"{prefix}TOKEN"
    save_secret_blocks({var: "from-block"})
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"{var}=from-dotenv\n", encoding="utf-8")

    def token(**kw: object) -> str:
        s = load_settings(Shift4ShopSettings, _env_prefix=prefix, _env_file=dotenv, **kw)
        return s.token.get_secret_value()

    assert token() == "from-dotenv"  # .env beats the block
    monkeypatch.setenv(var, "from-env")
    assert token() == "from-env"  # the environment beats .env
    assert token(token="from-kwargs") == "from-kwargs"  # explicit arguments beat all
    monkeypatch.delenv(var)
    dotenv.write_text("", encoding="utf-8")
    assert token() == "from-block"


def test_missing_everywhere_is_the_usual_error(
    prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop_env(monkeypatch, prefix)
    with pytest.raises(ConfigError, match=f"{prefix}TOKEN is missing") as raised:
        load_settings(Shift4ShopSettings, _env_prefix=prefix, _env_file=None)
    assert block_name(f"{prefix}TOKEN") in str(raised.value)  # it says where else it looked


def test_blocks_can_be_switched_off(prefix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    shop_env(monkeypatch, prefix)
    save_secret_blocks({f"{prefix}TOKEN": TOKEN})
    monkeypatch.setenv(SECRETS_FROM_PREFECT, "false")
    with pytest.raises(ConfigError, match=f"{prefix}TOKEN is missing"):
        load_settings(Shift4ShopSettings, _env_prefix=prefix, _env_file=None)


def test_a_bad_block_value_is_named_by_its_block_not_shown(prefix: str) -> None:
    short = "short-9f3e"  # the gateway secret must have at least 16 characters
    save_secret_blocks({f"{prefix}SHIFT4SHOP_SECRET": short})
    with pytest.raises(ConfigError) as raised:
        load_settings(GatewaySettings, _env_prefix=prefix, _env_file=None)
    message = str(raised.value)
    assert f"from Prefect Secret block {block_name(prefix)}shift4shop-secret" in message
    assert short not in message


def test_save_from_the_environment_and_from_a_settings_class(
    prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.blocks.system import Secret

    monkeypatch.setenv(f"{prefix}TOKEN", TOKEN)
    assert save_secret_blocks([f"{prefix}TOKEN"], env_file=None) == [block_name(f"{prefix}TOKEN")]
    assert Secret.load(block_name(f"{prefix}TOKEN")).get() == TOKEN
    monkeypatch.setenv(f"{prefix}TOKEN", "rotated-token")  # saving again overwrites
    save_secret_blocks([f"{prefix}TOKEN"], env_file=None)
    assert Secret.load(block_name(f"{prefix}TOKEN")).get() == "rotated-token"
    with pytest.raises(ConfigError, match=f"{prefix}NOPE is set neither"):
        save_secret_blocks([f"{prefix}NOPE"], env_file=None)

    class Scoped(Shift4ShopSettings):
        model_config = SettingsConfigDict(env_prefix=prefix)

    monkeypatch.setenv(f"{prefix}PRIVATE_KEY", OTHER)
    assert sorted(save_secret_blocks([Scoped], env_file=None)) == sorted(
        [block_name(f"{prefix}PRIVATE_KEY"), block_name(f"{prefix}TOKEN")]
    )


def test_nothing_secret_reaches_the_logs(
    prefix: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    shop_env(monkeypatch, prefix)
    save_secret_blocks({f"{prefix}TOKEN": TOKEN, f"{prefix}SHIFT4SHOP_SECRET": "tiny-secret"})
    load_settings(Shift4ShopSettings, _env_prefix=prefix, _env_file=None)
    with pytest.raises(ConfigError):
        load_settings(GatewaySettings, _env_prefix=prefix, _env_file=None)
    assert f"{prefix}TOKEN from Prefect Secret block" in caplog.text  # names are logged
    for secret in (TOKEN, "tiny-secret", OTHER):
        assert secret not in caplog.text
