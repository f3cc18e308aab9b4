"""Common types of the raw BigCommerce payload models (pure pydantic): the base model and the
number and date fields of V2 (strings, RFC 2822) and V3 (numbers, ISO 8601)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict


def _number(value: Any) -> Any:
    if value is None or value == "":
        return Decimal("0")
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def _optional_number(value: Any) -> Any:
    return None if value is None or value == "" else _number(value)


def _rfc2822(value: Any) -> Any:
    """V2 dates: ``"Wed, 10 Jan 2018 21:05:30 +0000"``; ``""`` (not shipped yet) is None."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            raise ValueError(f"not an RFC 2822 date: {value!r}") from None
    return value


def _empty_none(value: Any) -> Any:
    return None if value == "" else value


Num = Annotated[Decimal, BeforeValidator(_number)]
"""Money or a quantity: string, int or number → Decimal; missing or "" → 0."""
OptNum = Annotated[Decimal | None, BeforeValidator(_optional_number)]
Rfc2822 = Annotated[dt.datetime | None, BeforeValidator(_rfc2822)]
IsoTime = Annotated[dt.datetime | None, BeforeValidator(_empty_none)]


def is_link(value: Any) -> bool:
    """A V2 sub-resource link (``{"url": ..., "resource": "/orders/1/products"}``), not data."""
    return isinstance(value, dict) and "resource" in value and "id" not in value


class Raw(BaseModel):
    """Base of raw payload models: field names as the API spells them, extras kept."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)
