"""What every store adapter needs alike: pages of ids to read, and the key guests are hashed with.

`split_ids` cuts one page of a read by id (a webhook, `--order-id`, a replay) and turns ids that
are no id of the system into failures naming the record, before any call; `guest_key` is the
state store's pseudonymiser, so every process and run sharing the store gives one shopper the same
customer id and no address becomes a key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from connectors.records import Failure, Page
from connectors.state import Pseudonymiser, StateStore
from flows.ports import Context

IDS_PER_PAGE = 50  # ids asked for per page of a read by id (single GETs or an `:in` filter)


def digits_id(max_digits: int = 18) -> Callable[[object], bool]:
    """A test for ids made of ASCII digits only (`"²"` and `"١٢"` pass `str.isdigit()`)."""

    def is_id(value: object) -> bool:
        text = str(value)
        return text.isascii() and text.isdigit() and len(text) <= max_digits

    return is_id


def split_ids(
    ids: Sequence[str],
    cursor: Any,
    entity: str,
    *,
    system: str,
    title: str,
    is_id: Callable[[object], bool],
    per_page: int = IDS_PER_PAGE,
) -> tuple[list[int], list[Failure], Any]:
    """One page of numeric ids from `cursor`, failures for ids that are not ids, next cursor."""
    start = int(cursor or 0)
    chunk = ids[start : start + per_page]
    numeric = [int(i) for i in chunk if is_id(i)]
    bad = [
        Failure(
            system,
            entity,
            str(i),
            "ValidationError",
            f"{system}:{entity}:{i}: not a {title} {entity} id (a whole number)",
        )
        for i in chunk
        if not is_id(i)
    ]
    nxt = start + per_page if start + per_page < len(ids) else None
    return numeric, bad, nxt


def read_by_ids(
    ids: Sequence[str],
    cursor: Any,
    entity: str,
    fetch: Callable[[list[int]], Page[Any]],
    split: Callable[[Sequence[str], Any, str], tuple[list[int], list[Failure], Any]],
) -> Page[Any]:
    """One page of a read by id: `split` cuts the ids (`split_ids` of the system), `fetch` reads
    the valid ones; ids that are no ids are failures of the page, before any call."""
    numeric, bad, nxt = split(ids, cursor, entity)
    page = fetch(numeric) if numeric else Page()
    page.failures += bad
    page.next = nxt
    return page


def guest_key(ctx: Context | None) -> Pseudonymiser:
    """The state store's pseudonymiser (the configured store's when there is no context)."""
    state = ctx.state if ctx is not None and ctx.state is not None else None
    if state is not None:
        return cast(Pseudonymiser, state.pseudonymiser())
    with StateStore.from_settings() as store:
        store.upgrade()
        return store.pseudonymiser()
