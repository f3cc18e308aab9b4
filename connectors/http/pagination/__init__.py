"""Paginators, one small class per style, and the `paginate` loop. Page to the end or raise."""

from __future__ import annotations

from connectors.http.pagination.base import PageRequest, Paginator, dig, paginate
from connectors.http.pagination.links import (
    CursorPaginator,
    NextLinkPaginator,
    NextRecordsUrlPaginator,
    ODataNextLinkPaginator,
)
from connectors.http.pagination.numbered import OffsetPaginator, PageNumberPaginator

__all__ = [
    "CursorPaginator",
    "NextLinkPaginator",
    "NextRecordsUrlPaginator",
    "ODataNextLinkPaginator",
    "OffsetPaginator",
    "PageNumberPaginator",
    "PageRequest",
    "Paginator",
    "dig",
    "paginate",
]
