"""Secret settings from Prefect Secret blocks: the settings source, and saving blocks.

`connectors.settings.StorebridgeSettings` puts `PrefectSecretSource` after the environment and
`.env` (see the docstring of `connectors.settings` for the order and the rules). The block of a
variable is its name in Prefect's block-name style (`block_name`); `save_secret_blocks` copies
this machine's secrets into blocks for workers elsewhere.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import types
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from pydantic import SecretBytes, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, DotEnvSettingsSource, PydanticBaseSettingsSource

from connectors.http.errors import ConfigError
from connectors.http.redaction import redact_text, redact_url

ENV_FILE = ".env"
SECRETS_FROM_PREFECT = "STOREBRIDGE_SECRETS_FROM_PREFECT"
BLOCK_TIMEOUT_S = 5.0
"""Connect/read timeout of one Secret block lookup (no retries: a lookup never hangs a run)."""

log = logging.getLogger("storebridge.settings")
_from_blocks: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "storebridge_settings_from_blocks", default=None
)


def env_name(cls: type[BaseSettings], field: str, prefix: str | None = None) -> str:
    """The environment variable that sets `field` of `cls` (under `prefix`, when given)."""
    prefix = prefix if prefix is not None else str(cls.model_config.get("env_prefix", ""))
    return f"{prefix}{field}".upper()


def block_name(variable: str) -> str:
    """The Prefect Secret block that may hold `variable`: lower case, ``_`` → ``-``.

    ``STOREBRIDGE_SHIFT4SHOP_TOKEN`` → ``storebridge-shift4shop-token``.

    Raises:
        ValueError: the result is not a block name (only letters, digits and dashes).
    """
    name = variable.strip().lower().replace("_", "-")
    if not name or not all(c.isascii() and (c.isalnum() or c == "-") for c in name):
        raise ValueError(f"{variable!r} has no Prefect block name (letters, digits and _ only)")
    return name


def _mentions(tp: Any, kinds: tuple[type, ...]) -> bool:
    """Whether annotation `tp` is one of `kinds`, or a union/Annotated holding one."""
    if tp in kinds:
        return True
    if typing.get_origin(tp) in (typing.Union, types.UnionType, typing.Annotated):
        return any(_mentions(arg, kinds) for arg in typing.get_args(tp))
    return False


def is_secret(field: FieldInfo) -> bool:
    """Whether a field is a secret: `SecretStr`/`SecretBytes` (optional or not), or marked
    ``json_schema_extra={"secret": True}``."""
    extra = field.json_schema_extra
    if isinstance(extra, dict) and extra.get("secret") is True:
        return True
    return _mentions(field.annotation, (SecretStr, SecretBytes))


def secret_variables(cls: type[BaseSettings], prefix: str | None = None) -> dict[str, str]:
    """The secret fields of `cls` and their variables, e.g. ``{"token": "STOREBRIDGE_..."}``."""
    return {
        name: env_name(cls, name, prefix)
        for name, field in cls.model_fields.items()
        if is_secret(field)
    }


def prefect_api_url() -> str | None:
    """The Prefect API URL Prefect's own settings name (environment, `.env`, profile), or None.

    Only asked when a secret is set nowhere else; importing Prefect starts no server.
    """
    try:
        from prefect.settings import get_current_settings
    except ImportError:  # pragma: no cover - Prefect is a dependency
        return None
    url = get_current_settings().api.url
    return str(url) if url else None


def _secrets_mode(dotenv: Mapping[str, str | None]) -> str:
    raw = os.environ.get(SECRETS_FROM_PREFECT)
    if raw is None:
        raw = dotenv.get(SECRETS_FROM_PREFECT) or dotenv.get(SECRETS_FROM_PREFECT.lower())
    value = (raw or "auto").strip().lower()
    modes = {"auto": "auto", "true": "true", "1": "true", "yes": "true"}
    modes |= {"false": "false", "0": "false", "no": "false"}
    if value not in modes:
        raise ConfigError(f"{SECRETS_FROM_PREFECT}: {raw!r} is not auto, true or false")
    return modes[value]


def _block_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def read_secret_blocks(names: Iterable[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Read Secret blocks by name from the configured Prefect API (no retries, short timeouts).

    Returns:
        (values of the blocks found, by name; why each block that could not be read failed).
        A block that does not exist is in neither. After the first failure the others are not
        tried (the API is down or refuses us) and are reported with the same reason.
    """
    import httpx
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_CLIENT_MAX_RETRIES, temporary_settings

    found: dict[str, str] = {}
    failed: dict[str, str] = {}
    pending = list(names)
    timeout = {"timeout": httpx.Timeout(BLOCK_TIMEOUT_S)}
    with (
        temporary_settings({PREFECT_CLIENT_MAX_RETRIES: 0}),
        get_client(httpx_settings=timeout, sync_client=True) as client,
    ):
        while pending:
            name = pending.pop(0)
            try:
                doc = client.read_block_document_by_name(name, "secret", include_secrets=True)
            except ObjectNotFound:
                continue
            except Exception as exc:  # any failure: name the block (there is no value)
                reason = f"{type(exc).__name__}: {redact_text(str(exc))}"
                failed.update(dict.fromkeys([name, *pending], reason))
                break
            if doc.data.get("value") is not None:
                found[name] = _block_text(doc.data["value"])
    return found, failed


class PrefectSecretSource(PydanticBaseSettingsSource):
    """A settings source: secret fields set nowhere before it, from Prefect Secret blocks.

    See the module docstring for the naming rule, when blocks are consulted and the errors.
    """

    def __init__(
        self,
        settings_cls: type[BaseSettings],
        *,
        env_prefix: str | None = None,
        dotenv: DotEnvSettingsSource | None = None,
    ) -> None:
        super().__init__(settings_cls)
        self.env_prefix = env_prefix
        self.dotenv: Mapping[str, str | None] = dotenv.env_vars if dotenv is not None else {}

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """Unused: `__call__` reads every wanted block with one client."""
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        wanted = {
            name: var
            for name, var in secret_variables(self.settings_cls, self.env_prefix).items()
            if name not in self.current_state
        }
        mode = _secrets_mode(self.dotenv) if wanted else "false"
        if mode == "false":
            return {}
        api = prefect_api_url()
        if api is None:
            if mode == "true":
                raise ConfigError(
                    f"{SECRETS_FROM_PREFECT}=true but no Prefect API is configured: set "
                    f"PREFECT_API_URL (or set {', '.join(wanted.values())} directly)"
                )
            return {}
        blocks = {name: block_name(var) for name, var in wanted.items()}
        found, failed = read_secret_blocks(blocks.values())
        if unreadable := {name: var for name, var in wanted.items() if blocks[name] in failed}:
            self._unreadable(unreadable, blocks, failed[blocks[next(iter(unreadable))]], api)
        values: dict[str, Any] = {}
        supplied: dict[str, str] = {}
        for name, block in blocks.items():
            if block in found:
                field = self.settings_cls.model_fields[name]
                values[name] = self._value(name, field, found[block])
                supplied[name] = block
                log.debug("%s from Prefect Secret block %s", wanted[name], block)
        if (record := _from_blocks.get()) is not None:
            record.update(supplied)
        return values

    def _value(self, name: str, field: FieldInfo, text: str) -> Any:
        if self.field_is_complex(field):
            return self.decode_complex_value(name, field, text)
        return SecretStr(text) if _mentions(field.annotation, (SecretStr,)) else text

    def _unreadable(
        self, variables: dict[str, str], blocks: dict[str, str], reason: str, api: str
    ) -> None:
        """Blocks the API did not answer for: an error if a required field needed one."""
        which = ", ".join(f"{blocks[name]!r} (for {var})" for name, var in variables.items())
        message = f"cannot read Prefect Secret block {which} from {redact_url(api)}: {reason}"
        fields = self.settings_cls.model_fields
        if required := [var for name, var in variables.items() if fields[name].is_required()]:
            raise ConfigError(
                f"{message}; set {', '.join(required)} directly or fix the Prefect API"
            )
        log.warning("%s; the default applies", message)


def save_secret_blocks(
    names_or_env: Mapping[str, str] | Iterable[str | type[BaseSettings]],
    *,
    env_file: str | Path | None = ENV_FILE,
) -> list[str]:
    """Copy secret settings into Prefect Secret blocks (overwriting), so that a worker on another
    machine, which has only the Prefect API settings, can load them.

    Each variable goes to the block `block_name` gives (``STOREBRIDGE_SHIFT4SHOP_TOKEN`` →
    ``storebridge-shift4shop-token``), the block `load_settings` reads it back from. Call it from
    synchronous code (a CLI command); it never starts an ephemeral Prefect server.

    Args:
        names_or_env: a mapping of variable → value, stored as given; or an iterable of variable
            names (each value from the environment, then `env_file`; one set nowhere is an
            error) and settings classes (every secret field of the class that is set).
        env_file: the `.env` file to read values from (None: the environment only).

    Returns:
        The names of the blocks written, in order.

    Raises:
        ConfigError: a named variable is set nowhere, or no Prefect API is configured.
    """
    values = _values_to_save(names_or_env, env_file)
    if values and prefect_api_url() is None:
        raise ConfigError(
            "no Prefect API is configured to save Secret blocks to: set PREFECT_API_URL"
        )
    from prefect.blocks.system import Secret

    saved = []
    for var, value in values.items():
        name = block_name(var)
        Secret(value=SecretStr(value)).save(name, overwrite=True, _sync=True)  # type: ignore[call-arg]
        log.info("saved %s to Prefect Secret block %s", var, name)
        saved.append(name)
    return saved


def _values_to_save(
    names_or_env: Mapping[str, str] | Iterable[str | type[BaseSettings]],
    env_file: str | Path | None,
) -> dict[str, str]:
    if isinstance(names_or_env, Mapping):
        return {str(k).upper(): str(v) for k, v in names_or_env.items()}
    dotenv = {k.upper(): v for k, v in dotenv_values(env_file).items()} if env_file else {}

    def lookup(var: str) -> str | None:
        value = os.environ.get(var)
        return value if value is not None else dotenv.get(var)

    values: dict[str, str] = {}
    for item in names_or_env:
        if isinstance(item, str):
            var = item.upper()
            if (value := lookup(var)) is None:
                raise ConfigError(f"{var} is set neither in the environment nor in {env_file}")
            values[var] = value
        else:
            for var in secret_variables(item).values():
                if (value := lookup(var)) is not None:
                    values[var] = value
    return values
