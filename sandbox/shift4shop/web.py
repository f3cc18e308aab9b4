"""Request and response helpers shared by the Shift4Shop (3dcart) REST API v1 emulator's routes."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from sandbox.shift4shop.query import ApiError, error_body


def path_id(raw: str, what: str) -> int:
    """An integer id from the path.

    Raises:
        ApiError: 400 naming the id when it is not an integer.
    """
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, f"Invalid {what}: {raw!r}") from None


def ok(body: Any, status: int = 200) -> JSONResponse:
    """A JSON response."""
    return JSONResponse(body, status_code=status)


async def read_json(request: Request) -> Any:
    """The parsed request body.

    Raises:
        ApiError: 400 when it is not JSON.
    """
    try:
        return json.loads(await request.body())
    except ValueError:
        raise ApiError(400, "Request body is not valid JSON") from None


async def read_object(request: Request, noun: str) -> dict[str, Any]:
    """A body that must be one object (a one-element array is accepted too).

    Raises:
        ApiError: 400 for anything else.
    """
    body = await read_json(request)
    if isinstance(body, list) and len(body) == 1:
        body = body[0]
    if not isinstance(body, dict):
        raise ApiError(400, f"Request body must be a {noun} object")
    return body


def write_response(results: list[dict[str, str]], batch: bool) -> JSONResponse:
    """The answer to a write.

    A batch (array body) is always a 200 with one element per item, failures inside. A single
    object answers its own status: 200/201 with the element, or the error array.
    """
    if batch:
        return ok(results)
    status = int(results[0]["Status"])
    if status >= 400:
        return ok(error_body(results[0]["Message"]), status)
    return ok(results, status)


def sub_list(rows: list[dict[str, Any]], noun: str) -> JSONResponse:
    """A sub-resource list (`/Orders/{id}/Shipments`, ...): 404 when empty.

    Raises:
        ApiError: 404 "No <noun> found".
    """
    if not rows:
        raise ApiError(404, f"No {noun} found")
    return ok(rows)
