"""Raw Sage 300 rows and their coded values (pure: codecs import this module).

A row of the company database is a ``dict`` of upper-case column names to values as the
normaliser makes them (`connectors.sage300.values.normalise`, types declared in `tables.py`).
The enums are the dictionary's lists of values (`shared/api-specs/sage300/db/tables-subset.json`);
header and line ``COMPLETE`` use different lists.
"""

from __future__ import annotations

import enum
from typing import Any

Row = dict[str, Any]
"""One normalised database row (column name -> value)."""


class OrderType(enum.IntEnum):
    """OEORDH.TYPE."""

    ACTIVE = 1
    FUTURE = 2
    STANDING = 3
    QUOTE = 4


class OrderComplete(enum.IntEnum):
    """OEORDH.COMPLETE and OESHIH.COMPLETE (3 and up: complete)."""

    INCOMPLETE_NOT_INCLUDED = 1
    INCOMPLETE_INCLUDED = 2
    COMPLETE_NOT_INCLUDED = 3
    COMPLETE_INCLUDED = 4
    COMPLETE_DAY_END = 5

    @property
    def complete(self) -> bool:
        """Whether the order (or shipment) is complete."""
        return self >= OrderComplete.COMPLETE_NOT_INCLUDED


class LineType(enum.IntEnum):
    """OEORDD.LINETYPE and OESHID.LINETYPE."""

    ITEM = 1
    MISCELLANEOUS = 2


class DetailComplete(enum.IntEnum):
    """OEORDD.COMPLETE and OESHID.COMPLETE."""

    NOT_COMPLETED = 0
    COMPLETED_NOT_IN_DATABASE = 1
    COMPLETED = 2
    PROCESSED_BY_DAY_END = 3


class CustomerStatus(enum.IntEnum):
    """ARCUS.SWACTV (the Web API's Status "Inactive"/"Active")."""

    INACTIVE = 0
    ACTIVE = 1
